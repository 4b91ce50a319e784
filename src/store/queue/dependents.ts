import type { Executor } from '../store.js';

/**
 * Jobs waiting on a job that failed or was cancelled fail too, naming it; and so on down the chain.
 * No action of the lifecycle table moves a pending job to failed: this is the one change outside it,
 * made by the store alone and told apart by its reason (dependency_failed).
 */
export async function failDependents(db: Executor, ended: string[], now: number): Promise<void> {
  let frontier = ended;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      const rows = await db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'failed',
          status_reason: 'dependency_failed',
          error: JSON.stringify({
            message: `Job ${id}, which this job depends on, did not succeed.`,
            code: 'dependency_failed',
            dependency_id: id,
          }),
          completed_at: now,
          updated_at: now,
          version: eb('version', '+', 1),
        }))
        .where('status', '=', 'pending')
        .where('id', 'in', (eb) => eb.selectFrom('job_dependencies').select('job_id').where('depends_on_id', '=', id))
        .returning('id')
        .execute();
      next.push(...rows.map((r) => r.id));
    }
    frontier = next;
  }
}
