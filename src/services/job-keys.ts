import type { Principal } from '../core/auth.js';
import type { Job } from '../core/job.js';
import { dialectOf } from '../store/dialect/dialect.js';
import { findFlow } from '../store/job-flow.js';
import { toJob } from '../store/jobs.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';
import type { CreateJobInput } from './job-creation.js';

// Creates of jobs with flow-control keys (docs/flow-control.md). A `deduplication_key` returns the job
// of the same type and key that is pending (or running, if the type's flow says so) instead of creating
// another, replacing its input if the flow says so; the key is locked for the transaction, so of any
// number of concurrent creates exactly one creates the job. A `concurrency_key` is only stored.

/** Inserts the inputs of these indexes, without their keys, in the transaction `db`. */
type Insert = (db: Executor, indexes: number[]) => Promise<Job[]>;

const deduplicated = new WeakSet<Job>();

/** Whether createJobs returned this job because it existed already (a 200 rather than a 201). */
export const wasDeduplicated = (job: Job): boolean => deduplicated.has(job);

export const hasKeys = (inputs: readonly CreateJobInput[]): boolean =>
  inputs.some((i) => i.concurrencyKey !== undefined || i.deduplicationKey !== undefined);

/**
 * createJobs for inputs with keys, once createJobs has checked every input (a replaced input too):
 * `insert` writes those not deduplicated, without their keys, which are set after.
 */
export async function createKeyedJobs(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  trx: Executor | undefined,
  insert: Insert,
): Promise<Job[]> {
  const workspaceId = principal.workspaceId;
  const run = async (db: Executor): Promise<Job[]> => {
    const keyOf = (i: CreateJobInput) => JSON.stringify(['jobline-dedupe', workspaceId, i.type, i.deduplicationKey]);
    const keys = [...new Set(inputs.filter((i) => i.deduplicationKey !== undefined).map(keyOf))].sort();
    // In one order, so two batches naming the same keys cannot wait for each other.
    for (const key of keys) await dialectOf(db).lockKey(db, key);
    const results: (Job | undefined)[] = inputs.map(() => undefined);
    const firstOfKey = new Map<string, number>();
    const fresh: number[] = [];
    for (const [index, i] of inputs.entries()) {
      if (i.deduplicationKey === undefined) {
        fresh.push(index);
        continue;
      }
      if (firstOfKey.has(keyOf(i))) continue; // the same key earlier in the batch: that job
      const existing = await duplicateOf(services, db, workspaceId, i);
      if (existing !== undefined) results[index] = existing;
      else {
        firstOfKey.set(keyOf(i), index);
        fresh.push(index);
      }
    }
    const created = fresh.length === 0 ? [] : await insert(db, fresh);
    // The keys are written by one statement per pair of keys, in the creating transaction.
    const byKeys = new Map<string, { keys: [string | null, string | null]; ids: string[] }>();
    for (const [n, index] of fresh.entries()) {
      const i = inputs[index]!;
      const job = created[n]!;
      results[index] = job;
      if (i.concurrencyKey === undefined && i.deduplicationKey === undefined) continue;
      job.concurrencyKey = i.concurrencyKey ?? null;
      job.deduplicationKey = i.deduplicationKey ?? null;
      const pair = JSON.stringify([job.concurrencyKey, job.deduplicationKey]);
      const group = byKeys.get(pair) ?? { keys: [job.concurrencyKey, job.deduplicationKey], ids: [] };
      group.ids.push(job.id);
      byKeys.set(pair, group);
    }
    for (const { keys, ids } of byKeys.values()) {
      await db
        .updateTable('jobs')
        .set({ concurrency_key: keys[0], deduplication_key: keys[1] })
        .where('id', 'in', ids)
        .execute();
    }
    const createdHere = new Set(fresh);
    return inputs.map((i, index) => {
      if (createdHere.has(index)) return results[index]!;
      // An existing job, or a copy of the one an earlier item of the batch created.
      const job = results[index] ?? { ...results[firstOfKey.get(keyOf(i))!]! };
      deduplicated.add(job);
      return job;
    });
  };
  if (trx !== undefined) return run(trx); // the caller commits, then wakes the workers
  const jobs = await services.store.transaction(run);
  services.wakeups.jobsAdded();
  return jobs;
}

/** The job the create of `i` returns instead, its input replaced if the type's flow says so. */
async function duplicateOf(
  services: Services,
  db: Executor,
  workspaceId: string,
  i: CreateJobInput,
): Promise<Job | undefined> {
  const policy = (await findFlow(db, workspaceId, i.type))?.flow.deduplication;
  const statuses = policy?.includeRunning === true ? ['pending', 'running'] : ['pending'];
  const row = await db
    .selectFrom('jobs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', i.type)
    .where('deduplication_key', '=', i.deduplicationKey!)
    .where('status', 'in', statuses)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (policy?.replaceInput !== true || row.status !== 'pending') return toJob(row);
  const now = services.clock.now();
  const replaced = await db
    .updateTable('jobs')
    .set((eb) => ({ input: JSON.stringify(i.input ?? {}), updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return toJob(replaced ?? row);
}
