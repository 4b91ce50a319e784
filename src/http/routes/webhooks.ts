import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/context.js';
import * as webhookService from '../../services/webhooks.js';
import type { App } from '../app.js';
import { pagedList } from '../paging.js';
import { deliveryRepresentation, webhookRepresentation } from '../representations/webhook.js';
import { CursorQuery, IdParams, RepresentationQuery, Uuid, errorResponses } from '../schemas/common.js';
import {
  CreateWebhookBody,
  Delivery,
  DeliveryList,
  DeliveryStatus,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookWithSecret,
} from '../schemas/webhook.js';

// Webhook endpoints are managed with the admin scope: an endpoint receives every matching event of
// the workspace, and its secret is what receivers trust.

const DeliveryParams = Type.Object({ id: Uuid, delivery_id: Uuid });

export function webhookRoutes(app: App, services: Services): void {
  const show = (w: Parameters<typeof webhookRepresentation>[0]) => webhookRepresentation(w, services.clock.now());

  app.post(
    '/v1/webhooks',
    {
      config: { scope: 'admin', xmlRoot: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook endpoint, or create the callback endpoint',
        description:
          'The signing secret is in the response once. `kind: "callback"` creates the endpoint whose secret signs deliveries to jobs\' `callback_url` (Jobline creates it by itself for the first such job; then rotate its secret to be shown one).',
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const { webhook, secret } = await webhookService.createWebhook(services, request.principal!, {
        kind: b.kind,
        url: b.url,
        events: b.events,
        projectId: b.project_id,
      });
      reply.header('location', `/v1/webhooks/${webhook.id}`).header('cache-control', 'no-store');
      return reply.code(201).send({ ...show(webhook), secret });
    },
  );

  app.get(
    '/v1/webhooks',
    {
      config: { scope: 'admin', xmlRoot: 'webhooks' },
      schema: {
        tags: ['webhooks'],
        summary: "List the workspace's webhook endpoints",
        querystring: Type.Object({ ...CursorQuery, ...RepresentationQuery }, { additionalProperties: false }),
        response: { 200: WebhookList, ...errorResponses },
      },
    },
    async (request) =>
      pagedList(
        request.query,
        async (page) => {
          const r = await webhookService.listWebhooksByPage(services, request.principal!, page);
          return { items: r.webhooks, total: r.total };
        },
        async (page) => {
          const r = await webhookService.listWebhooks(services, request.principal!, page);
          return { items: r.webhooks, nextPageToken: r.nextPageToken };
        },
        show,
      ),
  );

  app.get(
    '/v1/webhooks/:id',
    {
      config: { scope: 'admin', xmlRoot: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Get a webhook endpoint',
        params: IdParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (request) => show(await webhookService.getWebhook(services, request.principal!, request.params.id)),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      config: { scope: 'admin', xmlRoot: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change an endpoint: URL, events, project; `disabled: false` re-enables it',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const webhook = await webhookService.updateWebhook(services, request.principal!, request.params.id, {
        url: b.url,
        events: b.events,
        projectId: b.project_id,
        disabled: b.disabled,
      });
      return show(webhook);
    },
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Delete an endpoint and its delivery log',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await webhookService.deleteWebhook(services, request.principal!, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      config: { scope: 'admin', xmlRoot: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret',
        description:
          'The new secret is in the response once. For 24 hours deliveries carry two signatures, one per secret, so receivers can switch without a gap.',
        params: IdParams,
        response: { 200: WebhookWithSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhookService.rotateWebhookSecret(
        services,
        request.principal!,
        request.params.id,
      );
      reply.header('cache-control', 'no-store');
      return { ...show(webhook), secret };
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { scope: 'admin', xmlRoot: 'deliveries' },
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's deliveries, newest first, each with its attempts",
        params: IdParams,
        querystring: Type.Object(
          {
            status: Type.Optional(DeliveryStatus),
            job_id: Type.Optional(Uuid),
            page_size: CursorQuery.page_size,
            page_token: CursorQuery.page_token,
            ...RepresentationQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: DeliveryList, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await webhookService.listDeliveries(
        services,
        request.principal!,
        request.params.id,
        { status: q.status, jobId: q.job_id },
        { pageSize: q.page_size ?? 50, pageToken: q.page_token },
      );
      return {
        data: result.deliveries.map(deliveryRepresentation),
        ...(result.nextPageToken !== undefined ? { next_page_token: result.nextPageToken } : {}),
      };
    },
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:delivery_id/replay',
    {
      config: { scope: 'admin', xmlRoot: 'delivery' },
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again',
        description:
          'The same payload and webhook-id, with a fresh retry schedule. A delivery still on its way is left as it is.',
        params: DeliveryParams,
        response: { 202: Delivery, ...errorResponses },
      },
    },
    async (request, reply) => {
      const delivery = await webhookService.replayDelivery(
        services,
        request.principal!,
        request.params.id,
        request.params.delivery_id,
      );
      return reply.code(202).send(deliveryRepresentation(delivery));
    },
  );
}
