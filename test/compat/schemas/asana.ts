// JSON Schemas of Asana's job, written from the seed (seeds/asana-get-job.md) and Asana's OpenAPI as
// summarised in reference/seed-apis.md §4 (JobCompact and the compact objects it links to, ErrorResponse).

export const ASANA_JOB_STATUSES = ['not_started', 'in_progress', 'succeeded', 'failed'];

const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const compact = (resourceType: string, extra: Record<string, object> = {}) => ({
  type: 'object',
  required: ['gid'],
  additionalProperties: false,
  properties: { gid: { type: 'string' }, resource_type: { const: resourceType }, ...extra },
});
const exportObject = (resourceType: string) =>
  compact(resourceType, {
    created_at: { type: 'string', format: 'date-time' },
    download_url: { type: ['string', 'null'], format: 'uri' },
    completed_at: { type: 'string', format: 'date-time' },
  });

export const job = {
  $id: 'asana-job',
  type: 'object',
  required: ['gid'],
  additionalProperties: false,
  properties: {
    gid: { type: 'string' },
    resource_type: { const: 'job' },
    resource_subtype: { type: 'string' },
    status: { enum: ASANA_JOB_STATUSES },
    new_project: compact('project', { name: { type: 'string' } }),
    new_task: nullable(compact('task', { name: { type: 'string' }, resource_subtype: { type: 'string' }, created_by: { type: 'object' } })),
    new_project_template: compact('project_template', { name: { type: 'string' } }),
    new_graph_export: exportObject('graph_export'),
    new_resource_export: exportObject('export_request'),
  },
};

/** The full response of GET /jobs/{job_gid} without opt_fields: the seed example's members the job has. */
export const jobResponse = {
  $id: 'asana-job-response',
  type: 'object',
  required: ['data'],
  additionalProperties: false,
  properties: {
    data: {
      allOf: [
        { $ref: 'asana-job' },
        { type: 'object', required: ['gid', 'resource_type', 'resource_subtype', 'status', 'new_task'] },
      ],
    },
  },
};

/** Any `{data: job}`, e.g. with opt_fields. */
export const jobData = { $id: 'asana-job-data', type: 'object', required: ['data'], additionalProperties: false, properties: { data: { $ref: 'asana-job' } } };

export const error = {
  $id: 'asana-error',
  type: 'object',
  required: ['errors'],
  additionalProperties: false,
  properties: {
    errors: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['message'],
        additionalProperties: false,
        properties: { message: { type: 'string', minLength: 1 }, help: { type: 'string' }, phrase: { type: 'string' } },
      },
    },
  },
};
