import type { Command } from 'commander';
import type { ScheduleRepresentation, ScheduleRequest } from '../client/client.js';
import { MISSED_RUNS, type JobTemplate, type MissedRuns } from '../core/schedule.js';
import { client, parseInput, remote, type RemoteFlags } from './jobs.js';
import { table } from './table.js';

interface DefinitionFlags {
  name?: string;
  cron?: string;
  every?: string;
  timeZone?: string;
  missedRuns?: string;
  type?: string;
  input?: string;
  project?: string;
  priority?: string;
  paused?: boolean;
}

function printSchedules(schedules: ScheduleRepresentation[]): void {
  console.log(
    table(
      ['ID', 'NAME', 'WHEN', 'TIME ZONE', 'TYPE', 'STATE', 'NEXT RUN', 'LAST RUN'],
      schedules.map((s) => [
        s.id,
        s.name,
        when(s),
        s.time_zone,
        s.job.type,
        s.paused ? 'paused' : 'active',
        s.next_run_at,
        s.last_run_at,
      ]),
    ),
  );
}

const when = (s: ScheduleRepresentation): string => s.cron ?? `every ${s.interval_seconds}s`;

function printSchedule(s: ScheduleRepresentation): void {
  const rows: [string, string | number | null][] = [
    ['id', s.id],
    ['name', s.name],
    ['when', when(s)],
    ['time zone', s.time_zone],
    ['job', JSON.stringify(s.job)],
    ['missed runs', s.missed_runs],
    ['state', s.paused ? 'paused' : 'active'],
    ['next run', s.next_run_at],
    ['last run', s.last_run_at],
    ['last job', s.last_job_id],
    ['last error', s.last_error],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v === null ? '-' : String(v)}`);
}

function definitionOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'a name to recognise it by')
    .option('--cron <expression>', 'cron expression, 5 fields or 6 with seconds first, e.g. "0 3 * * *"')
    .option('--every <seconds>', 'an interval in seconds instead of a cron expression')
    .option('--time-zone <zone>', 'IANA time zone the cron expression is read in (default UTC)')
    .option('--missed-runs <policy>', `runs missed while no process was up: ${MISSED_RUNS.join(' or ')}`)
    .option('--input <json>', "the job's input as a JSON object")
    .option('--project <id>', "the job's project")
    .option('--priority <n>', "the job's priority");
}

/** The request body the flags describe; `type` starts a new job template, the other job flags change it. */
function definition(flags: DefinitionFlags, current?: JobTemplate): ScheduleRequest {
  const input = parseInput(flags.input);
  const jobChanged =
    flags.type !== undefined || input !== undefined || flags.project !== undefined || flags.priority !== undefined;
  const base = current ?? { type: flags.type! };
  const job: JobTemplate | undefined = jobChanged
    ? {
        ...base,
        ...(flags.type !== undefined ? { type: flags.type } : {}),
        ...(input !== undefined ? { input } : {}),
        ...(flags.project !== undefined ? { project_id: flags.project } : {}),
        ...(flags.priority !== undefined ? { priority: Number(flags.priority) } : {}),
      }
    : undefined;
  return {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.cron !== undefined ? { cron: flags.cron } : {}),
    ...(flags.every !== undefined ? { interval_seconds: Number(flags.every) } : {}),
    ...(flags.timeZone !== undefined ? { time_zone: flags.timeZone } : {}),
    ...(flags.missedRuns !== undefined ? { missed_runs: flags.missedRuns as MissedRuns } : {}),
    ...(flags.paused === true ? { paused: true } : {}),
    ...(job !== undefined ? { job } : {}),
  };
}

export function schedulesCommands(program: Command): void {
  const schedules = program.command('schedules').description('recurring jobs on a running server');
  remote(schedules.command('list').description('list schedules with their next and last runs'))
    .option('--limit <n>', 'how many (1-100)', '50')
    .action(async (flags: RemoteFlags & { limit: string }) => {
      const page = await client(flags).listSchedules({ page_size: Number(flags.limit) });
      if (flags.json === true) return console.log(JSON.stringify(page, null, 2));
      printSchedules(page.data);
    });
  remote(schedules.command('get').description('show one schedule').argument('<id>')).action(
    async (id: string, flags: RemoteFlags) => {
      const s = await client(flags).getSchedule(id);
      if (flags.json === true) return console.log(JSON.stringify(s, null, 2));
      printSchedule(s);
    },
  );
  remote(
    definitionOptions(
      schedules
        .command('create')
        .description('create a schedule: --cron or --every, and the job it creates')
        .requiredOption('--type <type>', 'job type, e.g. export'),
    ).option('--paused', 'create it paused'),
  ).action(async (flags: RemoteFlags & DefinitionFlags & { type: string }) => {
    const body = definition(flags);
    const s = await client(flags).createSchedule({ ...body, job: body.job ?? { type: flags.type } });
    if (flags.json === true) return console.log(JSON.stringify(s, null, 2));
    printSchedule(s);
  });
  remote(
    definitionOptions(
      schedules.command('update').description('change a schedule').argument('<id>').option('--type <type>', 'job type'),
    ),
  ).action(async (id: string, flags: RemoteFlags & DefinitionFlags) => {
    const api = client(flags);
    const current = flags.input !== undefined || flags.project !== undefined || flags.priority !== undefined;
    const body = definition(flags, current ? (await api.getSchedule(id)).job : undefined);
    const s = await api.updateSchedule(id, body);
    if (flags.json === true) return console.log(JSON.stringify(s, null, 2));
    printSchedule(s);
  });
  for (const action of ['pause', 'resume'] as const) {
    remote(
      schedules
        .command(action)
        .description(action === 'pause' ? 'pause a schedule' : 'resume a schedule from its next time after now')
        .argument('<id>'),
    ).action(async (id: string, flags: RemoteFlags) => {
      const s = await client(flags).scheduleAction(id, action);
      if (flags.json === true) return console.log(JSON.stringify(s, null, 2));
      printSchedule(s);
    });
  }
  remote(schedules.command('delete').description('delete a schedule (its jobs stay)').argument('<id>')).action(
    async (id: string, flags: RemoteFlags) => {
      await client(flags).deleteSchedule(id);
      if (flags.json !== true) console.log(`Deleted schedule ${id}.`);
    },
  );
}
