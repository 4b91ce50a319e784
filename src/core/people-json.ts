import { toIso } from './clock.js';
import type { PeopleWork, ProjectRate, Provider } from './people.js';

export function peopleRepresentation(p: PeopleWork | null | undefined) {
  if (p === null || p === undefined) return null;
  return {
    providers: p.providers.map((r) => ({ type: r.type, id: r.id })),
    due_at: toIso(p.dueAt),
    reference_id: p.referenceId,
    workflow_level: p.workflowLevel,
    continuous: p.continuous,
    import_job_id: p.importJobId,
    source_updated_at: toIso(p.sourceUpdatedAt),
    target_updated_at: toIso(p.targetUpdatedAt),
    continuous_updated_at: toIso(p.continuousUpdatedAt),
  };
}

export function providerRepresentation(p: Provider) {
  return {
    id: p.id,
    type: p.type,
    name: p.name,
    email: p.email,
    created_at: toIso(p.createdAt)!,
    updated_at: toIso(p.updatedAt)!,
    version: p.version,
  };
}

export function rateRepresentation(r: ProjectRate) {
  return {
    source_language: r.sourceLanguage,
    target_language: r.targetLanguage,
    price_per_word: r.pricePerWord,
    currency: r.currency,
  };
}
