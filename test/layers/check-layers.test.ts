import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/check-layers.mjs, run by `npm run lint`, on the real src/ and on small made-up trees.

function check(root?: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/check-layers.mjs', ...(root === undefined ? [] : [root])], {
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

describe('the layer check', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'jobline-layers-'));
    roots.push(root);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    return root;
  }

  it('finds no backward import and no cycle in src/', () => {
    expect(check()).toEqual({ status: 0, stderr: '' });
  });

  it('accepts imports towards core and between folders of one rank', () => {
    const root = tree({
      'core/ids.ts': 'export const id = 1;\n',
      'services/jobs.ts': "import { id } from '../core/ids.js';\nexport const job = id;\n",
      'engine/worker.ts': "import { job } from '../services/jobs.js';\nexport const w = job;\n",
      'jobs/export.ts': "import { w } from '../engine/worker.js';\nexport const e = w;\n",
    });
    expect(check(root).status).toBe(0);
  });

  it('refuses an import of a higher layer, naming the file', () => {
    const root = tree({
      'events/dispatcher.ts': "import { tk } from '../compat/textking.js';\nexport const d = tk;\n",
      'compat/textking.ts': 'export const tk = 1;\n',
    });
    const { status, stderr } = check(root);
    expect(status).toBe(1);
    expect(stderr).toContain('events/dispatcher.ts imports compat/textking.ts: compat/ is above events/');
  });

  it('refuses a cycle between folders of one rank, type-only imports included', () => {
    const root = tree({
      'engine/a.ts': "import type { B } from '../jobs/b.js';\nexport type A = B;\n",
      'jobs/b.ts': "import type { A } from '../engine/a.js';\nexport type B = A | 1;\n",
    });
    const { status, stderr } = check(root);
    expect(status).toBe(1);
    expect(stderr).toContain('folder cycle engine → jobs → engine');
  });

  it('refuses a runtime cycle between modules of one folder, not a type-only one', () => {
    const cycle = tree({
      'services/jobs.ts': "import { p } from './people.js';\nexport const j = () => p;\n",
      'services/people.ts': "import { j } from './jobs.js';\nexport const p = () => j;\n",
    });
    const result = check(cycle);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('module cycle services/jobs.ts → services/people.ts → services/jobs.ts');
    const typesOnly = tree({
      'services/jobs.ts': "import type { P } from './people.js';\nexport type J = P;\n",
      'services/people.ts': "import type { J } from './jobs.js';\nexport type P = J | 1;\n",
    });
    expect(check(typesOnly).status).toBe(0);
  });

  it('refuses a source file of more than 300 lines', () => {
    const line = 'export const x = 1;\n';
    expect(check(tree({ 'core/ok.ts': line.repeat(300) })).status).toBe(0);
    const { status, stderr } = check(tree({ 'core/long.ts': line.repeat(301) }));
    expect(status).toBe(1);
    expect(stderr).toContain('core/long.ts has 301 lines, more than 300');
  });

  it('refuses a folder that has no place in the order', () => {
    const { status, stderr } = check(tree({ 'plugins/x.ts': 'export const x = 1;\n' }));
    expect(status).toBe(1);
    expect(stderr).toContain('src/plugins/ has no place');
  });
});
