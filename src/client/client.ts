import type { JobRepresentation } from '../http/representations/job.js';

/** A problem+json answer from the API, thrown by the client with its fields intact. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; title?: string; detail?: string; [k: string]: unknown },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export interface JobListPage {
  data: JobRepresentation[];
  next_page_token?: string;
}

export interface CreateJobRequest {
  type: string;
  name?: string;
  project_id?: string;
  priority?: number;
  input?: Record<string, unknown>;
  run_at?: string;
  max_attempts?: number;
  timeout_ms?: number;
}

/** A small typed client for the native API, used by the CLI and the tests. */
export class JoblineClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) throw new ApiError(response.status, (parsed as ApiError['problem'] | undefined) ?? {});
    return parsed as T;
  }

  getJob(id: string): Promise<JobRepresentation> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  listJobs(query: { status?: string[]; type?: string; project_id?: string; page_size?: number; page_token?: string } = {}): Promise<JobListPage> {
    const params = new URLSearchParams();
    for (const s of query.status ?? []) params.append('status', s);
    if (query.type !== undefined) params.set('type', query.type);
    if (query.project_id !== undefined) params.set('project_id', query.project_id);
    if (query.page_size !== undefined) params.set('page_size', String(query.page_size));
    if (query.page_token !== undefined) params.set('page_token', query.page_token);
    const qs = params.toString();
    return this.request('GET', `/v1/jobs${qs === '' ? '' : `?${qs}`}`);
  }

  createJob(job: CreateJobRequest, idempotencyKey?: string): Promise<JobRepresentation> {
    return this.request('POST', '/v1/jobs', job, idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {});
  }

  cancelJob(id: string): Promise<JobRepresentation> {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }
}
