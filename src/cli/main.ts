#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { adminCommands } from './admin.js';
import { initCommand } from './init.js';
import { describeCliError, jobsCommands } from './jobs.js';
import { jobTypesCommands } from './job-types.js';
import { schedulesCommands } from './schedules.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  devDependencies?: Record<string, string>;
};

const program = new Command('jobline')
  .description('Jobline: jobs for machine and people work, served over HTTP')
  .version(own.version);
serveCommand(program);
workerCommand(program);
adminCommands(program);
jobsCommands(program);
schedulesCommands(program);
jobTypesCommands(program);
initCommand(program, own);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(describeCliError(error));
  process.exitCode = 1;
});
