import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.js';
import type { PeopleWork } from '../../src/core/people.js';
import { createProject } from '../../src/services/projects.js';
import { insertNumberedJobs, type NewJobRow } from '../../src/store/job-inserts.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

// Every job row is written by the numbered insert, alone or in the caller's transaction, whatever
// optional columns the batch sets.

const PEOPLE: PeopleWork = {
  providers: [],
  dueAt: 1_900_000_000_000,
  referenceId: 'doc-1:de',
  workflowLevel: 2,
  continuous: true,
  importJobId: null,
  sourceUpdatedAt: 1_800_000_000_000,
  targetUpdatedAt: null,
  continuousUpdatedAt: null,
};

describe.each(DIALECTS)('inserting jobs on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let s: SharedDatabase;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect);
  });
  afterAll(async () => s?.cleanup());

  function rows(count: number, projectId: string | null, extra: Partial<NewJobRow> = {}): NewJobRow[] {
    const now = Date.now();
    return Array.from({ length: count }, () => ({
      id: uuidv7(now),
      workspaceId: s.principal.workspaceId,
      projectId,
      number: 0,
      type: 'insert',
      name: null,
      status: 'pending' as const,
      statusReason: 'queued' as const,
      priority: 0,
      input: {},
      maxAttempts: 3,
      runAt: now,
      timeoutMs: null,
      now,
      ...extra,
    }));
  }

  it_('numbers jobs in the caller’s transaction with it: rolled back, they use up no number', async () => {
    const project = await createProject(s.a, s.principal, { name: 'In a transaction' });
    const { store } = s.a;
    const dropped = rows(2, project.id);
    await expect(
      store.transaction(async (trx) => {
        expect(await insertNumberedJobs(store, s.principal.workspaceId, project.id, dropped, { trx })).toBe(true);
        expect(dropped.map((j) => j.number)).toEqual([1, 2]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const kept = rows(3, project.id);
    await store.transaction((trx) => insertNumberedJobs(store, s.principal.workspaceId, project.id, kept, { trx }));
    const stored = await store.db
      .selectFrom('jobs')
      .select(['id', 'number'])
      .where('project_id', '=', project.id)
      .orderBy('number')
      .execute();
    expect(stored).toEqual(kept.map((j, index) => ({ id: j.id, number: index + 1 })));
    // A project of another workspace is refused in a transaction too, and nothing is inserted.
    const stranger = rows(1, project.id, { workspaceId: '01890000-0000-7000-8000-0000000000ee' });
    expect(
      await store.transaction((trx) =>
        insertNumberedJobs(store, stranger[0]!.workspaceId, project.id, stranger, { trx }),
      ),
    ).toBe(false);
  });

  it_('writes people and origin columns only for the jobs that set them, in one batch', async () => {
    const [plain, traced, person] = [
      rows(1, null)[0]!,
      rows(1, null, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' })[0]!,
      rows(1, null, { people: PEOPLE, statusReason: 'new' })[0]!,
    ];
    // Alone, a batch with people jobs still writes their providers' rows in the same transaction.
    expect(await insertNumberedJobs(s.a.store, s.principal.workspaceId, null, [plain, traced, person])).toBe(true);
    const stored = await s.a.store.db
      .selectFrom('jobs')
      .select([
        'id',
        'executor',
        'status_reason',
        'traceparent',
        'tracestate',
        'due_at',
        'reference_id',
        'workflow_level',
        'continuous',
        'source_updated_at',
      ])
      .where('id', 'in', [plain.id, traced.id, person.id])
      .execute();
    const byId = new Map(stored.map((r) => [r.id, r]));
    const none = { due_at: null, reference_id: null, workflow_level: null, continuous: 0, source_updated_at: null };
    expect(byId.get(plain.id)).toMatchObject({ executor: 'worker', traceparent: null, tracestate: null, ...none });
    expect(byId.get(traced.id)).toMatchObject({
      executor: 'worker',
      traceparent: traced.traceparent,
      tracestate: 'a=1',
    });
    expect(byId.get(person.id)).toMatchObject({
      executor: 'people',
      status_reason: 'new',
      traceparent: null,
      due_at: PEOPLE.dueAt,
      reference_id: PEOPLE.referenceId,
      workflow_level: 2,
      continuous: 1,
      source_updated_at: PEOPLE.sourceUpdatedAt,
    });
  });

  it_('inserts a batch wider than one statement can bind, numbered without gaps', async () => {
    const project = await createProject(s.a, s.principal, { name: 'Wide' });
    // With the origin and people columns, SQLite binds fewer rows per statement than this batch holds.
    const batch = rows(1500, project.id, { scheduleId: undefined, traceparent: '00-a-b-01', people: PEOPLE });
    expect(await insertNumberedJobs(s.a.store, s.principal.workspaceId, project.id, batch)).toBe(true);
    const stored = await s.a.store.db
      .selectFrom('jobs')
      .select(({ fn }) => [fn.countAll<number>().as('count'), fn.max('number').as('last')])
      .where('project_id', '=', project.id)
      .executeTakeFirstOrThrow();
    expect({ count: Number(stored.count), last: Number(stored.last) }).toEqual({ count: 1500, last: 1500 });
    expect(batch.map((j) => j.number)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
  });
});
