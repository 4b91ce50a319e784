import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';
import { isJobDefinition, type JobDefinition } from './define-job.js';

const MODULE = /\.(?:[cm]?ts|[cm]?js)$/;
const DECLARATIONS = /\.d\.[cm]?ts$/;

/** The module files `--jobs` names: a file is itself; a directory is every module directly in it, by name. */
export function jobModuleFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(path);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat === undefined) throw new Error(`Job module ${path} does not exist.`);
    if (!stat.isDirectory()) {
      files.push(full);
      continue;
    }
    const inside = readdirSync(full, { withFileTypes: true })
      .filter((entry) => entry.isFile() && MODULE.test(entry.name) && !DECLARATIONS.test(entry.name))
      .map((entry) => join(full, entry.name))
      .sort();
    if (inside.length === 0) throw new Error(`Job directory ${path} holds no .ts or .js module.`);
    files.push(...inside);
  }
  return files;
}

let typescriptLoader = false;

/**
 * Loads the handler modules given with `--jobs` (files, or directories of them; TypeScript loads as it
 * is, through tsx): every export that is a `defineJob(...)` result, or an array of them. A module that
 * does not load or defines no job type, and a type defined twice, stop the start naming the file.
 */
export async function loadJobModules(paths: string[]): Promise<JobDefinition[]> {
  const files = jobModuleFiles(paths);
  // Registered once for the whole process and kept: a handler may import more TypeScript while it runs.
  // Both loaders: a .ts file outside a "type": "module" package is CommonJS to Node.
  if (files.length > 0 && !typescriptLoader) {
    registerEsm();
    registerCommonJs();
    typescriptLoader = true;
  }
  const definedIn = new Map<string, string>();
  const found: JobDefinition[] = [];
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`Job module ${file} failed to load: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    const before = found.length;
    // A CommonJS module's exports arrive as its default export.
    const commonJs =
      mod.default !== null &&
      typeof mod.default === 'object' &&
      !Array.isArray(mod.default) &&
      !isJobDefinition(mod.default)
        ? Object.values(mod.default)
        : [];
    for (const value of [...Object.values(mod), ...commonJs]) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!isJobDefinition(item) || found.includes(item)) continue;
        const other = definedIn.get(item.type);
        if (other !== undefined) throw new Error(`Job type ${item.type} is defined twice: in ${other} and in ${file}.`);
        definedIn.set(item.type, file);
        found.push(item);
      }
    }
    if (found.length === before)
      throw new Error(`Job module ${file} exports no job definitions; export the results of defineJob(...).`);
  }
  return found;
}
