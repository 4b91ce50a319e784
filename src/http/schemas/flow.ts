import { Type } from '@sinclair/typebox';
import { MAX_FLOW_LIMIT, MAX_RATE_INTERVAL_MS } from '../../core/flow.js';
import { Nullable, Timestamp } from './common.js';

// A job type's flow control (docs/flow-control.md): the limits the claim keeps across every worker,
// the pause, and what a create with a deduplication_key does.

const Count = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_FLOW_LIMIT, description });

const RateLimit = Type.Object(
  {
    limit: Count('Claims allowed within any `interval_ms`.'),
    interval_ms: Type.Integer({ minimum: 1, maximum: MAX_RATE_INTERVAL_MS, description: 'The sliding window.' }),
    per_key: Type.Optional(
      Type.Boolean({
        description: 'Counted per `concurrency_key` (jobs without one are not paced) instead of for the type.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Deduplication = Type.Object(
  {
    include_running: Type.Optional(
      Type.Boolean({ description: 'A running job with the key is returned too, not only a pending one.' }),
    ),
    replace_input: Type.Optional(
      Type.Boolean({ description: "The pending job's input is replaced by the new create's." }),
    ),
  },
  { additionalProperties: false },
);

const Settings = {
  concurrency: Nullable(Count('Jobs of the type claimed and not finished at once, across every worker.')),
  key_concurrency: Nullable(Count('The same for the jobs of one `concurrency_key`.')),
  rate_limit: Nullable(RateLimit),
  deduplication: Deduplication,
};

export const FlowSchema = Type.Object(
  {
    type: Type.String(),
    source: Nullable(
      Type.Union([Type.Literal('code'), Type.Literal('api')], {
        description:
          "Whose settings hold: the server's code (`defineJob`'s `flow`, for every workspace), your workspace's own (set here), or none (null).",
      }),
    ),
    paused: Type.Boolean({ description: 'No job of the type is claimed while paused; claimed jobs finish.' }),
    ...Settings,
    version: Nullable(Type.Integer()),
    updated_at: Nullable(Timestamp),
  },
  { $id: 'JobTypeFlow' },
);

export const PutFlowBody = Type.Object(
  {
    concurrency: Type.Optional(Settings.concurrency),
    key_concurrency: Type.Optional(Settings.key_concurrency),
    rate_limit: Type.Optional(Settings.rate_limit),
    deduplication: Type.Optional(Deduplication),
  },
  { additionalProperties: false },
);
