import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { FlowControl } from '../../src/core/flow.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { defineJob } from '../../src/engine/define-job.js';
import type { Services } from '../../src/services/context.js';
import { createJob } from '../../src/services/job-creation.js';
import { putFlow, setPaused } from '../../src/services/job-flow.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import type { ClaimOptions } from '../../src/store/queue/claim.js';
import { claimJobs } from '../../src/store/queue.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

// Which claim takes a type's jobs (docs/flow-control.md): the plain claim (store.dialect.claim) takes
// every type whose flow control does not limit the claim, a type with only deduplication settings
// included; the limited claim takes the others and keeps their limits.

const deduplicated = defineJob({
  type: 'declared-dedupe',
  flow: { deduplication: { includeRunning: false } },
  run: () => null,
});

describe.each(DIALECTS)('the plain claim and flow control on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(): Promise<{ services: Services; principal: Principal }> {
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, registry: new Registry([deduplicated]) });
    cleanups.push(async () => {
      await services.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    return { services, principal: { tokenId: 't', workspaceId, scopes: ['admin'] } };
  }

  const options = (types: string[], workspaceId?: string): ClaimOptions => ({
    workerId: 'w1',
    types,
    limit: 10,
    leaseMs: 60_000,
    now: Date.now() + 1000,
    workspaceId,
  });

  it_('claims the jobs of a type with only deduplication settings with the plain claim', async () => {
    const { services, principal } = await setup();
    await putFlow(services, principal.workspaceId, 'api-dedupe', { deduplication: { replaceInput: true } });
    const ids = new Map<string, string[]>();
    for (const type of ['declared-dedupe', 'api-dedupe']) {
      const first = await createJob(services, principal, { type, input: { n: 1 }, deduplicationKey: 'doc-1' });
      const again = await createJob(services, principal, { type, input: { n: 2 }, deduplicationKey: 'doc-1' });
      const other = await createJob(services, principal, { type, input: { n: 3 }, deduplicationKey: 'doc-2' });
      // Deduplication still holds: the same key while pending is the same job.
      expect(again.id).toBe(first.id);
      expect(other.id).not.toBe(first.id);
      ids.set(type, [first.id, other.id]);
    }
    const declared = await services.store.dialect.claim(options(['declared-dedupe']));
    expect(declared.map((r) => r.id).sort()).toEqual([...ids.get('declared-dedupe')!].sort());
    // A remote worker's claim, within its workspace, takes them the same way.
    const api = await services.store.dialect.claim(options(['api-dedupe'], principal.workspaceId));
    expect(api.map((r) => r.id).sort()).toEqual([...ids.get('api-dedupe')!].sort());
    // Once the job runs, the key makes a new job.
    const next = await createJob(services, principal, { type: 'api-dedupe', deduplicationKey: 'doc-1' });
    expect(ids.get('api-dedupe')).not.toContain(next.id);
  });

  it_('leaves types whose settings limit the claim to the limited claim, which keeps the limits', async () => {
    const { services, principal } = await setup();
    const dedupe = { deduplication: { includeRunning: true } };
    const limited: [string, FlowControl, number][] = [
      ['concurrent', { concurrency: 2, ...dedupe }, 2],
      ['keyed', { keyConcurrency: 1, ...dedupe }, 1],
      ['paced', { rateLimit: { limit: 3, intervalMs: 60_000 }, ...dedupe }, 3],
      ['paused', dedupe, 0],
    ];
    for (const [type, flow] of limited) {
      await putFlow(services, principal.workspaceId, type, flow);
      for (let i = 0; i < 5; i++) await createJob(services, principal, { type, concurrencyKey: 'k' });
    }
    await setPaused(services, principal.workspaceId, 'paused', true);
    const types = limited.map(([type]) => type);
    expect(await services.store.dialect.claim(options(types))).toEqual([]);
    expect(await services.store.dialect.claim(options(types, principal.workspaceId))).toEqual([]);
    const claimed = await claimJobs(services.store, { ...options(types), limit: 20 });
    for (const [type, , most] of limited) expect(claimed.filter((j) => j.type === type)).toHaveLength(most);
  });

  it_("claims a workspace's limited type within its limit and another workspace's freely", async () => {
    const { services, principal } = await setup();
    const other = await ensureWorkspace(services.store.db, 'globex', Date.now());
    // The code's settings hold in every workspace; acme's own replace them there.
    await putFlow(services, principal.workspaceId, 'declared-dedupe', { concurrency: 1 });
    for (const workspaceId of [principal.workspaceId, other])
      for (let i = 0; i < 3; i++) await createJob(services, { ...principal, workspaceId }, { type: 'declared-dedupe' });
    const free = await services.store.dialect.claim(options(['declared-dedupe'], other));
    expect(free).toHaveLength(3);
    expect(await services.store.dialect.claim(options(['declared-dedupe'], principal.workspaceId))).toEqual([]);
    expect(await claimJobs(services.store, options(['declared-dedupe']))).toHaveLength(1);
  });
});
