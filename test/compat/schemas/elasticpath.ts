// JSON Schemas of Elastic Path PXM's jobs API, written from the seed (seeds/elasticpath-get-a-job.md)
// and the PIM OpenAPI as summarised in reference/seed-apis.md §3 (components.schemas job, multi,
// errors, error; the token response of the authentication docs). Closed where the vendor's are closed.

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };

export const PIM_JOB_STATUSES = ['pending', 'cancelled', 'cancelling', 'started', 'success', 'failed'];
export const PIM_JOB_TYPES = ['child-products', 'product-import', 'product-export', 'hierarchy-duplicate', 'pricebook-import', 'pricebook-delete', 'hierarchy-delete', 'indexing-job'];

export const job = {
  $id: 'ep-job',
  type: 'object',
  required: ['type', 'id', 'attributes', 'meta'],
  additionalProperties: false,
  properties: {
    type: { const: 'pim-job' },
    id: { type: 'string', format: 'uuid' },
    attributes: {
      type: 'object',
      required: ['started_at', 'completed_at', 'created_at', 'updated_at', 'type', 'status'],
      additionalProperties: false,
      properties: {
        started_at: nullableDateTime,
        completed_at: nullableDateTime,
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
        type: { enum: PIM_JOB_TYPES },
        status: { enum: PIM_JOB_STATUSES },
      },
    },
    meta: {
      type: 'object',
      required: ['x_request_id'],
      additionalProperties: false,
      properties: {
        x_request_id: { type: 'string' },
        copied_from: { type: 'string' },
        hierarchy_id: { type: 'string' },
        file_locations: { type: ['array', 'null'], items: { type: 'string', format: 'uri' } },
        filter: { type: ['string', 'null'] },
      },
    },
  },
};

const links = {
  type: 'object',
  additionalProperties: false,
  properties: {
    current: { type: 'string', format: 'uri' },
    first: { type: 'string', format: 'uri' },
    last: { type: 'string', format: 'uri' },
    next: { type: 'string', format: 'uri' },
    prev: { type: 'string', format: 'uri' },
  },
};

const resultsMeta = {
  type: 'object',
  required: ['results'],
  properties: {
    results: { type: 'object', required: ['total'], properties: { total: { type: 'integer', minimum: 0 } } },
    page: { type: 'object', properties: { limit: { type: 'integer' }, offset: { type: 'integer' }, current: { type: 'integer' }, total: { type: 'integer' } } },
  },
};

export const single = { $id: 'ep-single', type: 'object', required: ['data'], additionalProperties: false, properties: { data: { $ref: 'ep-job' } } };

export const multi = {
  $id: 'ep-multi',
  type: 'object',
  required: ['data', 'meta'],
  additionalProperties: false,
  properties: { data: { type: 'array', items: { $ref: 'ep-job' } }, meta: resultsMeta, links },
};

export const errors = {
  $id: 'ep-job-errors',
  type: 'object',
  required: ['data', 'meta'],
  additionalProperties: false,
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'id', 'attributes'],
        additionalProperties: false,
        properties: {
          type: { const: 'pim-job-error' },
          id: { type: 'string', format: 'uuid' },
          attributes: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string' } } },
        },
      },
    },
    meta: resultsMeta,
    links,
  },
};

export const error = {
  $id: 'ep-error',
  type: 'object',
  required: ['errors'],
  additionalProperties: false,
  properties: {
    errors: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['status', 'title'],
        additionalProperties: false,
        properties: { status: { type: 'string', pattern: '^[1-5][0-9][0-9]$' }, title: { type: 'string' }, detail: { type: 'string' }, request_id: { type: 'string' }, meta: { type: 'object' } },
      },
    },
  },
};

export const accessToken = {
  $id: 'ep-access-token',
  type: 'object',
  required: ['access_token', 'token_type', 'expires', 'expires_in', 'identifier'],
  additionalProperties: false,
  properties: {
    access_token: { type: 'string', minLength: 1 },
    token_type: { const: 'Bearer' },
    expires: { type: 'integer' },
    expires_in: { type: 'integer', minimum: 1 },
    identifier: { enum: ['client_credentials', 'implicit'] },
  },
};
