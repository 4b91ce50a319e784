// A thread with its own services on a shared database, running schedules at the times its parent
// sends: several of them race as processes would (each blocks only itself while SQLite is locked).
import { parentPort, workerData } from 'node:worker_threads';
import { createServices } from '../../src/create-services.js';
import { ScheduleRunner } from '../../src/services/schedule-runner.js';

const port = parentPort!;
const clock = { ms: 0, now: () => clock.ms };
const services = await createServices({ ...(workerData as object), clock });
const runner = new ScheduleRunner(services);
port.on('message', (message: { now?: number; close?: true }) => {
  if (message.close === true) {
    void services.store.close().then(() => port.postMessage('closed'));
    return;
  }
  clock.ms = message.now!;
  runner.tick().then(
    () => port.postMessage('ticked'),
    (error: unknown) => port.postMessage(`failed: ${String(error)}`),
  );
});
port.postMessage('ready');
