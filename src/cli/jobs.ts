import type { Command } from 'commander';
import { ApiError, ConnectionError, JoblineClient, followJob } from '../client/client.js';
import { watchJob, type WatchOptions } from './watch.js';
import type { JobRepresentation } from '../core/job-json.js';
import { table } from './table.js';
import { readSettings, settingOptions } from '../config/read.js';

export interface RemoteFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

export function client(flags: RemoteFlags): JoblineClient {
  const { url, token } = readSettings('jobs', { ...flags });
  if (token === undefined || token === '')
    throw new Error('Give a token with --token or JOBLINE_TOKEN (create one with `jobline token create`).');
  return new JoblineClient(url, token);
}

export function remote(cmd: Command): Command {
  return settingOptions(cmd, 'jobs').option('--json', 'print the JSON response');
}

function printJobs(jobs: JobRepresentation[]): void {
  console.log(
    table(
      ['ID', 'NUMBER', 'PROJECT', 'TYPE', 'STATUS', 'REASON', 'PROGRESS', 'CREATED'],
      jobs.map((j) => [
        j.id,
        j.number,
        j.project_id,
        j.type,
        j.status,
        j.status_reason,
        `${j.progress}%`,
        j.created_at,
      ]),
    ),
  );
}

function printJob(job: JobRepresentation): void {
  const rows: [string, string | number | null][] = [
    ['id', job.id],
    ['number', job.number],
    ['type', job.type],
    ['name', job.name],
    ['project', job.project_id],
    ['status', `${job.status}${job.status_reason !== null ? ` (${job.status_reason})` : ''}`],
    ['progress', `${job.progress}%${job.progress_message !== null ? ` ${job.progress_message}` : ''}`],
    ['attempts', `${job.attempts}/${job.max_attempts}`],
    ['created', job.created_at],
    ['started', job.started_at],
    ['completed', job.completed_at],
    ['input', JSON.stringify(job.input) ?? null],
    // No output yet shows as "-" like every other empty field, not as the word null.
    ['output', job.output === null ? null : (JSON.stringify(job.output) ?? null)],
    ['error', job.error === null ? null : job.error.message],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v === null || v === undefined ? '-' : String(v)}`);
}

export function parseInput(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the message below
  }
  throw new Error(`--input must be a JSON object, such as '{"file":"a.txt"}'.`);
}

export function jobsCommands(program: Command): void {
  const jobs = program.command('jobs').description('work with jobs on a running server');
  remote(jobs.command('list').description('list jobs, newest first'))
    .option('--status <status...>', 'only these statuses')
    .option('--type <type>', 'only this type')
    .option('--project <id>', 'only this project')
    .option('--limit <n>', 'how many (1-100)', '20')
    .action(async (flags: RemoteFlags & { status?: string[]; type?: string; project?: string; limit: string }) => {
      const page = await client(flags).listJobs({
        ...(flags.status !== undefined ? { status: flags.status } : {}),
        ...(flags.type !== undefined ? { type: flags.type } : {}),
        ...(flags.project !== undefined ? { project_id: flags.project } : {}),
        page_size: Number(flags.limit),
      });
      if (flags.json === true) return console.log(JSON.stringify(page, null, 2));
      printJobs(page.data);
    });
  remote(jobs.command('get').description('show one job').argument('<id>')).action(
    async (id: string, flags: RemoteFlags) => {
      const job = await client(flags).getJob(id);
      if (flags.json === true) return console.log(JSON.stringify(job, null, 2));
      printJob(job);
    },
  );
  remote(jobs.command('create').description('create a job').requiredOption('--type <type>', 'job type, e.g. export'))
    .option('--name <name>', 'a name to recognise it by')
    .option('--project <id>', 'project id')
    .option('--priority <n>', 'higher runs first')
    .option('--input <json>', 'input as a JSON object')
    .option('--idempotency-key <key>', 'retry-safe creation')
    .action(
      async (
        flags: RemoteFlags & {
          type: string;
          name?: string;
          project?: string;
          priority?: string;
          input?: string;
          idempotencyKey?: string;
        },
      ) => {
        const input = parseInput(flags.input);
        const job = await client(flags).createJob(
          {
            type: flags.type,
            ...(flags.name !== undefined ? { name: flags.name } : {}),
            ...(flags.project !== undefined ? { project_id: flags.project } : {}),
            ...(flags.priority !== undefined ? { priority: Number(flags.priority) } : {}),
            ...(input !== undefined ? { input } : {}),
          },
          flags.idempotencyKey,
        );
        if (flags.json === true) return console.log(JSON.stringify(job, null, 2));
        printJob(job);
      },
    );
  remote(
    jobs
      .command('watch')
      .description(
        'show the status and progress until the job ends (one line per change when not a terminal); the exit code tells the outcome',
      )
      .argument('<id>'),
  )
    .option('--timeout <seconds>', 'give up after this long (exit code 124)')
    .action(async (id: string, flags: RemoteFlags & { timeout?: string }) => {
      process.exitCode = await watchJob(followJob, client(flags), id, watchOptions(flags, false));
    });
  remote(
    jobs
      .command('wait')
      .description('wait quietly until the job ends; exit 0 succeeded, 2 failed, 3 cancelled, 124 timed out')
      .argument('<id>'),
  )
    .option('--timeout <seconds>', 'give up after this long (exit code 124)')
    .action(async (id: string, flags: RemoteFlags & { timeout?: string }) => {
      process.exitCode = await watchJob(followJob, client(flags), id, watchOptions(flags, true));
    });
  remote(jobs.command('cancel').description('cancel a job').argument('<id>')).action(
    async (id: string, flags: RemoteFlags) => {
      const job = await client(flags).cancelJob(id);
      if (flags.json === true) return console.log(JSON.stringify(job, null, 2));
      printJob(job);
    },
  );
}

function watchOptions(flags: RemoteFlags & { timeout?: string }, quiet: boolean): WatchOptions {
  const timeout = flags.timeout === undefined ? undefined : Number(flags.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new Error('--timeout must be a number of seconds greater than 0.');
  return {
    quiet,
    json: flags.json === true,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    out: process.stdout,
  };
}

/** One line a person can act on, instead of a stack trace. */
export function describeCliError(error: unknown): string {
  if (error instanceof ApiError) {
    const pointers = Array.isArray(error.problem.errors)
      ? (error.problem.errors as { pointer: string; detail: string }[])
          .map((e) => `\n  ${e.pointer}: ${e.detail}`)
          .join('')
      : '';
    return `Error ${error.status} ${error.problem.code ?? ''}: ${error.message}${pointers}`;
  }
  if (error instanceof ConnectionError) return `Error: ${error.message}. Is \`jobline serve\` running and --url right?`;
  // Event streams still come over fetch, whose network failures are this TypeError.
  if (error instanceof TypeError && /fetch failed/.test(error.message))
    return `Error: cannot reach the server (${String((error.cause as Error | undefined)?.message ?? error.message)}). Is \`jobline serve\` running and --url right?`;
  return `Error: ${error instanceof Error ? error.message : String(error)}`;
}
