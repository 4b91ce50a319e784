import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { createJob } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, skipUnlessAvailable, testServices } from '../support/databases.js';

describe.each(DIALECTS)('dependencies on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.skipIf(skip)('fails a job whose dependency ended while the job was being created', async () => {
    const { services, cleanup } = await testServices(dialect);
    cleanups.push(cleanup);
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    const parent = await createJob(services, principal, { type: 'step' });

    // The child is created in a transaction of the caller's that stays open while the parent is
    // cancelled. The cancel must not end the parent unseen by the child: either it waits for the child
    // to commit and then fails it as a dependent, or the child sees the parent cancelled.
    let cancelled: Promise<unknown> | undefined;
    const child = await services.store.transaction(async (trx) => {
      const job = await createJob(services, principal, { type: 'step', dependsOn: [parent.id] }, trx);
      cancelled = cancelJob(services, principal, parent.id);
      await new Promise((r) => setTimeout(r, 300));
      return job;
    });
    await cancelled;

    expect(await getJob(services, principal, parent.id)).toMatchObject({ status: 'cancelled' });
    expect(await getJob(services, principal, child.id)).toMatchObject({
      status: 'failed',
      statusReason: 'dependency_failed',
    });
  });
});
