import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanStatusCode,
  createTraceState,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { findTraceContext } from '../store/jobs.js';
import type { Services } from './context.js';

// OpenTelemetry through its API package only: spans go wherever the application's SDK sends them, and
// with no SDK registered nothing is done at all (not even the API's no-op spans), so tracing that is
// off costs a check per job. A job keeps the W3C trace context it was created in (its `traceparent`
// and `tracestate`), so the worker that runs it, in any process and however much later, continues
// the trace of the request that created it.

/** A W3C trace context as sent in the `traceparent` and `tracestate` headers. */
export interface TraceContext {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

// version 00: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>; later versions may add fields.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const TRACESTATE_MAX = 512;

/** The tracer of Jobline's spans, when an SDK is registered; undefined otherwise. */
export function activeTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) return provider.getDelegateTracer('jobline');
  return provider.getTracer('jobline');
}

/** The span context a valid `traceparent` names, or undefined (an invalid one is ignored, as W3C asks). */
export function parseTraceContext(c: TraceContext): SpanContext | undefined {
  const m = c.traceparent === undefined ? null : TRACEPARENT.exec(c.traceparent);
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: parseInt(flags!, 16) & 1,
    isRemote: true,
    ...(c.tracestate !== undefined && c.tracestate.length <= TRACESTATE_MAX
      ? { traceState: createTraceState(c.tracestate) }
      : {}),
  };
}

/** The context to keep with a job: the headers' when valid (a tracestate only with its traceparent). */
export function validTraceContext(c: TraceContext): TraceContext {
  if (parseTraceContext(c) === undefined) return {};
  return {
    traceparent: c.traceparent,
    ...(c.tracestate !== undefined && c.tracestate.length <= TRACESTATE_MAX ? { tracestate: c.tracestate } : {}),
  };
}

/** The `traceparent` and `tracestate` of a span, to store or send on. */
export function traceContextOf(span: Span): TraceContext {
  const s = span.spanContext();
  const traceState = s.traceState?.serialize();
  return {
    traceparent: `00-${s.traceId}-${s.spanId}-${(s.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
    ...(traceState !== undefined && traceState !== '' ? { tracestate: traceState } : {}),
  };
}

/** `context` with the remote span a stored trace context names as its parent (or `context` itself). */
export function withRemoteParent(context: Context, c: TraceContext): Context {
  const parent = parseTraceContext(c);
  return parent === undefined ? context : trace.setSpanContext(context, parent);
}

/** Runs `fn` in `span`, ending it with the outcome: an error is recorded and marks the span failed. */
export async function inSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/** The trace context a job was created in (read only while tracing is on). */
export async function jobTraceContext(services: Services, jobId: string): Promise<Context> {
  return withRemoteParent(ROOT_CONTEXT, await findTraceContext(services.store.db, jobId));
}
