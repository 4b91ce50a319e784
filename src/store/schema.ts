import type { ColumnType, Generated } from 'kysely';

// Row types as Kysely sees them. JSON columns are TEXT on SQLite and JSONB on PostgreSQL: they are
// always written as JSON text and read through `parseJson`, which accepts both forms.
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
}

export interface ProjectsTable {
  id: string;
  workspace_id: string;
  number: number;
  name: string;
  description: string | null;
  workflow_steps: Json;
  job_counter: Generated<number>;
  created_at: number;
  updated_at: number;
  version: Generated<number>;
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
  idempotency_keys: IdempotencyKeysTable;
}

export function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}
