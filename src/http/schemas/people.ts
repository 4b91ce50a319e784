import { Type } from '@sinclair/typebox';
import { LANGUAGE_PATTERN, PROJECT_STATES, PROVIDER_TYPES } from '../../core/people.js';
import { Name, Nullable, Timestamp, Uuid } from './common.js';

export const ProviderType = Type.Union(PROVIDER_TYPES.map((t) => Type.Literal(t)));
export const ProviderRef = Type.Object({ type: ProviderType, id: Uuid }, { additionalProperties: false });
export const ProviderRefs = Type.Array(ProviderRef, {
  maxItems: 50,
  description: 'Providers (users or vendors of the workspace) the job is offered to.',
});
export const Language = Type.String({ pattern: LANGUAGE_PATTERN, examples: ['de'] });

/** The people part of a job (null on machine jobs). */
export const PeopleWorkSchema = Type.Object({
  providers: Type.Array(Type.Object({ type: ProviderType, id: Uuid })),
  due_at: Nullable(Timestamp),
  reference_id: Nullable(
    Type.String({ description: 'Shared by the jobs of one document and target language, one per workflow step.' }),
  ),
  workflow_level: Nullable(Type.Integer({ description: '1 for the first workflow step, 2 for the next…' })),
  continuous: Type.Boolean({
    description: 'Accepts new versions of its source while open (PUT /v1/jobs/{id}/source).',
  }),
  import_job_id: Nullable(Uuid),
  source_updated_at: Nullable(Timestamp),
  target_updated_at: Nullable(Timestamp),
  continuous_updated_at: Nullable(Timestamp),
});

/** `people` on job creation: makes the job one done by people. */
export const CreatePeopleWork = Type.Object(
  {
    providers: Type.Optional(ProviderRefs),
    due_at: Type.Optional(Type.String({ format: 'date-time' })),
    reference_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    workflow_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 15 })),
    continuous: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'Makes the job one done by people (executor people): offered to providers who accept and deliver it.',
  },
);

export const ProviderSchema = Type.Object({
  id: Uuid,
  type: ProviderType,
  name: Type.String(),
  email: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer(),
});

export const ProjectState = Type.Union(
  PROJECT_STATES.map((s) => Type.Literal(s)),
  { description: 'prepared → running → finished, or cancelled.' },
);

export const RateSchema = Type.Object(
  {
    source_language: Language,
    target_language: Language,
    price_per_word: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] }),
  },
  { additionalProperties: false },
);

export const Email = Type.String({ format: 'email', maxLength: 320 });
export const ProviderName = Name({ maxLength: 200 });
