import type { ValidateFunction } from 'ajv';
import { AppError, notFound, type FieldError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { compileInputSchema, fieldErrors } from '../core/input-schemas.js';
import * as stored from '../store/job-types.js';
import type { Executor, Store } from '../store/store.js';
import type { Services } from './context.js';
import { getFlow, listFlows, type FlowView } from './job-flow.js';

// Job types declared without code (docs/workers.md): a workspace stores an input schema for a type that
// no process defines in code, so jobs of a type run by remote workers are validated when created, as
// those of a `defineJob` type are. A type defined by code keeps its code's schema: storing one for it is
// refused, and a schema stored before the code came is ignored while the code defines the type.

export interface JobTypeView {
  type: string;
  /** Which schema validates the type's input: the code's (`defineJob`) or the one stored through the API. */
  source: 'code' | 'api';
  inputSchema: object | null;
  /** The stored schema's, also for a type defined by code (then the stored schema is ignored). */
  version: number | null;
  createdAt: number | null;
  updatedAt: number | null;
  /** Its flow control in the workspace (services/job-flow.ts). */
  flow: FlowView;
}

// Compiled schemas, per store (shared by every Services over it) and per workspace and type, with the
// revision they were compiled from. Each create reads the stored revisions of its types (one indexed
// read, only for types no code defines) and compiles again only what changed, in whatever process.
const compiled = new WeakMap<Store, Map<string, { revision: string; validate: ValidateFunction }>>();

function cacheOf(services: Services): Map<string, { revision: string; validate: ValidateFunction }> {
  let cache = compiled.get(services.store);
  if (cache === undefined) compiled.set(services.store, (cache = new Map()));
  return cache;
}

const key = (workspaceId: string, type: string): string => `${workspaceId}\u0000${type}`;

function parseSchema(text: string): object {
  return JSON.parse(text) as object;
}

function view(
  services: Services,
  type: string,
  row: stored.StoredJobType | undefined,
  flow: FlowView | undefined,
): JobTypeView {
  const code = services.registry.get(type);
  return {
    flow: flow ?? { type, source: null, paused: false, version: null, updatedAt: null },
    type,
    source: code !== undefined ? 'code' : 'api',
    inputSchema: code !== undefined ? (code.input ?? null) : row !== undefined ? parseSchema(row.inputSchema) : null,
    version: row?.version ?? null,
    createdAt: row?.createdAt ?? null,
    updatedAt: row?.updatedAt ?? null,
  };
}

/** The types of the workspace: those defined by code in this process, those stored, and those with flow control, by name. */
export async function listJobTypes(services: Services, workspaceId: string): Promise<JobTypeView[]> {
  const rows = new Map((await stored.listJobTypes(services.store.db, workspaceId)).map((r) => [r.type, r]));
  const flows = await listFlows(services, workspaceId);
  const names = [...new Set([...services.registry.types(), ...rows.keys(), ...flows.keys()])].sort();
  return names.map((type) => view(services, type, rows.get(type), flows.get(type)));
}

export async function getJobType(services: Services, workspaceId: string, type: string): Promise<JobTypeView> {
  const [row] = await stored.findJobTypes(services.store.db, workspaceId, [type]);
  const flow = await getFlow(services, workspaceId, type);
  if (row === undefined && services.registry.get(type) === undefined && flow.source === null)
    throw notFound('job type', type);
  return view(services, type, row, flow);
}

/** The compiled schema, or a 409 for a type defined by code, or a 422 naming what makes the schema unusable. */
export function checkJobTypeSchema(
  services: Services,
  type: string,
  inputSchema: unknown,
  pointer = '#/input_schema',
): ValidateFunction {
  if (services.registry.get(type) !== undefined)
    throw new AppError(
      'already_exists',
      `Job type ${type} is defined by code (defineJob) on this server; its input schema is the code's.`,
    );
  const result = compileInputSchema(inputSchema, pointer);
  if ('problems' in result)
    throw new AppError(
      'validation_failed',
      `The input schema is not usable: ${result.problems.map((p) => `${p.pointer}: ${p.detail}`).join('; ')}`,
      { errors: result.problems },
    );
  return result.validate;
}

/** Stores (or replaces) a type's input schema, checked by checkJobTypeSchema first. */
export async function putJobType(
  services: Services,
  workspaceId: string,
  type: string,
  inputSchema: unknown,
  pointer = '#/input_schema',
): Promise<{ jobType: JobTypeView; created: boolean }> {
  const validate = checkJobTypeSchema(services, type, inputSchema, pointer);
  const now = services.clock.now();
  const text = JSON.stringify(inputSchema);
  const put = await stored.putJobType(services.store.db, {
    workspaceId,
    type,
    inputSchema: text,
    revision: uuidv7(now),
    now,
  });
  // This process compiled it already: the next create here need not compile it again.
  if (put.stored.inputSchema === text)
    cacheOf(services).set(key(workspaceId, type), { revision: put.stored.revision, validate });
  return {
    jobType: view(services, type, put.stored, await getFlow(services, workspaceId, type)),
    created: put.created,
  };
}

export async function deleteJobType(services: Services, workspaceId: string, type: string): Promise<void> {
  if (!(await stored.deleteJobType(services.store.db, workspaceId, type)))
    throw new AppError(
      'not_found',
      services.registry.get(type) !== undefined
        ? `Job type ${type} is defined by code on this server and has no stored schema to delete.`
        : `No job type ${JSON.stringify(type)} is stored in this workspace.`,
    );
  cacheOf(services).delete(key(workspaceId, type));
}

/**
 * Problems with the input of jobs whose types no code defines, against the schemas stored for them in
 * the workspace, as JSON pointers; types with no stored schema accept any input. Reads with `db`, the
 * caller's transaction when there is one.
 */
export async function storedInputProblems(
  services: Services,
  db: Executor,
  workspaceId: string,
  items: { type: string; input: unknown; pointer: string }[],
): Promise<FieldError[]> {
  const uncoded = items.filter((i) => services.registry.get(i.type) === undefined);
  if (uncoded.length === 0) return [];
  const types = [...new Set(uncoded.map((i) => i.type))];
  const revisions = await stored.jobTypeRevisions(db, workspaceId, types);
  const cache = cacheOf(services);
  const stale = types.filter((t) => {
    const current = revisions.get(t);
    if (current === undefined) cache.delete(key(workspaceId, t));
    return current !== undefined && cache.get(key(workspaceId, t))?.revision !== current;
  });
  for (const row of await stored.findJobTypes(db, workspaceId, stale)) {
    const result = compileInputSchema(parseSchema(row.inputSchema), '#');
    // A stored schema compiled when it was stored; should a newer Ajv refuse it, it validates nothing
    // rather than refusing every job of the type.
    const validate = 'validate' in result ? result.validate : ((() => true) as unknown as ValidateFunction);
    cache.set(key(workspaceId, row.type), { revision: row.revision, validate });
  }
  return uncoded.flatMap((i) => {
    const validate = revisions.has(i.type) ? cache.get(key(workspaceId, i.type))?.validate : undefined;
    if (validate === undefined || validate(i.input)) return [];
    return fieldErrors(validate.errors, i.pointer);
  });
}
