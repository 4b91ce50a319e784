import type { Services } from './context.js';
import { expireEventBatches, expireDeliveries, expireFinishedJobs, expireUploads } from '../store/retention.js';
import { expireScheduleRuns } from '../store/schedules.js';

/** Schedule runs are kept at least this long, whatever the retention period. */
const SCHEDULE_RUNS_KEPT_MS = 24 * 3600 * 1000;

/**
 * One sweep: expires finished jobs (and the batch rows of events left with none
 * but tombstones), uploads, finished webhook deliveries and the record of schedules' runs past the
 * retention period, in bounded batches.
 */
export async function sweepExpired(
  services: Services,
): Promise<{ jobs: number; files: number; deliveries: number; scheduleRuns: number }> {
  const now = services.clock.now();
  let jobs = 0;
  let files = 0;
  for (;;) {
    const batch = await services.store.transaction((trx) =>
      expireFinishedJobs(trx, now - services.policy.retentionMs, now, 500),
    );
    // Bytes go after the rows: a crash in between leaves an orphan file, never a row without its file.
    for (const id of batch.fileIds) services.files.remove(id);
    jobs += batch.jobs;
    files += batch.fileIds.length;
    if (batch.jobs < 500) break;
  }
  // Once per sweep rather than per batch of jobs: a batch row whose jobs still live is looked at once.
  for (;;) {
    const n = await services.store.transaction((trx) =>
      expireEventBatches(trx, services.store, now - services.policy.retentionMs, 500),
    );
    if (n < 500) break;
  }
  for (;;) {
    const ids = await services.store.transaction((trx) => expireUploads(trx, now, 500));
    for (const id of ids) services.files.remove(id);
    files += ids.length;
    if (ids.length < 500) break;
  }
  let deliveries = 0;
  for (;;) {
    const n = await services.store.transaction((trx) => expireDeliveries(trx, now - services.policy.retentionMs, 500));
    deliveries += n;
    if (n < 500) break;
  }
  let scheduleRuns = 0;
  const runsBefore = now - Math.max(services.policy.retentionMs, SCHEDULE_RUNS_KEPT_MS);
  for (;;) {
    const n = await expireScheduleRuns(services.store.db, runsBefore, 500);
    scheduleRuns += n;
    if (n < 500) break;
  }
  return { jobs, files, deliveries, scheduleRuns };
}
