import type { Command } from 'commander';
import { settingOptions, type Flags } from '../config/read.js';
import { serveConfig } from '../config/serve-config.js';
import { startServer, type RunningServer } from '../server.js';

export function serveCommand(program: Command): void {
  settingOptions(
    program
      .command('serve')
      .description('run the API (SQLite under --data by default, PostgreSQL with --database-url)'),
    'serve',
  ).action(async (flags: Flags) => {
    const config = serveConfig(flags);
    // Filled in once started; the signal handlers below may run before that.
    const state: { server?: RunningServer; stopping: boolean } = { stopping: false };
    const close = (running: RunningServer) =>
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    const stop = (signal: string) => {
      if (state.stopping) return;
      state.stopping = true;
      console.log(`${signal} received; finishing requests in flight and closing.`);
      if (state.server !== undefined) void close(state.server);
    };
    // Listen for signals before starting: a supervisor may send SIGTERM as soon as it reads the
    // "serving" line, and without a listener Node dies at once instead of closing the database.
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    const server = await startServer(config);
    state.server = server;
    if (state.stopping) void close(server);
  });
}
