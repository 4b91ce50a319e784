import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../core/auth.js';
import { toIso } from '../../core/clock.js';
import type { Services } from '../../services/context.js';
import { createClient, revokeClient } from '../../services/clients.js';
import { listClients, type OAuthClient } from '../../store/clients.js';
import { findWorkspaceById } from '../../store/tokens.js';
import type { App } from '../app.js';
import { IdParams, Name, Nullable, RepresentationQuery, Timestamp, errorResponses } from '../schemas/common.js';

const Client = Type.Object({
  id: Type.String(),
  name: Type.String(),
  client_id: Type.String({
    description: 'Public; sent with the secret to POST /oauth/access_token (client_credentials).',
  }),
  scopes: Type.Array(Type.String()),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
});

function clientRepresentation(client: OAuthClient) {
  return {
    id: client.id,
    name: client.name,
    client_id: client.clientId,
    scopes: client.scopes,
    created_at: toIso(client.createdAt)!,
    revoked_at: toIso(client.revokedAt),
  };
}

/** OAuth2 clients of the workspace, for APIs that authenticate with client credentials (Elastic Path). */
export function clientRoutes(app: App, services: Services): void {
  app.post(
    '/v1/clients',
    {
      config: { scope: 'admin', xmlRoot: 'client' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an OAuth2 client in your workspace',
        description:
          'The client_secret is in the response once and is never shown again. Its access tokens carry these scopes and live an hour.',
        body: Type.Object(
          {
            name: Name({ maxLength: 100 }),
            scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([Client, Type.Object({ client_secret: Type.String() })]), ...errorResponses },
      },
    },
    async (request, reply) => {
      const workspace = await findWorkspaceById(services.store.db, request.principal!.workspaceId);
      const created = await createClient(services, {
        workspace: workspace!.name,
        name: request.body.name,
        scopes: request.body.scopes,
      });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...clientRepresentation(created.client), client_secret: created.clientSecret });
    },
  );

  app.get(
    '/v1/clients',
    {
      config: { scope: 'admin', xmlRoot: 'clients' },
      schema: {
        tags: ['tokens'],
        summary: "List your workspace's OAuth2 clients (never their secrets)",
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(Client) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: (await listClients(services.store.db, request.principal!.workspaceId)).map(clientRepresentation),
    }),
  );

  app.delete(
    '/v1/clients/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an OAuth2 client (its access tokens run out within the hour)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeClient(services, request.principal!.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
