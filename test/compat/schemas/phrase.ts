import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

// The seed's own OpenAPI schema (phrase-tms-get-job.md: JobPartExtendedDtoV1 and the schemas it
// refers to), stored as JSON in phrase-tms-latest.json. OpenAPI 3.0 schemas are draft-07 style with
// OpenAPI keywords: `format: int32` (ajv-formats), `readOnly` (an annotation) and a `discriminator`
// without `oneOf`, which in OpenAPI only names the property subtypes are told apart by and constrains
// nothing; ajv is not strict, so it passes over it as the annotation it is.
const document = JSON.parse(readFileSync(new URL('./phrase-tms-latest.json', import.meta.url), 'utf8')) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };

const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document);

export const seedSchemas = document.components.schemas;

/** Validates `value` against the seed's component schema `name` (e.g. JobPartExtendedDtoV1). */
export function expectSeedValid(name: string, value: unknown): void {
  const validate = ajv.getSchema(`phrase-tms-latest.json#/components/schemas/${name}`);
  if (validate === undefined) throw new Error(`no schema ${name}`);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, JSON.stringify(value)).toEqual([]);
}

/** Members of `value` the seed's schema does not declare (OpenAPI 3.0 objects allow extras; Phrase sends none). */
export function undeclaredMembers(name: string, value: Record<string, unknown>): string[] {
  const declared = Object.keys(seedSchemas[name]?.properties ?? {});
  return Object.keys(value).filter((k) => !declared.includes(k));
}

// Schemas written from the reference (seed-apis.md §1.3, §1.5–1.7) for the bodies the seed does not define.
const errorDetail = { type: 'object', required: ['code', 'args', 'message'], properties: { code: { type: 'string' }, args: { type: 'object' }, message: { type: 'string' } } };
export const phraseError = {
  $id: 'phrase-error',
  type: 'object',
  required: ['errorCode', 'errorDescription', 'errorDetails'],
  additionalProperties: false,
  properties: { errorCode: { type: 'string' }, errorDescription: { type: 'string' }, errorDetails: { type: 'array', items: errorDetail } },
};

export const jobPartReference = {
  $id: 'phrase-job-part-reference',
  type: 'object',
  required: ['uid', 'status', 'providers', 'workflowLevel', 'workflowStep', 'filename', 'dateCreated', 'imported', 'continuous'],
  additionalProperties: false,
  properties: {
    uid: { type: 'string' },
    innerId: { type: 'string' },
    status: { enum: ['NEW', 'ACCEPTED', 'DECLINED', 'REJECTED', 'DELIVERED', 'EMAILED', 'COMPLETED', 'CANCELLED'] },
    providers: { type: 'array', items: { type: 'object', required: ['type', 'id', 'uid'], properties: { type: { type: 'string' }, id: { type: 'string' }, uid: { type: 'string' } } } },
    targetLang: { type: 'string' },
    workflowLevel: { type: 'integer' },
    workflowStep: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string' }, uid: { type: 'string' }, order: { type: 'integer' }, lqaEnabled: { type: 'boolean' } } },
    filename: { type: 'string' },
    dateDue: { type: 'string', format: 'date-time' },
    dateCreated: { type: 'string', format: 'date-time' },
    updateSourceDate: { type: 'string', format: 'date-time' },
    imported: { type: 'boolean' },
    continuous: { type: 'boolean' },
    sourceFileUid: { type: 'string' },
  },
};

export const jobPage = {
  $id: 'phrase-job-page',
  type: 'object',
  required: ['totalElements', 'totalPages', 'pageSize', 'pageNumber', 'numberOfElements', 'content'],
  additionalProperties: false,
  properties: {
    totalElements: { type: 'integer' },
    totalPages: { type: 'integer' },
    pageSize: { type: 'integer' },
    pageNumber: { type: 'integer' },
    numberOfElements: { type: 'integer' },
    content: { type: 'array', items: { $ref: 'phrase-job-part-reference' } },
  },
};

export const jobList = {
  $id: 'phrase-job-list',
  type: 'object',
  required: ['jobs', 'unsupportedFiles', 'asyncRequest'],
  additionalProperties: false,
  properties: {
    jobs: { type: 'array', items: { $ref: 'phrase-job-part-reference' } },
    unsupportedFiles: { type: 'array', items: { type: 'string' } },
    asyncRequest: { type: 'object', required: ['id', 'dateCreated', 'action'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[0-9]+$' }, dateCreated: { type: 'string', format: 'date-time' }, action: { type: 'string' } } },
  },
};

export const asyncRequest = {
  $id: 'phrase-async-request',
  type: 'object',
  required: ['id', 'dateCreated', 'action', 'asyncResponse'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[0-9]+$' },
    dateCreated: { type: 'string', format: 'date-time' },
    action: { type: 'string' },
    asyncResponse: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['dateCreated', 'errorDetails', 'warnings'],
          properties: { dateCreated: { type: 'string', format: 'date-time' }, errorCode: { type: 'string' }, errorDesc: { type: 'string' }, errorDetails: { type: 'array' }, warnings: { type: 'array' } },
        },
      ],
    },
    project: { type: 'object', required: ['uid', 'name'], properties: { uid: { type: 'string' }, name: { type: 'string' } } },
  },
};

export const preTranslateResponse = {
  $id: 'phrase-pre-translate',
  type: 'object',
  required: ['asyncRequest'],
  additionalProperties: false,
  properties: { asyncRequest: { $ref: 'phrase-async-request' } },
};
