import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { createJobs } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { pgArray } from '../../src/store/pg-arrays.js';
import { claimJobs, completeJobs } from '../../src/store/queue.js';
import { DIALECTS, skipUnlessAvailable, testServices } from '../support/databases.js';

// Batched inserts and completions bind one array per column; on PostgreSQL Jobline writes those
// arrays' text itself (src/store/pg-arrays.ts). Text that means something inside an array literal
// must come back exactly as it went in.
const TRICKY = [
  'plain',
  '',
  'say "hi"',
  'back\\slash',
  'trailing\\',
  '"',
  '{a,b}',
  'NULL',
  'null',
  ' spaced ',
  'comma, here',
  'line\nbreak',
  'tab\there',
  'ünïcødé ✓ 🚀',
  "it's",
];

describe.each(DIALECTS)('batched writes on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const { services, cleanup } = await testServices(dialect);
    cleanups.push(cleanup);
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 't', workspaceId, scopes: ['admin'] };
    return { services, principal };
  }

  it_('keep names, inputs and outputs with quotes, backslashes, braces and commas exactly', async () => {
    const { services, principal } = await setup();
    const created = await createJobs(
      services,
      principal,
      TRICKY.map((text) => ({
        type: 'tricky',
        name: text === '' ? undefined : text,
        input: { text, list: [text, null] },
      })),
    );
    for (const [i, job] of created.entries()) {
      const read = await getJob(services, principal, job.id);
      expect(read.name).toBe(TRICKY[i] === '' ? null : TRICKY[i]);
      expect(read.input).toEqual({ text: TRICKY[i], list: [TRICKY[i], null] });
    }
    const claimed = await claimJobs(services.store, {
      workerId: 'w"\\',
      types: ['tricky'],
      limit: 100,
      leaseMs: 60_000,
      now: Date.now() + 1000,
    });
    expect(claimed).toHaveLength(TRICKY.length);
    const outputs = new Map(claimed.map((j) => [j.id, { echo: (j.input as { text: string }).text }]));
    const { done } = await completeJobs(
      services.store,
      'w"\\',
      claimed.map((j) => ({
        attempt: { jobId: j.id, number: j.attempts, startedAt: Date.now(), outcome: 'succeeded' },
        output: outputs.get(j.id),
      })),
      Date.now() + 2000,
    );
    expect(done.sort()).toEqual(claimed.map((j) => j.id).sort());
    for (const job of created) {
      const read = await getJob(services, principal, job.id);
      expect(read.status).toBe('succeeded');
      expect(read.output).toEqual(outputs.get(job.id));
    }
  });

  it_('keep the values a whole batch shares, and those that differ in a mixed batch', async () => {
    // On PostgreSQL a batch whose jobs share all but their ids and inputs binds the shared values once.
    const { services, principal } = await setup();
    const runAt = Date.now() + 60_000;
    const shared = { type: 'same', name: 'say "hi", {a,b}', priority: 3, maxAttempts: 7, timeoutMs: 1234, runAt };
    const uniform = await createJobs(
      services,
      principal,
      [1, 2, 3].map((n) => ({ ...shared, input: { n } })),
    );
    const mixed = await createJobs(services, principal, [
      { ...shared, input: { n: 4 } },
      { ...shared, priority: 5, input: { n: 5 } },
    ]);
    for (const [i, job] of [...uniform, ...mixed].entries()) {
      const read = await getJob(services, principal, job.id);
      expect(read).toMatchObject({
        type: 'same',
        name: 'say "hi", {a,b}',
        priority: i === 4 ? 5 : 3,
        maxAttempts: 7,
        timeoutMs: 1234,
        runAt,
        status: 'pending',
        input: { n: i + 1 },
      });
    }
  });

  it.runIf(dialect === 'postgres' && !skipUnlessAvailable(dialect))(
    'pgArray text reads back as the same array in PostgreSQL',
    async () => {
      const { services } = await setup();
      const raw = services.store.raw;
      if (raw.kind !== 'postgres') throw new Error('PostgreSQL expected');
      const texts = [...TRICKY, null];
      const numbers = [0, -1, 42, Number.MAX_SAFE_INTEGER, null];
      const { rows } = await raw.pool.query<{ t: (string | null)[]; n: (string | null)[] }>(
        'SELECT $1::text[] AS t, $2::bigint[] AS n',
        [pgArray(texts), pgArray(numbers)],
      );
      expect(rows[0]!.t).toEqual(texts);
      expect(rows[0]!.n).toEqual(numbers.map((n) => (n === null ? null : String(n))));
    },
  );
});
