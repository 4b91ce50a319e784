import type { Command } from 'commander';
import { serveConfig } from '../config.js';
import { startServer } from '../server.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API (SQLite under --data by default, PostgreSQL with --database-url)')
    .option('--port <port>', 'port to listen on (env PORT)', undefined)
    .option('--host <host>', 'interface to bind (env JOBLINE_HOST)', undefined)
    .option('--data <dir>', 'data directory for SQLite and files (env JOBLINE_DATA_DIR)', undefined)
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env JOBLINE_DATABASE_URL)', undefined)
    .action(async (flags: { port?: string; host?: string; data?: string; databaseUrl?: string }) => {
      const server = await startServer(serveConfig(flags));
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        console.log(`${signal} received; finishing requests in flight and closing.`);
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
