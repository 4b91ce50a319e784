import { Type, type Static } from '@sinclair/typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Principal } from '../core/auth.js';
import { validationFailed, type FieldError } from '../core/errors.js';
import { LANGUAGE_PATTERN, type ProviderRef } from '../core/people.js';
import { findProviders } from '../store/providers.js';
import type { Executor } from '../store/store.js';
import type { CreateJobInput } from './job-creation.js';

// What every people job's input may carry for language work (docs/api.md, People work). The fields are optional
// and the object stays open, so the same mechanics serve review, approval or labelling jobs; no field
// belongs to one vendor. `words`, `net_price` and `currency` are filled in when the source is imported
// (the price from the project's rate for the language pair, when one is set).
export const PeopleWorkInput = Type.Object(
  {
    source_language: Type.Optional(Type.String({ pattern: LANGUAGE_PATTERN })),
    target_language: Type.Optional(Type.String({ pattern: LANGUAGE_PATTERN })),
    quality: Type.Optional(
      Type.String({ maxLength: 100, description: 'e.g. translation, translation-and-correction' }),
    ),
    topic: Type.Optional(Type.String({ maxLength: 200 })),
    briefing: Type.Optional(Type.Union([Type.String({ maxLength: 20000 }), Type.Null()])),
    file_id: Type.Optional(Type.String({ format: 'uuid' })),
    words: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    net_price: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
    currency: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{3}$' }), Type.Null()])),
  },
  { additionalProperties: true },
);
export type PeopleWorkInput = Static<typeof PeopleWorkInput>;

const ajv = new Ajv.default({ allErrors: true, strict: false });
addFormats.default(ajv, ['uuid']);
const validateInput = ajv.compile(PeopleWorkInput);

export function peopleInputProblems(input: unknown, pointer: string): FieldError[] {
  if (validateInput(input)) return [];
  return (validateInput.errors ?? []).map((e) => ({
    pointer: `${pointer}${e.instancePath}`,
    detail: e.message ?? 'is not valid',
  }));
}

/** Providers named by a job must exist in the workspace with the type they are named with. */
export async function checkProviders(
  db: Executor,
  principal: Principal,
  refs: ProviderRef[],
  pointer: string,
): Promise<void> {
  const found = new Map(
    (await findProviders(db, principal.workspaceId, [...new Set(refs.map((r) => r.id))])).map((p) => [p.id, p]),
  );
  const problems = refs.flatMap((r, i) => {
    const p = found.get(r.id);
    if (p === undefined)
      return [
        {
          pointer: `${pointer}/${i}/id`,
          detail: `no provider with id ${JSON.stringify(r.id)} exists in this workspace`,
        },
      ];
    if (p.type !== r.type) return [{ pointer: `${pointer}/${i}/type`, detail: `provider ${r.id} is a ${p.type}` }];
    return [];
  });
  if (problems.length > 0) throw validationFailed(problems);
}

/** Who did it, as the event log records it. */
export function actorOf(principal: Principal): string {
  return principal.providerId !== undefined ? `provider:${principal.providerId}` : `token:${principal.tokenId}`;
}

/**
 * Completes the people jobs of a batch inside its transaction: checks their input and providers and
 * decides the reason they start pending with — input_not_ready while their source is imported,
 * waiting while an earlier workflow step of their reference is not done, new otherwise.
 */
export async function preparePeopleJobs(
  db: Executor,
  principal: Principal,
  inputs: CreateJobInput[],
  pointer: (index: number, field: string) => string,
): Promise<void> {
  const problems = inputs.flatMap((i, index) =>
    i.people === undefined ? [] : peopleInputProblems(i.input ?? {}, pointer(index, 'input')),
  );
  if (problems.length > 0) throw validationFailed(problems);
  for (const [index, i] of inputs.entries()) {
    const people = i.people;
    if (people === undefined) continue;
    await checkProviders(db, principal, people.providers, pointer(index, 'people/providers'));
    if (people.importJobId !== null) {
      people.statusReason = 'input_not_ready';
      continue;
    }
    const level = people.workflowLevel ?? 1;
    const earlierInBatch = inputs.some(
      (o) => o.people?.referenceId === people.referenceId && (o.people?.workflowLevel ?? 1) < level,
    );
    const earlier =
      people.referenceId !== null &&
      level > 1 &&
      (earlierInBatch || (await unfinishedEarlierSteps(db, principal.workspaceId, people.referenceId, level)));
    people.statusReason = earlier ? 'waiting' : 'new';
  }
}

async function unfinishedEarlierSteps(
  db: Executor,
  workspaceId: string,
  referenceId: string,
  level: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('jobs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('reference_id', '=', referenceId)
    .where('workflow_level', '<', level)
    .where('status', '!=', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
