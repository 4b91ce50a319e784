// Work done by people: who can be given a job, and what a people job carries beyond a machine job.

export const PROVIDER_TYPES = ['user', 'vendor'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** A person or a vendor (an agency) in a workspace, to whom people jobs are offered. */
export interface Provider {
  id: string;
  workspaceId: string;
  type: ProviderType;
  name: string;
  email: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** How a job names a provider (as Phrase's `providers: [{type, id}]`). */
export interface ProviderRef {
  type: ProviderType;
  id: string;
}

/** The fields of a job done by people (null on machine jobs). */
export interface PeopleWork {
  providers: ProviderRef[];
  dueAt: number | null;
  /** Shared by the jobs of one document and target language, one per workflow step. */
  referenceId: string | null;
  /** 1 for the first workflow step, 2 for the next… */
  workflowLevel: number | null;
  /** Accepts new versions of its source while open (PUT /v1/jobs/{id}/source). */
  continuous: boolean;
  /** The document-import job that prepares this job's source. */
  importJobId: string | null;
  sourceUpdatedAt: number | null;
  targetUpdatedAt: number | null;
  /** When the source or target of a continuous job last changed. */
  continuousUpdatedAt: number | null;
}

export const PROJECT_STATES = ['prepared', 'running', 'finished', 'cancelled'] as const;
export type ProjectState = (typeof PROJECT_STATES)[number];

/** A price per word for one language pair in a project; people jobs get `net_price` from it. */
export interface ProjectRate {
  sourceLanguage: string;
  targetLanguage: string;
  pricePerWord: number;
  currency: string;
}

// BCP 47-ish language tags as clients send them (en, de-DE, pt_br, zh-Hant-TW); compared in lower case.
export const LANGUAGE_PATTERN = '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$';

export function normalizeLanguage(tag: string): string {
  return tag.toLowerCase();
}
