import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { Registry } from '../../src/core/registry.js';
import { BUILTIN_JOBS, withBuiltinJobs } from '../../src/jobs/builtin.js';
import { preTranslate } from '../../src/jobs/pre-translate.js';

// The pre-translation itself is exercised through the Phrase API (test/compat/phrase.test.ts).
describe('the pre-translate job type', () => {
  it('is built in', () => {
    expect(BUILTIN_JOBS).toContain(preTranslate);
    expect(new Registry(withBuiltinJobs([])).get('pre-translate')).toBe(preTranslate);
  });

  it("is replaced by a handler module's own pre-translate (a real translation memory or machine translation)", () => {
    const mine = defineJob({ type: 'pre-translate', run: () => ({ segments: 0, pre_translated: 0, jobs: [] }) });
    const registry = new Registry(withBuiltinJobs([mine]));
    expect(registry.get('pre-translate')).toBe(mine);
    expect(registry.types()).toEqual(expect.arrayContaining(['export', 'document-import', 'pre-translate']));
  });

  it('leaves the other built-in types as they are: defining one again is an error', () => {
    const clash = defineJob({ type: 'export', run: () => null });
    expect(() => new Registry(withBuiltinJobs([clash]))).toThrow(/defined twice/);
  });
});
