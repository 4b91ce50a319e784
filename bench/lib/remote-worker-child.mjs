// An HTTP worker process of the remote-workers benchmark: `runRemoteWorker`, the public client, running
// the benchmark's no-op job against the server it is told of, from `go` until `stop`.
import { pino } from 'pino';
import { runRemoteWorker } from '../../dist/client/remote-worker.js';
import { noop } from './remote-jobs.mjs';

const stop = new AbortController();
let running = Promise.resolve();
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

process.on('message', async (msg) => {
  if (msg.cmd === 'go') {
    running = runRemoteWorker({
      url: msg.url,
      token: msg.token,
      jobs: [noop],
      concurrency: msg.concurrency,
      prefetch: msg.prefetch,
      name: `bench-${process.pid}`,
      signal: stop.signal,
      log: pino({ level: 'warn' }),
    });
    running.catch((error) => {
      process.send({ cmd: 'error', message: String(error?.stack ?? error) });
      process.exit(1);
    });
    process.send({ reply: msg.id });
  } else if (msg.cmd === 'cpu') {
    process.send({ reply: msg.id, seconds: cpuSeconds() });
  } else if (msg.cmd === 'stop') {
    stop.abort();
    await running;
    process.send({ reply: msg.id }, () => process.exit(0));
  }
});
process.send({ cmd: 'ready' });
