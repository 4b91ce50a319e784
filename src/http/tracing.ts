import { SpanKind, context, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import {
  activeTracer,
  inSpan,
  traceContextOf,
  validTraceContext,
  withRemoteParent,
  type TraceContext,
} from '../services/tracing.js';

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

/**
 * Runs `create` with the trace context the new jobs are to keep. With an OpenTelemetry SDK registered,
 * it runs inside a span of its own, a child of the active span (an HTTP instrumentation's) or else of
 * the request's `traceparent`, and the jobs keep that span's context, so their handlers' spans are its
 * children. Without one, the jobs keep the request's valid `traceparent` and `tracestate` as sent.
 */
export function creatingJobs<T>(
  request: FastifyRequest,
  name: string,
  create: (trace: TraceContext) => Promise<T>,
): Promise<T> {
  const sent: TraceContext = { traceparent: header(request, 'traceparent'), tracestate: header(request, 'tracestate') };
  const tracer = activeTracer();
  if (tracer === undefined) return create(sent.traceparent === undefined ? {} : validTraceContext(sent));
  const active = trace.getSpan(context.active()) !== undefined;
  const parent = active ? context.active() : withRemoteParent(context.active(), sent);
  return tracer.startActiveSpan(
    name,
    {
      kind: active ? SpanKind.INTERNAL : SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': request.routeOptions.url ?? '' },
    },
    parent,
    (span) => inSpan(span, () => create(traceContextOf(span))),
  );
}
