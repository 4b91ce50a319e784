import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/context.js';
import * as providerService from '../../services/providers.js';
import type { App } from '../app.js';
import { providerRepresentation } from '../../core/people-json.js';
import { tokenRepresentation } from '../representations/token.js';
import { IdParams, Name, Nullable, RepresentationQuery, errorResponses } from '../schemas/common.js';
import { Email, ProviderName, ProviderSchema, ProviderType } from '../schemas/people.js';

const ProviderList = Type.Object({ data: Type.Array(ProviderSchema), next_page_token: Type.Optional(Type.String()) });

export function providerRoutes(app: App, services: Services): void {
  app.post(
    '/v1/providers',
    {
      config: { scope: 'jobs:write', xmlRoot: 'provider' },
      schema: {
        tags: ['providers'],
        summary: 'Create a provider (a user or a vendor people jobs are offered to)',
        body: Type.Object(
          { type: ProviderType, name: ProviderName, email: Type.Optional(Nullable(Email)) },
          { additionalProperties: false },
        ),
        response: { 201: ProviderSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const provider = await providerService.createProvider(services, request.principal!, request.body);
      reply.header('location', `/v1/providers/${provider.id}`);
      return reply.code(201).send(providerRepresentation(provider));
    },
  );

  app.get(
    '/v1/providers',
    {
      config: { scope: 'jobs:read', xmlRoot: 'providers' },
      schema: {
        tags: ['providers'],
        summary: 'List providers',
        querystring: Type.Object(
          {
            page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
            page_token: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            ...RepresentationQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: ProviderList, ...errorResponses },
      },
    },
    async (request) => {
      const result = await providerService.listProviders(services, request.principal!, {
        pageSize: request.query.page_size ?? 50,
        pageToken: request.query.page_token,
      });
      return {
        data: result.providers.map(providerRepresentation),
        ...(result.nextPageToken !== undefined ? { next_page_token: result.nextPageToken } : {}),
      };
    },
  );

  app.get(
    '/v1/providers/:id',
    {
      config: { scope: 'jobs:read', xmlRoot: 'provider', provider: true },
      schema: {
        tags: ['providers'],
        summary: 'Get a provider (a provider token sees only itself)',
        params: IdParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: ProviderSchema, ...errorResponses },
      },
    },
    async (request) =>
      providerRepresentation(await providerService.getProvider(services, request.principal!, request.params.id)),
  );

  app.patch(
    '/v1/providers/:id',
    {
      config: { scope: 'jobs:write', xmlRoot: 'provider' },
      schema: {
        tags: ['providers'],
        summary: 'Update a provider',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(ProviderName), email: Type.Optional(Nullable(Email)) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ProviderSchema, ...errorResponses },
      },
    },
    async (request) =>
      providerRepresentation(
        await providerService.updateProvider(services, request.principal!, request.params.id, request.body),
      ),
  );

  app.post(
    '/v1/providers/:id/tokens',
    {
      config: { scope: 'admin', xmlRoot: 'token' },
      schema: {
        tags: ['providers'],
        summary: 'Create a token for the provider itself',
        description:
          'The token sees only the jobs assigned to the provider (others answer 404) and may only accept, decline and deliver them. The secret is in the response once.',
        params: IdParams,
        body: Type.Object({ name: Name({ maxLength: 100 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object(
            {
              id: Type.String(),
              name: Type.String(),
              prefix: Type.String(),
              provider_id: Type.String(),
              scopes: Type.Array(Type.String()),
              created_at: Type.String(),
              secret: Type.String(),
            },
            { additionalProperties: true },
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const created = await providerService.createProviderToken(
        services,
        request.principal!,
        request.params.id,
        request.body.name,
      );
      reply.header('cache-control', 'no-store');
      return reply
        .code(201)
        .send({ ...tokenRepresentation(created.token), provider_id: request.params.id, secret: created.secret });
    },
  );
}
