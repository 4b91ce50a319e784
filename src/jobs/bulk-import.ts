import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.js';
import { JOB_TYPE_PATTERN, PRIORITY_MAX, PRIORITY_MIN } from '../core/job.js';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
import type { Registry } from '../core/registry.js';
import type { CreateJobInput } from '../services/job-creation.js';
import { replaceJobErrors } from '../store/job-results.js';
import { readCsv } from './documents/csv.js';

const MAX_ROWS = 100_000;
const TYPE = new RegExp(JOB_TYPE_PATTERN);

export interface RowError {
  row: number;
  field: string | null;
  code: string;
  message: string;
}

interface Row {
  /** Where the row is in the file: the line of a JSON Lines file, the spreadsheet row of a CSV (header = 1). */
  row: number;
  fields: Record<string, unknown>;
}

/**
 * CSV: a header row, then one job per row. Columns: `type` (required), `name`, `priority`, `run_at`,
 * `max_attempts`, and either `input` holding a JSON object or `input.<field>` columns holding strings.
 */
function csvRows(text: string): Row[] {
  const table = readCsv(text);
  const [header, ...body] = table;
  if (header === undefined || header.every((h) => h.trim() === ''))
    throw new NonRetryableError(
      'The CSV file is empty; its first row must name the columns (type, name, input.<field>...).',
      'import_invalid',
    );
  const names = header.map((h) => h.trim());
  if (!names.includes('type'))
    throw new NonRetryableError(`The CSV header has no "type" column (found: ${names.join(', ')}).`, 'import_invalid');
  return body
    .map((cells, i) => ({ cells, row: i + 2 }))
    .filter(({ cells }) => cells.some((c) => c.trim() !== ''))
    .map(({ cells, row }) => {
      const fields: Record<string, unknown> = {};
      const input: Record<string, unknown> = {};
      names.forEach((name, i) => {
        const value = cells[i] ?? '';
        if (value === '') return;
        if (name.startsWith('input.')) input[name.slice('input.'.length)] = value;
        else fields[name] = value;
      });
      if (Object.keys(input).length > 0 && fields.input === undefined) fields.input = input;
      return { row, fields };
    });
}

/** JSON Lines: one JSON object per line with the fields of POST /v1/jobs; blank lines are skipped. */
function jsonlRows(text: string): { rows: Row[]; errors: RowError[] } {
  const rows: Row[] = [];
  const errors: RowError[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        errors.push({ row: i + 1, field: null, code: 'invalid_row', message: `row ${i + 1}: must be a JSON object` });
      else rows.push({ row: i + 1, fields: value as Record<string, unknown> });
    } catch (error) {
      errors.push({
        row: i + 1,
        field: null,
        code: 'invalid_json',
        message: `row ${i + 1}: not valid JSON (${(error as Error).message})`,
      });
    }
  });
  return { rows, errors };
}

/** Turns one row into a job to create, or the reasons it cannot be one. */
export function toJobInput(row: Row, registry: Registry, projectId: string | undefined): CreateJobInput | RowError[] {
  const errors: RowError[] = [];
  const f = row.fields;
  const fail = (field: string | null, message: string, code = 'invalid_field') =>
    errors.push({
      row: row.row,
      field,
      code,
      message: `row ${row.row}: ${field === null ? '' : `${field}: `}${message}`,
    });
  const known = new Set(['type', 'name', 'priority', 'run_at', 'max_attempts', 'input']);
  for (const key of Object.keys(f)) if (!known.has(key)) fail(key, 'is not a known column');
  const type = f.type;
  if (typeof type !== 'string' || !TYPE.test(type)) fail('type', `must be a job type matching ${JOB_TYPE_PATTERN}`);
  const name = f.name;
  if (name !== undefined && (typeof name !== 'string' || name.length > 200))
    fail('name', 'must be text of at most 200 characters');
  const priority = f.priority === undefined ? undefined : Number(f.priority);
  if (priority !== undefined && (!Number.isInteger(priority) || priority < PRIORITY_MIN || priority > PRIORITY_MAX))
    fail('priority', `must be a whole number from ${PRIORITY_MIN} to ${PRIORITY_MAX}`);
  const maxAttempts = f.max_attempts === undefined ? undefined : Number(f.max_attempts);
  if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100))
    fail('max_attempts', 'must be a whole number from 1 to 100');
  const runAt = f.run_at === undefined ? undefined : typeof f.run_at === 'string' ? Date.parse(f.run_at) : Number.NaN;
  if (runAt !== undefined && Number.isNaN(runAt)) fail('run_at', 'must be an ISO 8601 date-time');
  let input = f.input;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input) as unknown;
    } catch {
      fail('input', 'must be a JSON object');
    }
  }
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input)))
    fail('input', 'must be a JSON object');
  if (errors.length === 0 && typeof type === 'string') {
    for (const problem of registry.validateInput(type, input ?? {}, '')) {
      fail(problem.pointer.replace(/^#?\//, '').replaceAll('/', '.') || 'input', problem.detail);
    }
  }
  if (errors.length > 0) return errors;
  return {
    type: type as string,
    name: name as string | undefined,
    priority,
    maxAttempts,
    runAt,
    input: input as Record<string, unknown> | undefined,
    projectId,
  };
}

/**
 * Creates jobs from an uploaded CSV or JSON Lines file. Each invalid row becomes an error naming its
 * row and field (listed by GET /v1/jobs/{id}/errors) while the valid rows are created, all in one
 * transaction, so a retried attempt never creates a row twice.
 */
export const bulkImport = defineBuiltinJob({
  type: 'bulk-import',
  input: Type.Object(
    {
      file_id: Type.String({ format: 'uuid' }),
      project_id: Type.Optional(Type.String({ format: 'uuid' })),
      format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('jsonl')])),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ total: Type.Integer(), created: Type.Integer(), failed: Type.Integer() }),
  maxAttempts: 3,
  timeoutMs: 3600_000,
  async run(ctx) {
    const { jobline } = ctx;
    const file = await ctx.readFile(ctx.input.file_id).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 404)
        throw new NonRetryableError(
          `No file with id ${ctx.input.file_id} exists in this workspace; upload it with POST /v1/files.`,
          'file_not_found',
        );
      throw error;
    });
    if (ctx.input.project_id !== undefined) {
      await jobline.getProject(ctx.input.project_id).catch(() => {
        throw new NonRetryableError(
          `No project with id ${ctx.input.project_id} exists in this workspace.`,
          'project_not_found',
        );
      });
    }
    const format =
      ctx.input.format ?? (/\.jsonl?$|\.ndjson$/i.test(file.name) || /json/.test(file.contentType) ? 'jsonl' : 'csv');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes).replace(/^\uFEFF/, '');
    } catch {
      throw new NonRetryableError(`${file.name} is not valid UTF-8 text.`, 'import_invalid');
    }
    const parsed = format === 'csv' ? { rows: csvRows(text), errors: [] as RowError[] } : jsonlRows(text);
    if (parsed.rows.length + parsed.errors.length > MAX_ROWS)
      throw new NonRetryableError(`The file has more than ${MAX_ROWS} rows; split it.`, 'import_too_large');
    const errors = [...parsed.errors];
    const valid: CreateJobInput[] = [];
    for (const row of parsed.rows) {
      const result = toJobInput(row, jobline.registry, ctx.input.project_id);
      if (Array.isArray(result)) errors.push(...result);
      else valid.push(result);
    }
    errors.sort((a, b) => a.row - b.row);
    await jobline.transaction(async (trx) => {
      for (let i = 0; i < valid.length; i += 500) await jobline.createJobs(valid.slice(i, i + 500), trx);
      await replaceJobErrors(trx, ctx.jobId, errors);
    });
    if (valid.length > 0) jobline.jobsAdded();
    const failedRows = new Set(errors.map((e) => e.row)).size;
    return { total: valid.length + failedRows, created: valid.length, failed: failedRows };
  },
});
