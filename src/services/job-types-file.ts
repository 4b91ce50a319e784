import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../core/errors.js';
import { JOB_TYPE_PATTERN } from '../core/job.js';
import type { Services } from './context.js';
import { flowOfFields, type FlowControl } from '../core/flow.js';
import { checkFlow, getFlow, putFlow } from './job-flow.js';
import { checkJobTypeSchema, putJobType } from './job-types.js';
import { DEFAULT_WORKSPACE, ensureWorkspace } from './tokens.js';

// `jobline serve --job-types <file>` (JOBLINE_JOB_TYPES_FILE): job types declared without code, kept in
// a file under version control and stored at start as if each were PUT to /v1/job-types/{type}.

// A type's flow control as PUT /v1/job-types/{type}/flow takes it; its bounds are checked by flowProblems.
const FlowInFile = Type.Object(
  {
    concurrency: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    key_concurrency: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    rate_limit: Type.Optional(
      Type.Union([
        Type.Object(
          { limit: Type.Integer(), interval_ms: Type.Integer(), per_key: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    deduplication: Type.Optional(
      Type.Object(
        { include_running: Type.Optional(Type.Boolean()), replace_input: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const JobTypesFile = Type.Object(
  {
    job_types: Type.Array(
      Type.Object(
        {
          type: Type.String({ pattern: JOB_TYPE_PATTERN }),
          workspace: Type.Optional(Type.String({ minLength: 1 })),
          input_schema: Type.Unknown(),
          flow: Type.Optional(FlowInFile),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * Stores every type of the file (a type whose schema is unchanged keeps its version). Throws an Error
 * naming the file and the place in it when the file cannot be read, is not JSON, or holds a type that
 * is not valid; nothing is stored then. Types stored earlier and no longer in the file are kept.
 */
export async function storeJobTypesFile(services: Services, path: string): Promise<{ stored: number }> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the job types file ${path}: ${(error as Error).message}`);
  }
  const [first] = Value.Errors(JobTypesFile, data);
  if (first !== undefined)
    throw new Error(
      `The job types file ${path} is not valid at #${first.path}: ${first.message}. It holds {"job_types": [{"type": "…", "input_schema": {…}, "workspace": "…"}]}.`,
    );
  const file = data as Static<typeof JobTypesFile>;
  const now = services.clock.now();
  const workspaces = new Map<string, string>();
  for (const name of new Set(file.job_types.map((t) => t.workspace ?? DEFAULT_WORKSPACE)))
    workspaces.set(name, await ensureWorkspace(services.store.db, name, now));
  // Every type is checked before any is stored, so a bad file changes nothing.
  const seen = new Set<string>();
  for (const [index, t] of file.job_types.entries()) {
    const id = `${t.workspace ?? DEFAULT_WORKSPACE}\u0000${t.type}`;
    if (seen.has(id))
      throw new Error(`The job types file ${path} lists job type ${t.type} twice (#/job_types/${index}).`);
    seen.add(id);
    try {
      checkJobTypeSchema(services, t.type, t.input_schema, `#/job_types/${index}/input_schema`);
      if (t.flow !== undefined) checkFlow(flowOfFields(t.flow), `#/job_types/${index}/flow`);
    } catch (error) {
      if (error instanceof AppError)
        throw new Error(`The job types file ${path} is not valid at #/job_types/${index}: ${error.message}`);
      throw error;
    }
  }
  for (const t of file.job_types) {
    const workspaceId = workspaces.get(t.workspace ?? DEFAULT_WORKSPACE)!;
    await putJobType(services, workspaceId, t.type, t.input_schema);
    if (t.flow === undefined) continue;
    // The same flow again changes nothing, as the same schema does.
    const flow = flowOfFields(t.flow);
    const current = await getFlow(services, workspaceId, t.type);
    if (current.source !== 'api' || !sameLimits(current, flow)) await putFlow(services, workspaceId, t.type, flow);
  }
  return { stored: file.job_types.length };
}

function sameLimits(a: FlowControl, b: FlowControl): boolean {
  const shape = (f: FlowControl) =>
    JSON.stringify([
      f.concurrency ?? null,
      f.keyConcurrency ?? null,
      f.rateLimit?.limit ?? null,
      f.rateLimit?.intervalMs ?? null,
      f.rateLimit?.perKey === true,
      f.deduplication?.includeRunning === true,
      f.deduplication?.replaceInput === true,
    ]);
  return shape(a) === shape(b);
}
