import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { documentProjections, documentXml } from './openapi-document.js';

/** OpenAPI 3.1 generated from the route schemas, at /openapi.json, and a rendered reference at /docs. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Jobline API',
        version: '1',
        description:
          'Jobs for machine and people work. Errors are RFC 9457 problem details with a stable `code`; lists page with `page_size` and an opaque `page_token`; every read sends an ETag.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token: jl_<prefix>_<secret>.' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'jobs', description: 'Create, read, list and cancel jobs.' },
        { name: 'projects', description: 'Group jobs and number them.' },
        { name: 'tokens', description: 'API tokens of your workspace (admin).' },
        { name: 'files', description: 'Files jobs read and write, and signed download links.' },
        {
          name: 'events',
          description: 'Every change of a job, as history, a workspace feed, or live Server-Sent Events.',
        },
        {
          name: 'people',
          description: 'Work done by people: offer, accept, deliver, review; documents and workflow steps.',
        },
        {
          name: 'providers',
          description: 'The users and vendors people work is assigned to, with tokens of their own.',
        },
        {
          name: 'worker',
          description:
            'Workers in any language: claim jobs, keep their leases, report progress and outcomes (jobs:work).',
        },
        { name: 'schedules', description: 'Recurring jobs: a cron expression in a time zone, or an interval.' },
        {
          name: 'job-types',
          description: 'Input schemas of job types declared without code, so jobs run by remote workers are validated.',
        },
        { name: 'webhooks', description: 'Signed deliveries of job events to your endpoints (Standard Webhooks).' },
        { name: 'operations', description: 'Health and readiness.' },
      ],
    },
    transformObject: (document) =>
      documentXml(documentProjections('openapiObject' in document ? document.openapiObject : document.swaggerObject)),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The reference is HTML, scripts and styles, not a JSON/XML representation: a browser's
  // `Accept: text/html` must get the page rather than a 406.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, negotiate: false };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  });
}
