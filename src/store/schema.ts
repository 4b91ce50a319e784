import type { ColumnType, Generated } from 'kysely';
import type {
  TextKingCallbacksTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookDispatchTable,
  WebhooksTable,
} from './schema-webhooks.js';
import type { JobFlowStartsTable, JobTypeFlowTable, JobTypesTable } from './schema-job-types.js';

export type { JobFlowStartsTable, JobTypeFlowTable, JobTypesTable };
export type {
  TextKingCallbacksTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookDispatchTable,
  WebhooksTable,
};

// Row types as Kysely sees them. JSON columns are TEXT on SQLite and JSONB on PostgreSQL: they are
// always written as JSON text and read back as JSON text (see the type parsers in store.ts).
type Json = ColumnType<unknown, string, string>;
type JsonOrNull = ColumnType<unknown, string | null, string | null>;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  job_counter: Generated<number>;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  expires_at: number | null;
  provider_id: string | null;
  /** JSON array of the job types a worker token may claim (migration 0026); NULL for any type. */
  job_types: string | null;
}

export interface ProjectsTable {
  id: string;
  workspace_id: string;
  number: number;
  name: string;
  description: string | null;
  workflow_steps: Json;
  source_language: ColumnType<string | null, string | null | undefined, string | null>;
  target_languages: ColumnType<unknown, string | undefined, string>;
  state: Generated<string>;
  job_counter: Generated<number>;
  created_at: number;
  updated_at: number;
  version: Generated<number>;
  /** Set when the project was deleted (migration 0032); such rows are left out of every read. */
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface JobsTable {
  id: string;
  workspace_id: string;
  project_id: string | null;
  number: number;
  type: string;
  name: string | null;
  executor: string;
  status: string;
  status_reason: string | null;
  priority: number;
  input: Json;
  output: JsonOrNull;
  error: JsonOrNull;
  progress: Generated<number>;
  progress_message: string | null;
  attempts: Generated<number>;
  max_attempts: number;
  run_at: number;
  timeout_ms: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
  version: Generated<number>;
  attempt_started_at: number | null;
  expired_at: number | null;
  callback_url: Generated<string | null>;
  providers: JsonOrNull;
  due_at: number | null;
  reference_id: string | null;
  workflow_level: number | null;
  continuous: Generated<number>;
  import_job_id: string | null;
  source_updated_at: number | null;
  target_updated_at: number | null;
  continuous_updated_at: number | null;
  schedule_id: Generated<string | null>;
  traceparent: Generated<string | null>;
  tracestate: Generated<string | null>;
  /** Flow control (migration 0031): the key limits per key count by, and the key creates deduplicate by. */
  concurrency_key: Generated<string | null>;
  deduplication_key: Generated<string | null>;
  /**
   * The worker whose attempt succeeded (migration 0043): that attempt is this row's (number `attempts`,
   * start `attempt_started_at`, end `completed_at`), not a row of job_attempts. NULL for jobs that
   * succeeded before it, whose attempt is a row there.
   */
  succeeded_by: Generated<string | null>;
}

export interface ProvidersTable {
  id: string;
  workspace_id: string;
  type: string;
  name: string;
  email: string | null;
  created_at: number;
  updated_at: number;
  version: Generated<number>;
}

export interface JobProvidersTable {
  job_id: string;
  provider_id: string;
}

export interface ProjectRatesTable {
  project_id: string;
  source_language: string;
  target_language: string;
  price_per_word: number;
  currency: string;
}

export interface FilesTable {
  id: string;
  workspace_id: string;
  job_id: string | null;
  role: 'input' | 'output';
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: number;
  expires_at: number | null;
}

export interface JobAttemptsTable {
  job_id: string;
  number: number;
  worker: string | null;
  started_at: number;
  finished_at: number | null;
  outcome: 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lease_expired';
  error_message: string | null;
  error_code: string | null;
  error_stack: string | null;
}

export interface JobDependenciesTable {
  job_id: string;
  depends_on_id: string;
}

export interface JobErrorsTable {
  job_id: string;
  seq: number;
  row: number | null;
  field: string | null;
  code: string;
  message: string;
}

export interface DocumentSegmentsTable {
  job_id: string;
  idx: number;
  key: string | null;
  context: string | null;
  source: string;
  target: string | null;
  words: number;
}

export interface JobEventsTable {
  id: Generated<number>;
  tx: Generated<number>;
  workspace_id: string;
  // NULL only in batch rows (the created, running and succeeded events of one statement, migration
  // 0030 of both databases; column job_ids), which the queries of events.ts and webhook-dispatch.ts
  // expand; rows selected by job_id always have one.
  job_id: string;
  project_id: string | null;
  job_type: string;
  seq: number;
  name: string;
  data: Json;
  actor: string | null;
  created_at: number;
}

export interface IdempotencyKeysTable {
  workspace_id: string;
  key: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response_body: string | null;
  location: string | null;
  locked_until: number;
  created_at: number;
}

export interface Database {
  settings: SettingsTable;
  workspaces: WorkspacesTable;
  api_tokens: ApiTokensTable;
  projects: ProjectsTable;
  jobs: JobsTable;
  job_attempts: JobAttemptsTable;
  job_dependencies: JobDependenciesTable;
  files: FilesTable;
  job_errors: JobErrorsTable;
  document_segments: DocumentSegmentsTable;
  idempotency_keys: IdempotencyKeysTable;
  job_events: JobEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  job_types: JobTypesTable;
  job_type_flow: JobTypeFlowTable;
  job_flow_starts: JobFlowStartsTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_dispatch: WebhookDispatchTable;
  textking_callbacks: TextKingCallbacksTable;
  providers: ProvidersTable;
  job_providers: JobProvidersTable;
  project_rates: ProjectRatesTable;
  schedules: SchedulesTable;
  schedule_runs: ScheduleRunsTable;
}

export interface SchedulesTable {
  id: string;
  workspace_id: string;
  name: string | null;
  cron: string | null;
  interval_ms: number | null;
  time_zone: string;
  job: Json;
  missed_runs: string;
  paused: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_job_id: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  version: Generated<number>;
}

export interface ScheduleRunsTable {
  schedule_id: string;
  scheduled_at: number;
  job_id: string;
  created_at: number;
}

export function parseJson(value: unknown): unknown {
  return value === null || value === undefined ? null : (JSON.parse(value as string) as unknown);
}
