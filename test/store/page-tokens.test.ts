import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '../../src/services/job-creation.js';
import { listJobs } from '../../src/services/job-lists.js';
import { createProject, listProjects } from '../../src/services/projects.js';
import { DIALECTS, TestClock, skipUnlessAvailable, testServices } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

const DAY = 24 * 3600 * 1000;

/** Changes one character in the middle of a token, the way a client that edits or truncates it would. */
function tamper(token: string): string {
  const i = Math.floor(token.length / 2);
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe.each(DIALECTS)('page tokens on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;

  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    s = await sharedDatabase(dialect, { clock });
    for (let i = 0; i < 3; i++) {
      await createJob(s.a, s.principal, { type: 'paged' });
      clock.advance(1);
    }
  });
  afterAll(async () => s?.cleanup());

  async function firstPageToken(): Promise<string> {
    const page = await listJobs(s.a, s.principal, { type: 'paged' }, { pageSize: 1 });
    expect(page.nextPageToken).toBeDefined();
    return page.nextPageToken!;
  }

  it_('continues where the previous page ended, also on another process of the same database', async () => {
    const first = await listJobs(s.a, s.principal, { type: 'paged' }, { pageSize: 2 });
    expect(first.jobs).toHaveLength(2);
    const second = await listJobs(s.b, s.principal, { type: 'paged' }, { pageSize: 2, pageToken: first.nextPageToken });
    expect(second.jobs).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
    expect(new Set([...first.jobs, ...second.jobs].map((j) => j.id)).size).toBe(3);
  });

  it_('accepts a token for three days and rejects it after', async () => {
    const token = await firstPageToken();
    clock.advance(3 * DAY - 1000);
    expect((await listJobs(s.a, s.principal, { type: 'paged' }, { pageSize: 1, pageToken: token })).jobs).toHaveLength(
      1,
    );
    clock.advance(2000);
    const error = await listJobs(s.a, s.principal, { type: 'paged' }, { pageSize: 1, pageToken: token }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'invalid_page_token', status: 400 });
    expect((error as Error).message).toMatch(/expired/);
  });

  it_('rejects a tampered or truncated token', async () => {
    const token = await firstPageToken();
    for (const bad of [tamper(token), token.slice(0, -2), `${token}AA`, 'not-a-token']) {
      await expect(
        listJobs(s.a, s.principal, { type: 'paged' }, { pageSize: 1, pageToken: bad }),
      ).rejects.toMatchObject({ code: 'invalid_page_token', status: 400 });
    }
  });

  it_('rejects a token issued by a server on another database', async () => {
    const other = await testServices(dialect, { clock });
    try {
      const token = await firstPageToken();
      await expect(
        listJobs(other.services, s.principal, { type: 'paged' }, { pageSize: 1, pageToken: token }),
      ).rejects.toMatchObject({ code: 'invalid_page_token' });
    } finally {
      await other.cleanup();
    }
  });

  it_('rejects a job list token used to page projects', async () => {
    for (let i = 0; i < 2; i++) await createProject(s.a, s.principal, { name: `p${i}` });
    const token = await firstPageToken();
    await expect(listProjects(s.a, s.principal, { pageSize: 1, pageToken: token })).rejects.toMatchObject({
      code: 'invalid_page_token',
    });
  });
});
