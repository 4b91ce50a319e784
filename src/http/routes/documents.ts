import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/context.js';
import * as documents from '../../services/documents.js';
import type { App } from '../app.js';
import { jobRepresentation } from '../../core/job-json.js';
import { rateRepresentation } from '../../core/people-json.js';
import { projectRepresentation } from '../representations/project.js';
import { IdParams, Uuid, errorResponses } from '../schemas/common.js';
import { Language, ProviderRefs, RateSchema } from '../schemas/people.js';

// A project's work from a document, its states (prepared → running → finished, or cancelled) and its rates.

const Step = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', examples: ['translation'] });

export function documentRoutes(app: App, services: Services): void {
  app.post(
    '/v1/projects/:id/documents',
    {
      config: { scope: 'jobs:write', xmlRoot: 'work' },
      schema: {
        tags: ['people'],
        summary: 'Create the work for a document: an import and one people job per target language × workflow step',
        description:
          'Upload the document with POST /v1/files first. A `document-import` job parses it; the people jobs (type = the step name, sharing a `reference_id` per language, `workflow_level` per step) stay pending with reason `input_not_ready` until it succeeded, then get `words` and, when the project has a rate for their language pair, `net_price` and `currency`. A step becomes available (reason `new`, or `offered` in a running project) when the steps before it succeeded; until then its reason is `waiting`.',
        params: IdParams,
        body: Type.Object(
          {
            file_id: Uuid,
            source_language: Type.Optional(Language),
            target_languages: Type.Array(Language, { minItems: 1, maxItems: 100, uniqueItems: true }),
            steps: Type.Optional(
              Type.Array(Step, {
                minItems: 1,
                maxItems: 15,
                uniqueItems: true,
                description: "Defaults to the project's workflow_steps.",
              }),
            ),
            due_at: Type.Optional(Type.String({ format: 'date-time' })),
            continuous: Type.Optional(Type.Boolean()),
            input: Type.Optional(
              Type.Record(Type.String(), Type.Unknown(), {
                description: 'Fields every job gets in its input (quality, topic, briefing…).',
              }),
            ),
            assignments: Type.Optional(
              Type.Array(
                Type.Object(
                  {
                    target_language: Language,
                    workflow_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 15 })),
                    providers: ProviderRefs,
                  },
                  { additionalProperties: false },
                ),
                { maxItems: 1500 },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ import_job: Type.Ref('Job'), jobs: Type.Array(Type.Ref('Job')) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await documents.createDocumentWork(services, request.principal!, request.params.id, {
        fileId: b.file_id,
        sourceLanguage: b.source_language,
        targetLanguages: b.target_languages,
        steps: b.steps,
        dueAt: b.due_at === undefined ? undefined : Date.parse(b.due_at),
        continuous: b.continuous,
        input: b.input,
        assignments: b.assignments?.map((a) => ({
          targetLanguage: a.target_language,
          workflowLevel: a.workflow_level,
          providers: a.providers,
        })),
      });
      return reply
        .code(201)
        .send({ import_job: jobRepresentation(result.importJob), jobs: result.jobs.map(jobRepresentation) });
    },
  );

  for (const [action, summary] of [
    ['start', 'Start a prepared project: its available people jobs with providers are offered to them'],
    ['cancel', 'Cancel a project and its unfinished people jobs'],
  ] as const) {
    app.post(
      `/v1/projects/:id/${action}`,
      {
        config: { scope: 'jobs:write', xmlRoot: 'project' },
        schema: {
          tags: ['projects'],
          summary,
          params: IdParams,
          response: { 200: Type.Ref('Project'), ...errorResponses },
        },
      },
      async (request) => {
        const run = action === 'start' ? documents.startProject : documents.cancelProject;
        return projectRepresentation(await run(services, request.principal!, request.params.id));
      },
    );
  }

  const RateList = Type.Object({ data: Type.Array(RateSchema) });
  app.get(
    '/v1/projects/:id/rates',
    {
      config: { scope: 'jobs:read', xmlRoot: 'rates' },
      schema: {
        tags: ['projects'],
        summary: "A project's prices per word and language pair",
        params: IdParams,
        response: { 200: RateList, ...errorResponses },
      },
    },
    async (request) => ({
      data: (await documents.projectRates(services, request.principal!, request.params.id)).map(rateRepresentation),
    }),
  );
  app.put(
    '/v1/projects/:id/rates',
    {
      config: { scope: 'jobs:write', xmlRoot: 'rates' },
      schema: {
        tags: ['projects'],
        summary: "Replace a project's prices per word and language pair",
        description:
          'People jobs whose source is imported afterwards get `net_price` = words × price_per_word (rounded to cents) and `currency` in their input.',
        params: IdParams,
        body: Type.Object({ rates: Type.Array(RateSchema, { maxItems: 1000 }) }, { additionalProperties: false }),
        response: { 200: RateList, ...errorResponses },
      },
    },
    async (request) => {
      const rates = request.body.rates.map((r) => ({
        sourceLanguage: r.source_language,
        targetLanguage: r.target_language,
        pricePerWord: r.price_per_word,
        currency: r.currency,
      }));
      return {
        data: (await documents.replaceProjectRates(services, request.principal!, request.params.id, rates)).map(
          rateRepresentation,
        ),
      };
    },
  );
}
