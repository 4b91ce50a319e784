import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { JobRepresentation } from '../../core/job-json.js';
import { selectFields } from './options.js';

// Asana's resource export (ResourceExportRequest of asana_oas.yaml) over Jobline's export job. The job
// writes Jobline's own records; the file a client downloads is made from it on the way out: each job as
// an Asana task, filtered and with the fields asked for, plus the workspace as a team when asked.

const badInput = (message: string) => new AppError('bad_request', message);

/** The filters Jobline can apply, Asana's names (ResourceExportFilters) and `project` (Jobline's). */
const DATE_FILTERS = ['created_at.after', 'created_at.before', 'modified_at.after', 'modified_at.before'];
/** Asana's filters on who did something Jobline does not record for its jobs. */
const UNRECORDED_FILTERS = [
  'assigned_by.any',
  'commented_on_by.any',
  'created_by.any',
  'followers.any',
  'liked_by.any',
];

export interface ExportParameter {
  resource_type: 'task' | 'team';
  filters: Record<string, unknown>;
  fields?: string[] | undefined;
}

/** Task members of an export line without `fields` (Asana: "all non-optional fields"). */
const DEFAULT_TASK_FIELDS = [
  'resource_type',
  'resource_subtype',
  'name',
  'completed',
  'completed_at',
  'created_at',
  'modified_at',
  'due_at',
  'notes',
  'assignee',
  'projects',
];

function parameterOf(raw: unknown, at: string): ExportParameter {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badInput(`${at}: Value is not an object`);
  const p = raw as Record<string, unknown>;
  const type = p.resource_type ?? 'task';
  if (type !== 'task' && type !== 'team')
    throw badInput(
      `${at}.resource_type: ${JSON.stringify(type)} cannot be exported; Jobline exports tasks (its jobs) and teams (its workspace)`,
    );
  const filters = p.filters ?? {};
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters))
    throw badInput(`${at}.filters: Value is not an object`);
  for (const [name, value] of Object.entries(filters)) {
    const where = `${at}.filters.${name}`;
    if (type === 'team') throw badInput(`${where}: teams take no filters`);
    if (UNRECORDED_FILTERS.includes(name)) throw badInput(`${where}: Jobline does not record this for its jobs`);
    if (DATE_FILTERS.includes(name)) {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
        throw badInput(`${where}: Value is not a date-time`);
    } else if (name === 'assignee.any') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw badInput(`${where}: Value is not an array of gids`);
    } else if (name === 'project') {
      if (typeof value !== 'string' || !isUuid(value))
        throw badInput(`${where}: Not a recognized ID: ${String(value)}`);
    } else throw badInput(`${where}: Unknown filter`);
  }
  let fields: string[] | undefined;
  if (p.fields !== undefined) {
    if (!Array.isArray(p.fields) || p.fields.some((f) => typeof f !== 'string' || f === ''))
      throw badInput(`${at}.fields: Value is not an array of field names`);
    fields = p.fields as string[];
  }
  return { resource_type: type, filters: filters as Record<string, unknown>, fields };
}

/** `export_request_parameters` (absent: all tasks), validated. */
export function exportParameters(raw: unknown): ExportParameter[] {
  if (raw === undefined || raw === null) return [{ resource_type: 'task', filters: {} }];
  if (!Array.isArray(raw)) throw badInput('export_request_parameters: Value is not an array');
  if (raw.length === 0 || raw.length > 20) throw badInput('export_request_parameters: Send from 1 to 20 items');
  return raw.map((p, i) => parameterOf(p, `export_request_parameters[${i}]`));
}

/** The project the export job can be limited to: the one every task parameter names, if any. */
export function commonProject(parameters: ExportParameter[]): string | null {
  const projects = new Set(
    parameters.filter((p) => p.resource_type === 'task').map((p) => (p.filters.project as string | undefined) ?? ''),
  );
  const [only] = [...projects];
  return projects.size === 1 && only !== '' ? only!.toLowerCase() : null;
}

/** A Jobline job (its export line) as an Asana task (TaskResponse). */
export function asanaTask(job: JobRepresentation): Record<string, unknown> {
  const user = job.people?.providers.find((p) => p.type === 'user');
  return {
    gid: job.id,
    resource_type: 'task',
    resource_subtype: 'default_task',
    name: job.name ?? '',
    completed: job.status === 'succeeded',
    completed_at: job.status === 'succeeded' ? job.completed_at : null,
    created_at: job.created_at,
    modified_at: job.updated_at,
    due_at: job.people?.due_at ?? null,
    notes: '',
    assignee: user === undefined ? null : { gid: user.id, resource_type: 'user' },
    projects: job.project_id === null ? [] : [{ gid: job.project_id, resource_type: 'project' }],
  };
}

function matches(job: JobRepresentation, filters: Record<string, unknown>): boolean {
  const at = (iso: string) => Date.parse(iso);
  const f = filters as Record<string, string | string[] | undefined>;
  if (f.project !== undefined && job.project_id !== (f.project as string).toLowerCase()) return false;
  if (f['created_at.after'] !== undefined && !(at(job.created_at) > at(f['created_at.after'] as string))) return false;
  if (f['created_at.before'] !== undefined && !(at(job.created_at) < at(f['created_at.before'] as string)))
    return false;
  if (f['modified_at.after'] !== undefined && !(at(job.updated_at) > at(f['modified_at.after'] as string)))
    return false;
  if (f['modified_at.before'] !== undefined && !(at(job.updated_at) < at(f['modified_at.before'] as string)))
    return false;
  const assignees = f['assignee.any'] as string[] | undefined;
  if (assignees !== undefined && !(job.people?.providers ?? []).some((p) => assignees.includes(p.id))) return false;
  return true;
}

function shaped(resource: Record<string, unknown>, fields: string[] | undefined, defaults: string[]) {
  return selectFields(resource, fields ?? defaults);
}

/**
 * The download: Jobline's gzip JSON Lines export read line by line and written as Asana's, the
 * workspace's team first when asked for, then every task parameter's matching jobs.
 */
export function asanaExportStream(source: Readable, parameters: ExportParameter[], workspaceId: string): Readable {
  const teams = parameters
    .filter((p) => p.resource_type === 'team')
    .map((p) =>
      shaped({ gid: workspaceId, resource_type: 'team', name: 'Workspace' }, p.fields, ['resource_type', 'name']),
    );
  const tasks = parameters.filter((p) => p.resource_type === 'task');
  const lines = createInterface({ input: source.pipe(createGunzip()), crlfDelay: Infinity });
  async function* out(): AsyncGenerator<string> {
    for (const team of teams) yield `${JSON.stringify(team)}\n`;
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const job = JSON.parse(line) as JobRepresentation;
      for (const p of tasks)
        if (matches(job, p.filters)) yield `${JSON.stringify(shaped(asanaTask(job), p.fields, DEFAULT_TASK_FIELDS))}\n`;
    }
  }
  return Readable.from(out()).pipe(createGzip());
}

export interface GraphParent {
  parent: string;
  resource_type: 'project' | 'team';
}

/**
 * A graph export's file: the parent (a project or the workspace as a team) as one JSON document with
 * its tasks, gzip-compressed, as Asana's "JSON format … in a gzip container".
 */
export function asanaGraphStream(source: Readable, graph: GraphParent): Readable {
  const lines = createInterface({ input: source.pipe(createGunzip()), crlfDelay: Infinity });
  async function* out(): AsyncGenerator<string> {
    yield `{"gid":${JSON.stringify(graph.parent)},"resource_type":${JSON.stringify(graph.resource_type)},"tasks":[`;
    let first = true;
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const task = shaped(asanaTask(JSON.parse(line) as JobRepresentation), undefined, DEFAULT_TASK_FIELDS);
      yield `${first ? '' : ','}${JSON.stringify(task)}`;
      first = false;
    }
    yield ']}';
  }
  return Readable.from(out()).pipe(createGzip());
}
