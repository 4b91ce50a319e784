// The native API, seen from the browser. The token lives in sessionStorage only (gone when the tab
// closes), travels in the Authorization header only, and a 401 anywhere signs the user out.

const TOKEN_KEY = 'jobline.token';

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(reason?: string): void {
    sessionStorage.removeItem(TOKEN_KEY);
    window.dispatchEvent(new CustomEvent('jobline:signed-out', { detail: reason }));
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Headers of every API call: the token, and JSON. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token();
  return { accept: 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** Turns a non-2xx answer into an ApiError with the problem's detail; a 401 also signs out. */
export async function failure(res: Response): Promise<ApiError> {
  let problem: { code?: string; detail?: string; title?: string } = {};
  try {
    problem = (await res.json()) as typeof problem;
  } catch {
    // not problem+json (a proxy's page): the status says enough
  }
  const error = new ApiError(
    res.status,
    problem.code,
    problem.detail ?? problem.title ?? `${res.status} ${res.statusText}`,
  );
  if (res.status === 401) session.signOut('Your token is no longer accepted (expired or revoked). Sign in again.');
  return error;
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: authHeaders(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    cache: 'no-store',
    ...(signal !== undefined ? { signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});

/** A query string from the set values, repeating arrays (status=a&status=b). */
export function query(params: Record<string, string | string[] | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

export type JobStatus = 'pending' | 'running' | 'delivered' | 'succeeded' | 'failed' | 'cancelling' | 'cancelled';

export interface Job {
  id: string;
  project_id: string | null;
  number: number;
  type: string;
  name: string | null;
  executor: 'worker' | 'people';
  status: JobStatus;
  status_reason: string;
  priority: number;
  input: Record<string, unknown>;
  output: unknown;
  error: { code?: string; message?: string } | null;
  progress: number | null;
  progress_message: string | null;
  attempts: number;
  max_attempts: number;
  /** The worker running the current attempt (its lease owner); null while none runs. */
  worker: string | null;
  timeout_ms: number | null;
  run_at: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
  version: number;
  callback_url: string | null;
  people: {
    providers: { type: string; id: string }[];
    due_at: string | null;
    reference_id: string | null;
    workflow_level: number | null;
  } | null;
  attempt_history?: Attempt[];
  files?: JobFile[];
}

export interface Attempt {
  number: number;
  worker: string | null;
  started_at: string;
  finished_at: string | null;
  outcome: string | null;
  error: { code?: string; message?: string } | null;
}

export interface JobFile {
  id: string;
  role: string;
  name: string;
  content_type: string;
  size: number;
  created_at: string;
  download_url: string;
}

export interface JobEvent {
  id: string;
  type: string;
  job_id: string;
  job_type: string;
  project_id: string | null;
  seq: number;
  data: Record<string, unknown>;
  actor: string | null;
  created_at: string;
}

export interface Project {
  id: string;
  number: number;
  name: string;
  description: string | null;
  workflow_steps: unknown;
  state: string;
  created_at: string;
  updated_at: string;
}

export interface Stats {
  since: string;
  until: string;
  step_seconds: number;
  counts: Record<JobStatus, number>;
  events_cursor: string;
  types: { type: string; succeeded: number[]; failed: number[]; queue_depth: number[] }[];
}

export interface Schedule {
  id: string;
  name: string | null;
  cron: string | null;
  interval_seconds: number | null;
  time_zone: string;
  job: { type: string };
  paused: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  last_job_id: string | null;
  last_error: string | null;
}

export interface Page<T> {
  data: T[];
  next_page_token?: string;
}

/** A job type's flow control (/v1/job-types/{type}/flow). */
export interface JobTypeFlow {
  type: string;
  source: 'code' | 'api' | null;
  paused: boolean;
  concurrency: number | null;
  key_concurrency: number | null;
  rate_limit: { limit: number; interval_ms: number; per_key: boolean } | null;
}

export interface JobTypeInfo {
  type: string;
  source: 'code' | 'api';
  flow: JobTypeFlow;
}
