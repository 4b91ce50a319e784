import type { JobDefinition } from '../engine/define-job.js';
import { bulkImport } from './bulk-import.js';
import { duplicateJob } from './duplicate-job.js';
import { duplicateProject } from './duplicate-project.js';
import { documentImport } from './document-import.js';
import { exportJobs } from './export.js';
import { preTranslate } from './pre-translate.js';

/** Job types every Jobline runs, on its own data; handler modules add their own beside them. */
export const BUILTIN_JOBS: JobDefinition[] = [
  exportJobs,
  duplicateProject,
  duplicateJob,
  bulkImport,
  documentImport,
  preTranslate,
] as JobDefinition[];

/**
 * Built-in types a handler module may replace with its own definition: pre-translation is a miniature
 * translation memory, and a real memory or machine translation plugs in under the same type name.
 */
export const REPLACEABLE_JOB_TYPES: readonly string[] = ['pre-translate'];

/** The built-in types and the modules' definitions, a module's replacing a replaceable built-in. */
export function withBuiltinJobs(modules: JobDefinition[]): JobDefinition[] {
  const replaced = new Set(modules.map((d) => d.type).filter((type) => REPLACEABLE_JOB_TYPES.includes(type)));
  return [...BUILTIN_JOBS.filter((d) => !replaced.has(d.type)), ...modules];
}
