import { Type } from '@sinclair/typebox';
import { DEFAULT_LEASE_SECONDS, MAX_CLAIM, MAX_LEASE_SECONDS, MAX_WAIT_SECONDS } from '../../services/worker-claims.js';
import { Text, Timestamp, Uuid } from './common.js';
import { JobTypes } from './job.js';

// The worker protocol's bodies (docs/workers.md): claims, heartbeats, progress and outcomes.

const WorkerName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$',
  description: 'Who is working (e.g. host:pid); recorded in each attempt of the jobs it claims.',
  examples: ['render-7f9c:4121'],
});

const LeaseToken = Type.String({
  minLength: 1,
  maxLength: 400,
  description: 'The `lease.token` of the claim that took the job.',
});

const LeaseSeconds = Type.Integer({
  minimum: 1,
  maximum: MAX_LEASE_SECONDS,
  default: DEFAULT_LEASE_SECONDS,
  description: 'How long the lease lasts without a heartbeat; the job returns to the queue after it.',
});

export const ClaimBody = Type.Object(
  {
    worker: WorkerName,
    types: JobTypes({ description: "Job types to claim; each must be within the token's job types." }),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CLAIM,
        default: 1,
        description: `Jobs to claim at most (up to ${MAX_CLAIM}).`,
      }),
    ),
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_WAIT_SECONDS,
        default: 0,
        description: `Seconds to wait for a job when none is runnable (long poll, up to ${MAX_WAIT_SECONDS}).`,
      }),
    ),
    lease_seconds: Type.Optional(LeaseSeconds),
  },
  { additionalProperties: false },
);

const Lease = Type.Object({
  token: Type.String({ description: 'Opaque; send it with every call about this job.' }),
  expires_at: Timestamp,
});

export const ClaimedJobSchema = Type.Object({
  id: Uuid,
  type: Type.String(),
  input: Type.Unknown(),
  attempt: Type.Integer({ description: 'This attempt, from 1.' }),
  max_attempts: Type.Integer(),
  timeout_ms: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The attempt fails as timed out after this long (null: no timeout).',
  }),
  lease: Lease,
});

export const ClaimResponse = Type.Object({ data: Type.Array(ClaimedJobSchema) });

export const HeartbeatBody = Type.Object(
  { lease: LeaseToken, lease_seconds: Type.Optional(LeaseSeconds) },
  { additionalProperties: false },
);
export const HeartbeatResponse = Type.Object({
  lease_expires_at: Timestamp,
  cancel_requested: Type.Boolean({
    description: 'The job was cancelled: stop, then report it (fail or complete; it ends cancelled).',
  }),
});

export const ProgressBody = Type.Object(
  {
    lease: LeaseToken,
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    message: Type.Optional(Text({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

const Output = Type.Unknown({ description: "The job's output (JSON); null when absent." });
export const CompleteBody = Type.Object(
  { lease: LeaseToken, output: Type.Optional(Output) },
  { additionalProperties: false },
);

export const FailBody = Type.Object(
  {
    lease: LeaseToken,
    error: Type.Object(
      {
        message: Text({ maxLength: 2000 }),
        code: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })),
      },
      { additionalProperties: false },
    ),
    retryable: Type.Optional(
      Type.Boolean({
        default: true,
        description: "false: the job fails without retry (like a handler's NonRetryableError).",
      }),
    ),
  },
  { additionalProperties: false },
);

export const LeaseHeaders = Type.Object({ 'jobline-lease': LeaseToken });

export const LeaseBody = Type.Object({ lease: LeaseToken }, { additionalProperties: false });

const OutcomeSchema = Type.Union(
  [Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('retrying'), Type.Literal('cancelled')],
  {
    description: 'What became of the job: retrying means it waits for its next attempt.',
  },
);
export const OutcomeResponse = Type.Object({ id: Uuid, outcome: OutcomeSchema });

/** The claim a completion call may carry: the next jobs, taken once the completions are written. */
const NextClaim = Type.Object(
  {
    worker: WorkerName,
    types: JobTypes({ description: "Job types to claim; each must be within the token's job types." }),
    limit: Type.Integer({
      minimum: 1,
      maximum: MAX_CLAIM,
      description: `Jobs to claim at most (up to ${MAX_CLAIM}); usually the slots the completed jobs free.`,
    }),
    lease_seconds: Type.Optional(LeaseSeconds),
  },
  {
    additionalProperties: false,
    description:
      'Claim the next jobs in the same call, as `POST /v1/worker/claims` without waiting; the answer lists them in `claimed`.',
  },
);

export const CompletionsBody = Type.Object(
  {
    data: Type.Array(
      Type.Object({ id: Uuid, lease: LeaseToken, output: Type.Optional(Output) }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: MAX_CLAIM,
      },
    ),
    claim: Type.Optional(NextClaim),
  },
  { additionalProperties: false },
);

export const CompletionsResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Uuid,
      outcome: Type.Optional(OutcomeSchema),
      problem: Type.Optional(
        Type.Ref('Problem', { description: 'Why this job was not completed; nothing of it changed.' }),
      ),
    }),
  ),
  claimed: Type.Optional(
    Type.Array(ClaimedJobSchema, {
      description:
        'With `claim`: the jobs claimed after the completions, each with its lease (empty when none is runnable).',
    }),
  ),
});

export const HeartbeatsBody = Type.Object(
  {
    data: Type.Array(Type.Object({ id: Uuid, lease: LeaseToken }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_CLAIM,
    }),
    lease_seconds: Type.Optional(LeaseSeconds),
  },
  { additionalProperties: false },
);

export const HeartbeatsResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Uuid,
      lease_expires_at: Type.Optional(Timestamp),
      cancel_requested: Type.Optional(
        Type.Boolean({ description: 'The job was cancelled: stop, then report it (it ends cancelled).' }),
      ),
      problem: Type.Optional(
        Type.Ref('Problem', {
          description: 'Why this lease was not extended (409 lease_lost: drop the job); nothing of it changed.',
        }),
      ),
    }),
  ),
});
