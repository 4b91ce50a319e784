import type { Services } from './context.js';
import { expireEventBatches, expireDeliveries, expireFinishedJobs, expireUploads } from '../store/retention.js';

/**
 * One sweep: expires finished jobs (and the batch rows of events left with none
 * but tombstones), uploads and finished webhook deliveries past the retention period, in bounded batches.
 */
export async function sweepExpired(services: Services): Promise<{ jobs: number; files: number; deliveries: number }> {
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
  return { jobs, files, deliveries };
}
