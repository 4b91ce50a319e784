import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from './common.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'An http(s) URL resolving to public addresses (private ones need JOBLINE_WEBHOOK_ALLOW_PRIVATE=true).',
});
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  description: 'Event names (`job.succeeded`), prefixes (`job.*`) or `*` for all.',
  examples: [['job.succeeded', 'job.failed']],
});

export const Webhook = Type.Object(
  {
    id: Uuid,
    kind: Type.Union([Type.Literal('endpoint'), Type.Literal('callback')], {
      description: "`callback` signs the deliveries to jobs' `callback_url`.",
    }),
    url: Nullable(Type.String({ description: 'null for the callback endpoint.' })),
    events: Type.Array(Type.String()),
    project_id: Nullable(Uuid),
    disabled: Type.Boolean(),
    disabled_at: Nullable(Timestamp),
    disabled_reason: Nullable(Type.String()),
    previous_secret_expires_at: Nullable(
      Type.String({
        format: 'date-time',
        description: 'Until then deliveries carry a second signature, made with the previous secret.',
      }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { description: 'A webhook endpoint (never its secret).' },
);

export const WebhookWithSecret = Type.Object({
  ...Webhook.properties,
  secret: Type.String({ description: 'Shown this once: `whsec_` and base64.' }),
});

export const CreateWebhookBody = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('endpoint'), Type.Literal('callback')], { default: 'endpoint' })),
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    project_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    project_id: Type.Optional(Nullable(Uuid)),
    disabled: Type.Optional(
      Type.Boolean({ description: '`false` re-enables an endpoint, for instance one disabled after a 410.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookList = Type.Object({
  data: Type.Array(Webhook),
  next_page_token: Type.Optional(Type.String()),
  total: Type.Optional(Type.Integer()),
  page: Type.Optional(Type.Integer()),
  per_page: Type.Optional(Type.Integer()),
});

const Attempt = Type.Object({
  number: Type.Integer(),
  started_at: Timestamp,
  duration_ms: Type.Integer(),
  status_code: Nullable(Type.Integer()),
  response_body: Nullable(Type.String({ description: 'The first KiB of the answer.' })),
  error: Nullable(Type.String()),
});

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
]);

export const Delivery = Type.Object(
  {
    id: Uuid,
    webhook_id: Uuid,
    msg_id: Type.String({ description: 'The webhook-id header: the same on every attempt and replay.' }),
    job_id: Uuid,
    event: Type.String(),
    seq: Type.Integer({ description: "The event's number within its job." }),
    url: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    next_attempt_at: Nullable(Timestamp),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    payload: Type.String({ description: 'The exact body sent.' }),
    content_type: Type.Union([Type.Literal('application/json'), Type.Literal('application/x-www-form-urlencoded')], {
      description:
        'application/json for events (signed); application/x-www-form-urlencoded for TextKing callbacks (unsigned).',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
    attempt_history: Type.Array(Attempt),
  },
  { description: 'One event on its way to one receiver, with every attempt.' },
);

export const DeliveryList = Type.Object({ data: Type.Array(Delivery), next_page_token: Type.Optional(Type.String()) });
