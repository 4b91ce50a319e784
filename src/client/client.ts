import { isSpanContextValid, trace } from '@opentelemetry/api';
import { isTerminalEvent } from '../core/events.js';
import { Connections } from './json-request.js';
import type { eventRepresentation } from '../http/representations/event.js';
import type { JobRepresentation } from '../core/job-json.js';
import type { scheduleRepresentation } from '../http/representations/schedule.js';
import type { JobTemplate, MissedRuns } from '../core/schedule.js';
import type { FlowFields, FlowJson } from '../core/flow.js';

export { ConnectionError } from './json-request.js';

export type ScheduleRepresentation = ReturnType<typeof scheduleRepresentation>;

/** The fields of POST /v1/schedules (PATCH takes any of them). */
export interface ScheduleRequest {
  name?: string | null;
  cron?: string;
  interval_seconds?: number;
  time_zone?: string;
  job?: JobTemplate;
  missed_runs?: MissedRuns;
  paused?: boolean;
}

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

/**
 * The W3C trace context of the caller's active OpenTelemetry span, if there is one: jobs created in it
 * keep it, and their handlers' spans continue the caller's trace.
 */
function activeTraceContext(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const c = span.spanContext();
  if (!isSpanContextValid(c)) return {};
  const state = c.traceState?.serialize();
  return {
    traceparent: `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
    ...(state !== undefined && state !== '' ? { tracestate: state } : {}),
  };
}

/** A small typed client for the native API, used by the CLI and the tests. */
export class JoblineClient {
  private readonly base: string;
  private readonly connections: Connections;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.connections = new Connections(this.base);
  }

  request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    return this.send(
      method,
      path,
      body !== undefined ? JSON.stringify(body) : undefined,
      body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
      signal,
    );
  }

  /** Sends `bytes` as the body as they are (with their Content-Type in `headers`); the answer is JSON. */
  upload<T>(method: string, path: string, bytes: Buffer, headers: Record<string, string>): Promise<T> {
    return this.send(method, path, bytes, headers);
  }

  private async send<T>(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> {
    const answer = await this.connections.request(
      method,
      path,
      { authorization: `Bearer ${this.token}`, accept: 'application/json', ...activeTraceContext(), ...headers },
      body,
      signal,
    );
    const parsed = answer.text === '' ? undefined : (JSON.parse(answer.text) as unknown);
    if (answer.status < 200 || answer.status > 299)
      throw new ApiError(answer.status, (parsed as ApiError['problem'] | undefined) ?? {});
    return parsed as T;
  }

  getJob(id: string): Promise<JobRepresentation> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  listJobs(
    query: { status?: string[]; type?: string; project_id?: string; page_size?: number; page_token?: string } = {},
  ): Promise<JobListPage> {
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
    return this.request(
      'POST',
      '/v1/jobs',
      job,
      idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {},
    );
  }

  /** Opens a Server-Sent Events stream (the caller reads the body). */
  stream(path: string, lastEventId: string | undefined, signal?: AbortSignal): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'text/event-stream',
        ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
      },
      ...(signal !== undefined ? { signal } : {}),
    });
  }

  cancelJob(id: string): Promise<JobRepresentation> {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  createSchedule(schedule: ScheduleRequest & { job: JobTemplate }): Promise<ScheduleRepresentation> {
    return this.request('POST', '/v1/schedules', schedule);
  }

  listSchedules(
    query: { page_size?: number; page_token?: string } = {},
  ): Promise<{ data: ScheduleRepresentation[]; next_page_token?: string }> {
    const params = new URLSearchParams();
    if (query.page_size !== undefined) params.set('page_size', String(query.page_size));
    if (query.page_token !== undefined) params.set('page_token', query.page_token);
    const qs = params.toString();
    return this.request('GET', `/v1/schedules${qs === '' ? '' : `?${qs}`}`);
  }

  getSchedule(id: string): Promise<ScheduleRepresentation> {
    return this.request('GET', `/v1/schedules/${encodeURIComponent(id)}`);
  }

  updateSchedule(id: string, change: ScheduleRequest): Promise<ScheduleRepresentation> {
    return this.request('PATCH', `/v1/schedules/${encodeURIComponent(id)}`, change);
  }

  /** Pauses (`pause`) or resumes (`resume`) a schedule. */
  scheduleAction(id: string, action: 'pause' | 'resume'): Promise<ScheduleRepresentation> {
    return this.request('POST', `/v1/schedules/${encodeURIComponent(id)}/${action}`);
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.request('DELETE', `/v1/schedules/${encodeURIComponent(id)}`);
  }

  /** The flow control that holds for a job type in the token's workspace (docs/flow-control.md). */
  getJobTypeFlow(type: string): Promise<FlowJson> {
    return this.request('GET', `/v1/job-types/${encodeURIComponent(type)}/flow`);
  }

  /** Sets the workspace's own flow control of a type, replacing the code's as a whole; a pause stays. */
  setJobTypeFlow(type: string, flow: FlowFields): Promise<FlowJson> {
    return this.request('PUT', `/v1/job-types/${encodeURIComponent(type)}/flow`, flow);
  }

  /** Removes the workspace's own flow control of a type (and a pause set with it); answers what holds now. */
  deleteJobTypeFlow(type: string): Promise<FlowJson> {
    return this.request('DELETE', `/v1/job-types/${encodeURIComponent(type)}/flow`);
  }

  /** Pauses (`pause`: no new claims, claimed jobs finish) or resumes (`resume`) a job type in the workspace. */
  jobTypeAction(type: string, action: 'pause' | 'resume'): Promise<FlowJson> {
    return this.request('POST', `/v1/job-types/${encodeURIComponent(type)}/${action}`);
  }
}

/** One event of a job's stream, as the API sends it. */
export type EventRepresentation = ReturnType<typeof eventRepresentation>;

/**
 * Follows a job's Server-Sent Events to its end, as an EventSource would: after a dropped connection
 * it reconnects with Last-Event-ID (so nothing is missed or repeated), and it stops after the
 * terminal event or when the server answers 204.
 */
export async function* followJob(
  client: JoblineClient,
  id: string,
  options: { signal?: AbortSignal; retryMs?: number } = {},
): AsyncGenerator<EventRepresentation> {
  let last: string | undefined;
  for (;;) {
    let response: Response;
    try {
      response = await client.stream(`/v1/jobs/${encodeURIComponent(id)}/events`, last, options.signal);
    } catch (error) {
      if (options.signal?.aborted === true) return;
      await new Promise((r) => setTimeout(r, options.retryMs ?? 1000));
      if (last === undefined) throw error;
      continue;
    }
    if (response.status === 204) return;
    if (!response.ok) {
      const text = await response.text();
      throw new ApiError(response.status, text === '' ? {} : (JSON.parse(text) as ApiError['problem']));
    }
    try {
      for await (const event of parseEventStream(response.body!)) {
        if (event.id !== undefined) last = event.id;
        const data = JSON.parse(event.data) as EventRepresentation;
        yield data;
        if (isTerminalEvent(data.type)) return;
      }
    } catch (error) {
      if (options.signal?.aborted === true) return;
      void error; // the connection dropped: reconnect below
    }
    await new Promise((r) => setTimeout(r, options.retryMs ?? 1000));
  }
}

async function* parseEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ id: string | undefined; event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { id, event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}
