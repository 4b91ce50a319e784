import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../core/auth.js';
import type { Services } from '../../services/context.js';
import { createToken, revokeToken } from '../../services/tokens.js';
import { listTokens, findWorkspaceById } from '../../store/tokens.js';
import type { App } from '../app.js';
import { tokenRepresentation } from '../representations/token.js';
import { JobTypes } from '../schemas/job.js';
import { IdParams, Name, Nullable, RepresentationQuery, Timestamp, errorResponses } from '../schemas/common.js';

const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The public start of the token, to recognise it.' }),
  scopes: Type.Array(Type.String()),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
  job_types: Type.Optional(
    Type.Array(Type.String(), { description: 'A worker token restricted to these job types (absent: any type).' }),
  ),
});

const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));

export function tokenRoutes(app: App, services: Services): void {
  app.post(
    '/v1/tokens',
    {
      config: { scope: 'admin', xmlRoot: 'token' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token in your workspace',
        description: 'The secret is in the response once and is never shown again.',
        body: Type.Object(
          {
            name: Name({ maxLength: 100 }),
            scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
            job_types: Type.Optional(
              JobTypes({ description: 'With the jobs:work scope: the only job types this worker token may claim.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([Token, Type.Object({ secret: Type.String() })]), ...errorResponses },
      },
    },
    async (request, reply) => {
      const workspace = await findWorkspaceById(services.store.db, request.principal!.workspaceId);
      const created = await createToken(services, {
        workspace: workspace!.name,
        name: request.body.name,
        scopes: request.body.scopes,
        jobTypes: request.body.job_types ?? null,
      });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...tokenRepresentation(created.token), secret: created.secret });
    },
  );

  app.get(
    '/v1/tokens',
    {
      config: { scope: 'admin', xmlRoot: 'tokens' },
      schema: {
        tags: ['tokens'],
        summary: "List your workspace's tokens (never their secrets)",
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(Token) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: (await listTokens(services.store.db, request.principal!.workspaceId)).map(tokenRepresentation),
    }),
  );

  app.delete(
    '/v1/tokens/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeToken(services, request.params.id, request.principal!.workspaceId);
      return reply.code(204).send(null);
    },
  );
}
