import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { AppError } from '../../src/core/errors.js';
import { createServices } from '../../src/create-services.js';
import type { Services } from '../../src/services/context.js';
import { createJobs } from '../../src/services/job-creation.js';
import { deleteJobType, getJobType, putJobType } from '../../src/services/job-types.js';
import { getFlow } from '../../src/services/job-flow.js';
import { storeJobTypesFile } from '../../src/services/job-types-file.js';
import { createToken } from '../../src/services/tokens.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

// Two sets of services over one database stand for two server processes: a schema stored or changed
// through one is the one the other validates with at its next create, though it compiled the old one.

describe.each(DIALECTS)('stored job types across processes on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function twoProcesses(): Promise<{ a: Services; b: Services; principal: Principal }> {
    const db = freshDatabase(dialect);
    cleanups.push(db.cleanup);
    // Sequential calls only: on SQLite two connections of one thread must not hold the write lock at once.
    const a = await createServices(db.options);
    cleanups.push(() => a.store.close());
    const b = await createServices(db.options);
    cleanups.push(() => b.store.close());
    const { token } = await createToken(a, { workspace: 'acme', name: 't', scopes: ['admin'] });
    return { a, b, principal: { tokenId: token.id, workspaceId: token.workspaceId, scopes: token.scopes } };
  }
  const problems = async (s: Services, principal: Principal, input: Record<string, unknown>) => {
    try {
      await createJobs(s, principal, [{ type: 'render', input }]);
      return [];
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') return error.errors;
      throw error;
    }
  };

  it_('uses on one process the schema stored or changed on another', async () => {
    const { a, b, principal } = await twoProcesses();
    const ws = principal.workspaceId;
    expect(await problems(b, principal, { anything: 1 })).toEqual([]);

    await putJobType(a, ws, 'render', { type: 'object', required: ['page'] });
    expect(await problems(b, principal, {})).toEqual([
      { pointer: '#/input/page', detail: "must have required property 'page'" },
    ]);
    expect(await problems(b, principal, { page: 1 })).toEqual([]);

    // Changed on a: b compiled version 1, and must use version 2 at once.
    await putJobType(a, ws, 'render', {
      type: 'object',
      properties: { page: { type: 'string' } },
      required: ['page'],
    });
    expect(await problems(b, principal, { page: 1 })).toEqual([{ pointer: '#/input/page', detail: 'must be string' }]);
    expect((await getJobType(b, ws, 'render')).version).toBe(2);

    // Deleted and created again (version 1 again): a process holding the old version 1 compiled must
    // not use it for the new one.
    await deleteJobType(a, ws, 'render');
    expect(await problems(b, principal, { page: 1 })).toEqual([]);
    await putJobType(a, ws, 'render', { type: 'object', required: ['page'] });
    expect(await problems(a, principal, {})).toHaveLength(1);
    await deleteJobType(b, ws, 'render');
    await putJobType(b, ws, 'render', { type: 'object', required: ['size'] });
    expect((await getJobType(a, ws, 'render')).version).toBe(1);
    expect(await problems(a, principal, { page: 1 })).toEqual([
      { pointer: '#/input/size', detail: "must have required property 'size'" },
    ]);
  });

  it_('stores the types of a file at start, and refuses a bad file without storing any', async () => {
    const { a, principal } = await twoProcesses();
    const dir = mkdtempSync(join(tmpdir(), 'jobline-types-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'types.json');
    const write = (data: unknown) => writeFileSync(file, JSON.stringify(data));

    write({
      job_types: [
        { type: 'render', workspace: 'acme', input_schema: { type: 'object', required: ['page'] } },
        { type: 'render', input_schema: { type: 'object' } },
      ],
    });
    expect(await storeJobTypesFile(a, file)).toEqual({ stored: 2 });
    expect(await problems(a, principal, {})).toEqual([
      { pointer: '#/input/page', detail: "must have required property 'page'" },
    ]);
    // Stored again at the next start with the same schema: unchanged.
    await storeJobTypesFile(a, file);
    expect((await getJobType(a, principal.workspaceId, 'render')).version).toBe(1);

    write({
      job_types: [
        { type: 'render', workspace: 'acme', input_schema: { type: 'object' } },
        { type: 'print', workspace: 'acme', input_schema: { type: 'object', requried: ['x'] } },
      ],
    });
    await expect(storeJobTypesFile(a, file)).rejects.toThrow(
      /types\.json is not valid at #\/job_types\/1: .*#\/job_types\/1\/input_schema: .*unknown keyword: "requried"/,
    );
    expect((await getJobType(a, principal.workspaceId, 'render')).version).toBe(1);

    // A type's flow control travels with it; a bad one stores nothing.
    write({
      job_types: [
        { type: 'render', workspace: 'acme', input_schema: { type: 'object' }, flow: { concurrency: 3 } },
        { type: 'print', workspace: 'acme', input_schema: { type: 'object' }, flow: { concurrency: 0 } },
      ],
    });
    await expect(storeJobTypesFile(a, file)).rejects.toThrow(
      /#\/job_types\/1\/flow\/concurrency: must be a whole number/,
    );
    expect((await getFlow(a, principal.workspaceId, 'render')).source).toBeNull();
    write({
      job_types: [{ type: 'render', workspace: 'acme', input_schema: { type: 'object' }, flow: { concurrency: 3 } }],
    });
    await storeJobTypesFile(a, file);
    await storeJobTypesFile(a, file);
    expect(await getFlow(a, principal.workspaceId, 'render')).toMatchObject({
      source: 'api',
      concurrency: 3,
      version: 1,
    });

    write({ job_types: [{ type: 'Render', input_schema: {} }] });
    await expect(storeJobTypesFile(a, file)).rejects.toThrow(/types\.json is not valid at #\/job_types\/0\/type/);
    writeFileSync(file, '{"job_types": [');
    await expect(storeJobTypesFile(a, file)).rejects.toThrow(/Cannot read the job types file .*types\.json/);
    await expect(storeJobTypesFile(a, join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
  });
});
