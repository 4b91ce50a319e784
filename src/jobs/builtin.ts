import type { JobDefinition } from '../engine/define-job.js';
import { bulkImport } from './bulk-import.js';
import { duplicateProject } from './duplicate-project.js';
import { documentImport } from './document-import.js';
import { exportJobs } from './export.js';
import { preTranslate } from './pre-translate.js';

/** Job types every Jobline runs, on its own data; handler modules add their own beside them. */
export const BUILTIN_JOBS: JobDefinition[] = [exportJobs, duplicateProject, bulkImport, documentImport, preTranslate] as JobDefinition[];
