import type { Generated } from 'kysely';

// Row types of job types declared through the API and their flow control, as Kysely sees them (see
// schema.ts).

export interface JobTypesTable {
  workspace_id: string;
  type: string;
  /** JSON text. */
  input_schema: string;
  version: number;
  /** New with every write, never reused: what compiled validators are keyed by. */
  revision: string;
  created_at: number;
  updated_at: number;
}

/** A job type's flow control in a workspace, or for every workspace ('', declared by code); migration 0031. */
export interface JobTypeFlowTable {
  workspace_id: string;
  type: string;
  concurrency: number | null;
  key_concurrency: number | null;
  rate_limit: number | null;
  rate_interval_ms: number | null;
  rate_per_key: number;
  dedupe_running: number;
  dedupe_replace: number;
  paused: number;
  source: 'code' | 'api';
  version: Generated<number>;
  updated_at: number;
}

/** One start of a rate-limited type within its interval (flow_key '' for a limit on the type). */
export interface JobFlowStartsTable {
  workspace_id: string;
  type: string;
  flow_key: string;
  started_at: number;
}
