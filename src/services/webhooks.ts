import type { Principal } from '../core/auth.js';
import { AppError, notFound, validationFailed, type FieldError } from '../core/errors.js';
import { unknownEventPatterns } from '../core/events.js';
import { uuidv7 } from '../core/ids.js';
import {
  newWebhookSecret,
  PREVIOUS_SECRET_VALIDITY_MS,
  type DeliveryAttempt,
  type DeliveryStatus,
  type Webhook,
  type WebhookDelivery,
  type WebhookKind,
} from '../core/webhooks.js';
import { findProject } from '../store/projects.js';
import * as deliveries from '../store/webhook-deliveries.js';
import * as webhooks from '../store/webhooks.js';
import type { Services } from './context.js';
import { webhookUrlProblem } from './webhook-urls.js';

export interface WebhookInput {
  kind?: WebhookKind | undefined;
  url?: string | undefined;
  events?: string[] | undefined;
  projectId?: string | null | undefined;
}

async function problems(
  services: Services,
  principal: Principal,
  input: WebhookInput,
  kind: WebhookKind,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (kind === 'callback') {
    if (input.url !== undefined)
      errors.push({
        pointer: '#/url',
        detail: 'the callback endpoint has no URL of its own: each job names one in callback_url',
      });
    if (input.projectId !== undefined && input.projectId !== null)
      errors.push({
        pointer: '#/project_id',
        detail: 'the callback endpoint serves every job that names a callback_url',
      });
  } else if (input.url !== undefined) {
    const problem = await webhookUrlProblem(input.url, services.policy.webhookAllowPrivate);
    if (problem !== undefined) errors.push({ pointer: '#/url', detail: problem });
  }
  for (const [i, pattern] of (input.events ?? []).entries()) {
    if (unknownEventPatterns([pattern]).length > 0)
      errors.push({
        pointer: `#/events/${i}`,
        detail: `${JSON.stringify(pattern)} matches no event; use names such as job.succeeded, a prefix such as job.*, or *`,
      });
  }
  if (
    input.projectId !== undefined &&
    input.projectId !== null &&
    kind === 'endpoint' &&
    (await findProject(services.store.db, principal.workspaceId, input.projectId)) === undefined
  ) {
    errors.push({
      pointer: '#/project_id',
      detail: `no project with id ${JSON.stringify(input.projectId)} exists in this workspace`,
    });
  }
  return errors;
}

/** Creates an endpoint, or the workspace's callback endpoint; the secret is returned this once. */
export async function createWebhook(
  services: Services,
  principal: Principal,
  input: WebhookInput,
): Promise<{ webhook: Webhook; secret: string }> {
  const kind = input.kind ?? 'endpoint';
  const errors = await problems(services, principal, input, kind);
  if (kind === 'endpoint' && input.url === undefined) errors.unshift({ pointer: '#/url', detail: 'is required' });
  if (kind === 'endpoint' && input.events === undefined)
    errors.push({ pointer: '#/events', detail: 'is required: the event names or patterns (job.*, *) to deliver' });
  if (errors.length > 0) throw validationFailed(errors);
  const now = services.clock.now();
  const secret = newWebhookSecret();
  const webhook = await webhooks.insertWebhook(services.store.db, {
    id: uuidv7(now),
    workspaceId: principal.workspaceId,
    kind,
    url: kind === 'endpoint' ? input.url! : null,
    events: input.events ?? ['*'],
    projectId: input.projectId ?? null,
    secret,
    now,
  });
  if (webhook === undefined) {
    const existing = await webhooks.findCallbackWebhook(services.store.db, principal.workspaceId);
    throw new AppError(
      'already_exists',
      `The workspace has its callback endpoint already (${existing?.id}); rotate its secret to be shown a new one.`,
      {
        extra: { webhook_id: existing?.id },
      },
    );
  }
  return { webhook, secret };
}

export async function getWebhook(services: Services, principal: Principal, id: string): Promise<Webhook> {
  const webhook = await webhooks.findWebhook(services.store.db, principal.workspaceId, id);
  if (webhook === undefined) throw notFound('webhook', id);
  return webhook;
}

export async function listWebhooks(
  services: Services,
  principal: Principal,
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ webhooks: Webhook[]; nextPageToken: string | undefined }> {
  const scope = { webhooks: principal.workspaceId };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  const result = await webhooks.listWebhooksAfter(services.store.db, principal.workspaceId, after, page.pageSize);
  const last = result.webhooks.at(-1);
  return {
    webhooks: result.webhooks,
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function listWebhooksByPage(
  services: Services,
  principal: Principal,
  page: { page: number; perPage: number },
): Promise<{ webhooks: Webhook[]; total: number }> {
  return webhooks.listWebhooksPage(
    services.store.db,
    principal.workspaceId,
    (page.page - 1) * page.perPage,
    page.perPage,
  );
}

export interface WebhookUpdate extends WebhookInput {
  /** false re-enables an endpoint (e.g. one disabled after a 410); true disables it. */
  disabled?: boolean | undefined;
}

export async function updateWebhook(
  services: Services,
  principal: Principal,
  id: string,
  change: WebhookUpdate,
): Promise<Webhook> {
  const current = await getWebhook(services, principal, id);
  const errors = await problems(services, principal, change, current.kind);
  if (errors.length > 0) throw validationFailed(errors);
  const now = services.clock.now();
  const disabled =
    change.disabled === undefined
      ? undefined
      : change.disabled
        ? current.disabledAt === null
          ? { at: now, reason: 'Disabled by a client.' }
          : undefined
        : null;
  const updated = await webhooks.updateWebhook(services.store.db, principal.workspaceId, id, {
    now,
    ...(change.url !== undefined ? { url: change.url } : {}),
    ...(change.events !== undefined ? { events: change.events } : {}),
    ...(change.projectId !== undefined ? { projectId: change.projectId } : {}),
    ...(disabled !== undefined ? { disabled } : {}),
  });
  if (updated === undefined) throw notFound('webhook', id);
  return updated;
}

export async function deleteWebhook(services: Services, principal: Principal, id: string): Promise<void> {
  if (!(await webhooks.deleteWebhook(services.store.db, principal.workspaceId, id))) throw notFound('webhook', id);
}

/** A new secret, shown this once; the previous one keeps signing (a second signature) for 24 h. */
export async function rotateWebhookSecret(
  services: Services,
  principal: Principal,
  id: string,
): Promise<{ webhook: Webhook; secret: string }> {
  const now = services.clock.now();
  const secret = newWebhookSecret();
  const webhook = await webhooks.updateWebhook(services.store.db, principal.workspaceId, id, {
    now,
    rotate: { secret, previousExpiresAt: now + PREVIOUS_SECRET_VALIDITY_MS },
  });
  if (webhook === undefined) throw notFound('webhook', id);
  return { webhook, secret };
}

export type DeliveryWithAttempts = WebhookDelivery & { attemptHistory: DeliveryAttempt[] };

export async function listDeliveries(
  services: Services,
  principal: Principal,
  webhookId: string,
  filter: { status?: DeliveryStatus | undefined; jobId?: string | undefined },
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ deliveries: DeliveryWithAttempts[]; nextPageToken: string | undefined }> {
  await getWebhook(services, principal, webhookId);
  const scope = { deliveries: webhookId, ...filter };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  const result = await deliveries.listDeliveriesAfter(services.store.db, webhookId, filter, after, page.pageSize);
  const attempts = await deliveries.listDeliveryAttempts(
    services.store.db,
    result.deliveries.map((d) => d.id),
  );
  const last = result.deliveries.at(-1);
  return {
    deliveries: result.deliveries.map((d) => ({ ...d, attemptHistory: attempts.get(d.id) ?? [] })),
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

/** Queues a finished delivery again: same payload, same webhook-id, a fresh retry schedule. */
export async function replayDelivery(
  services: Services,
  principal: Principal,
  webhookId: string,
  deliveryId: string,
): Promise<DeliveryWithAttempts> {
  await getWebhook(services, principal, webhookId);
  const delivery = await deliveries.replayDelivery(services.store.db, webhookId, deliveryId, services.clock.now());
  if (delivery === undefined) throw notFound('delivery', deliveryId);
  const attempts = await deliveries.listDeliveryAttempts(services.store.db, [delivery.id]);
  return { ...delivery, attemptHistory: attempts.get(delivery.id) ?? [] };
}

/** 422 problems of the callback_url of jobs about to be created (pointer per job). */
export async function callbackUrlProblems(
  services: Services,
  urls: (string | undefined)[],
  pointer: (index: number) => string,
): Promise<FieldError[]> {
  const checked = new Map<string, string | undefined>();
  const errors: FieldError[] = [];
  for (const [index, url] of urls.entries()) {
    if (url === undefined) continue;
    if (!checked.has(url)) checked.set(url, await webhookUrlProblem(url, services.policy.webhookAllowPrivate));
    const problem = checked.get(url);
    if (problem !== undefined) errors.push({ pointer: pointer(index), detail: problem });
  }
  return errors;
}
