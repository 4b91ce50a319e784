import type { Command } from 'commander';
import { serveConfig } from '../config.js';
import { startServer, type RunningServer } from '../server.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API (SQLite under --data by default, PostgreSQL with --database-url)')
    .option('--port <port>', 'port to listen on (env PORT)', undefined)
    .option('--host <host>', 'interface to bind (env JOBLINE_HOST)', undefined)
    .option('--data <dir>', 'data directory for SQLite and files (env JOBLINE_DATA_DIR)', undefined)
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env JOBLINE_DATABASE_URL)', undefined)
    .option('--jobs <modules...>', 'handler modules (.ts, .js) or directories of them, exporting defineJob(...) results (env JOBLINE_JOBS, comma-separated)')
    .option('--concurrency <n>', 'jobs the in-process worker runs at once; 0 for none (env JOBLINE_WORKER_CONCURRENCY)')
    .option('--prefetch <n>', 'jobs the in-process worker claims ahead of free slots; 0 for none (env JOBLINE_WORKER_PREFETCH)')
    .action(async (flags: { port?: string; host?: string; data?: string; databaseUrl?: string; jobs?: string[]; concurrency?: string; prefetch?: string }) => {
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
