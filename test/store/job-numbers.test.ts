import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services/context.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { createProject } from '../../src/services/projects.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function sorted(numbers: number[]): number[] {
  return [...numbers].sort((x, y) => x - y);
}

describe.each(DIALECTS)('job and project numbers on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let s: SharedDatabase;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock: new TestClock() });
  });
  afterAll(async () => s?.cleanup());

  // Creates alternate between the two sides: two pools on PostgreSQL, as between two API processes;
  // on SQLite, many creates in flight on one connection, as in one busy server (see sharedDatabase).
  const side = (i: number): Services => (i % 2 === 0 ? s.a : s.b);

  it_('numbers a project’s jobs 1..n without gaps or repeats under concurrent creates', async () => {
    const project = await createProject(s.a, s.principal, { name: 'Race' });
    const singles = Promise.all(
      range(24).map((i) => createJob(side(i), s.principal, { type: 'n', projectId: project.id })),
    );
    // Batches reserve a block of numbers at once; they must interleave with singles without overlap.
    const batches = Promise.all(
      range(4).map((i) =>
        createJobs(
          side(i + 1),
          s.principal,
          [0, 1, 2].map(() => ({ type: 'n', projectId: project.id })),
        ),
      ),
    );
    const jobs = [...(await singles), ...(await batches).flat()];
    expect(sorted(jobs.map((j) => j.number))).toEqual(range(36));
    for (const batch of await batches) {
      const n = batch.map((j) => j.number);
      expect(n).toEqual([n[0], n[0]! + 1, n[0]! + 2]);
    }
  });

  it_('numbers jobs without a project per workspace, also without gaps', async () => {
    const jobs = await Promise.all(range(20).map((i) => createJob(side(i), s.principal, { type: 'loose' })));
    expect(sorted(jobs.map((j) => j.number))).toEqual(range(20));
  });

  it_('keeps numbering two projects independently when their creates interleave', async () => {
    const [p, q] = await Promise.all([
      createProject(s.a, s.principal, { name: 'P' }),
      createProject(side(1), s.principal, { name: 'Q' }),
    ]);
    const jobs = await Promise.all(
      range(20).map((i) => createJob(side(i), s.principal, { type: 'two', projectId: i % 2 === 0 ? p.id : q.id })),
    );
    expect(sorted(jobs.filter((j) => j.projectId === p.id).map((j) => j.number))).toEqual(range(10));
    expect(sorted(jobs.filter((j) => j.projectId === q.id).map((j) => j.number))).toEqual(range(10));
  });

  it_('creates batches that name the same projects in different orders without failing', async () => {
    const p = await createProject(s.a, s.principal, { name: 'Order P' });
    const q = await createProject(s.a, s.principal, { name: 'Order Q' });
    const batches = [
      [p.id, q.id],
      [q.id, p.id],
      [undefined, p.id],
      [p.id, undefined],
    ];
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        batches.map((ids, i) =>
          createJobs(
            side(i),
            s.principal,
            ids.map((projectId) => ({ type: 'order', projectId })),
          ),
        ),
      );
      // On PostgreSQL, counters locked in opposite orders end in "deadlock detected" for one of them.
      expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
    }
  });

  it_('a failed create does not use up a number', async () => {
    const project = await createProject(s.a, s.principal, { name: 'Rollback' });
    await createJob(s.a, s.principal, { type: 'ok', projectId: project.id });
    // The second job names a project that does not exist, so the whole batch is refused …
    await expect(
      createJobs(s.a, s.principal, [
        { type: 'ok', projectId: project.id },
        { type: 'bad', projectId: '01890000-0000-7000-8000-000000000000' },
      ]),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // … and the number the first job had reserved is given to the next job instead.
    expect((await createJob(s.a, s.principal, { type: 'ok', projectId: project.id })).number).toBe(2);
  });

  it_('creates no job in a workspace that does not exist or in a project of another workspace', async () => {
    // PostgreSQL has no foreign keys from jobs to workspaces and projects (migration 0017): the
    // reservation of job numbers is what refuses an unknown owner, so it must refuse both cases.
    const project = await createProject(s.a, s.principal, { name: 'Owned' });
    const stranger = { ...s.principal, workspaceId: '01890000-0000-7000-8000-0000000000ff' };
    await expect(createJob(s.a, stranger, { type: 'ok' })).rejects.toMatchObject({ code: 'validation_failed' });
    // Two owners take the general path (one reservation per owner, in a transaction).
    await expect(
      createJobs(s.a, stranger, [{ type: 'ok' }, { type: 'ok', projectId: project.id }]),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(createJob(s.a, stranger, { type: 'ok', projectId: project.id })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const orphans = await s.a.store.db
      .selectFrom('jobs')
      .select('id')
      .where('workspace_id', '=', stranger.workspaceId)
      .execute();
    expect(orphans).toEqual([]);
  });

  it_('creates a job apart from another caller’s transaction that is open meanwhile', async () => {
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rolledBack = s.a.store
      .transaction(async (trx) => {
        await trx.selectFrom('workspaces').select('id').execute();
        entered();
        await gate;
        throw new Error('rolled back');
      })
      .catch((error: unknown) => error);
    await inside;
    // On SQLite both share one connection: the create must wait for that transaction to end rather
    // than run inside it, or it would be rolled back with it after the caller was told it exists.
    const creating = createJob(s.a, s.principal, { type: 'apart' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await rolledBack).toMatchObject({ message: 'rolled back' });
    const job = await creating;
    expect(await s.a.store.db.selectFrom('jobs').select('id').where('id', '=', job.id).executeTakeFirst()).toEqual({
      id: job.id,
    });
  });

  it_('numbers projects of a workspace 1..n under concurrent creates', async () => {
    const before = await createProject(s.a, s.principal, { name: 'first' });
    const projects = await Promise.all(range(8).map((i) => createProject(side(i), s.principal, { name: `p${i}` })));
    expect(sorted(projects.map((p) => p.number))).toEqual(range(8).map((n) => before.number + n));
  });
});
