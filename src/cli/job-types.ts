import type { Command } from 'commander';
import type { FlowFields, FlowJson } from '../core/flow.js';
import { client, remote, type RemoteFlags } from './jobs.js';

// Flow control of job types on a running server (docs/flow-control.md): what holds for a type in the
// token's workspace, the workspace's own settings, and pausing and resuming the type.

interface FlowFlags {
  concurrency?: string;
  keyConcurrency?: string;
  rateLimit?: string;
  rateIntervalMs?: string;
  ratePerKey?: boolean;
  dedupeRunning?: boolean;
  dedupeReplaceInput?: boolean;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function printFlow(f: FlowJson): void {
  const rate = f.rate_limit;
  const rows: [string, string | number | null][] = [
    ['type', f.type],
    ['settings', f.source === null ? 'none' : f.source === 'code' ? "the code's" : "the workspace's own"],
    ['state', f.paused ? 'paused' : 'active'],
    ['concurrency', f.concurrency],
    ['key concurrency', f.key_concurrency],
    ['rate limit', rate === null ? null : `${rate.limit} per ${rate.interval_ms} ms${rate.per_key ? ' per key' : ''}`],
    [
      'deduplication',
      `include running: ${yesNo(f.deduplication.include_running)}, replace input: ${yesNo(f.deduplication.replace_input)}`,
    ],
    ['updated', f.updated_at],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v === null ? '-' : String(v)}`);
}

/** The settings the flags describe; a flag left out has no limit, as in the API. */
function flowOfFlags(flags: FlowFlags): FlowFields {
  if ((flags.rateLimit === undefined) !== (flags.rateIntervalMs === undefined))
    throw new Error('--rate-limit and --rate-interval-ms go together: so many starts per so many milliseconds.');
  if (flags.ratePerKey === true && flags.rateLimit === undefined)
    throw new Error('--rate-per-key needs --rate-limit and --rate-interval-ms.');
  const count = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    ...(flags.concurrency !== undefined ? { concurrency: count(flags.concurrency) } : {}),
    ...(flags.keyConcurrency !== undefined ? { key_concurrency: count(flags.keyConcurrency) } : {}),
    ...(flags.rateLimit !== undefined
      ? {
          rate_limit: {
            limit: count(flags.rateLimit)!,
            interval_ms: count(flags.rateIntervalMs)!,
            per_key: flags.ratePerKey === true,
          },
        }
      : {}),
    deduplication: { include_running: flags.dedupeRunning === true, replace_input: flags.dedupeReplaceInput === true },
  };
}

export function jobTypesCommands(program: Command): void {
  const jobTypes = program.command('job-types').description('flow control of job types on a running server');
  const flow = jobTypes.command('flow').description("a job type's limits and deduplication in the token's workspace");
  const show = (flags: RemoteFlags, f: FlowJson) =>
    flags.json === true ? console.log(JSON.stringify(f, null, 2)) : printFlow(f);
  remote(flow.command('get').description('show the flow control that holds for a type').argument('<type>')).action(
    async (type: string, flags: RemoteFlags) => show(flags, await client(flags).getJobTypeFlow(type)),
  );
  remote(
    flow
      .command('set')
      .description("set the workspace's own flow control of a type, replacing the code's as a whole (a pause stays)")
      .argument('<type>')
      .option('--concurrency <n>', 'jobs of the type claimed at once, across every worker')
      .option('--key-concurrency <n>', 'jobs of one concurrency key claimed at once')
      .option('--rate-limit <n>', 'starts allowed within any --rate-interval-ms')
      .option('--rate-interval-ms <ms>', "the rate limit's sliding window, in milliseconds")
      .option('--rate-per-key', 'count the rate limit per concurrency key instead of for the type')
      .option('--dedupe-running', 'a create with the deduplication key of a running job returns that job too')
      .option('--dedupe-replace-input', "a create with the key of a pending job replaces that job's input"),
  ).action(async (type: string, flags: RemoteFlags & FlowFlags) =>
    show(flags, await client(flags).setJobTypeFlow(type, flowOfFlags(flags))),
  );
  remote(
    flow
      .command('delete')
      .description("remove the workspace's own flow control of a type (and a pause): the code's holds again")
      .argument('<type>'),
  ).action(async (type: string, flags: RemoteFlags) => show(flags, await client(flags).deleteJobTypeFlow(type)));
  for (const action of ['pause', 'resume'] as const) {
    remote(
      jobTypes
        .command(action)
        .description(
          action === 'pause'
            ? 'claim no more jobs of the type in the workspace (claimed jobs finish)'
            : 'claim jobs of a paused type again',
        )
        .argument('<type>'),
    ).action(async (type: string, flags: RemoteFlags) => show(flags, await client(flags).jobTypeAction(type, action)));
  }
}
