import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JoblineClient } from '../../src/client/client.js';
import { defineJob } from '../../src/engine/define-job.js';
import { testApp, type TestApp } from '../support/app.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';

// The application registers an OpenTelemetry SDK (here with an in-memory exporter); Jobline emits its
// spans through the API package into it.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncHooksContextManager();

const seen: { jobId: string; traceId: string | undefined }[] = [];
const traced = defineJob({
  type: 'traced',
  run(ctx) {
    // The handler runs inside the job's span: its own spans and outgoing calls join the trace.
    seen.push({ jobId: ctx.jobId, traceId: trace.getActiveSpan()?.spanContext().traceId });
    return {};
  },
});

describe.each(DIALECTS)('OpenTelemetry tracing on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  let t: TestApp | undefined;
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    exporter.reset();
  });

  it.skipIf(skip)("runs the handler in a span that is a child of the request's span", async () => {
    t = await testApp(dialect, { worker: true, definitions: [traced] });
    const client = trace.getTracer('test').startSpan('client call', { kind: SpanKind.CLIENT });
    const c = client.spanContext();
    const created = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      headers: { traceparent: `00-${c.traceId}-${c.spanId}-01`, tracestate: 'vendor=value' },
      payload: { type: 'traced' },
    });
    expect(created.statusCode).toBe(201);
    const job = created.json();
    await t.finished(job.id);
    client.end();

    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'create job')!;
    const handler = spans.find((s) => s.name === 'run traced')!;
    expect(request.parentSpanContext?.spanId).toBe(c.spanId);
    expect(request.spanContext().traceId).toBe(c.traceId);
    expect(handler.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(handler.spanContext().traceId).toBe(c.traceId);
    expect(handler.spanContext().traceState?.get('vendor')).toBe('value');
    expect(handler.kind).toBe(SpanKind.CONSUMER);
    expect(handler.attributes).toMatchObject({
      'jobline.job.id': job.id,
      'jobline.job.type': 'traced',
      'jobline.job.attempt': 1,
    });
    expect(seen.find((s) => s.jobId === job.id)?.traceId).toBe(c.traceId);
  });

  it.skipIf(skip)("continues the TypeScript client's active span, and starts no trace without one", async () => {
    t = await testApp(dialect, { worker: true, definitions: [traced] });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const api = new JoblineClient(url, t.admin);
    const [job, outer] = await trace.getTracer('test').startActiveSpan('checkout', async (span) => {
      const created = await api.createJob({ type: 'traced' });
      span.end();
      return [created, span.spanContext()] as const;
    });
    await t.finished(job.id);
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'create job' && s.spanContext().traceId === outer.traceId)!;
    expect(request.parentSpanContext?.spanId).toBe(outer.spanId);
    const handler = spans.find((s) => s.name === 'run traced' && s.attributes['jobline.job.id'] === job.id)!;
    expect(handler.parentSpanContext?.spanId).toBe(request.spanContext().spanId);

    // A job created outside any trace gets a trace of its own, started by the request's span.
    exporter.reset();
    const plain = await api.createJob({ type: 'traced' });
    await t.finished(plain.id);
    const own = exporter.getFinishedSpans();
    const root = own.find((s) => s.name === 'create job')!;
    expect(root.parentSpanContext).toBeUndefined();
    const run = own.find((s) => s.name === 'run traced')!;
    expect(run.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  });
});

describe.each(DIALECTS)('without an OpenTelemetry SDK on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  it.skipIf(skip)('keeps a valid traceparent and tracestate with the job, and ignores an invalid one', async () => {
    const t = await testApp(dialect);
    try {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const a = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          headers: { traceparent, tracestate: 'congo=t61rcWkgMzE' },
          payload: { type: 'plain' },
        })
      ).json();
      const b = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          headers: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
          payload: { type: 'plain' },
        })
      ).json();
      const rows = await t.services.store.db
        .selectFrom('jobs')
        .select(['id', 'traceparent', 'tracestate'])
        .where('id', 'in', [a.id, b.id])
        .execute();
      expect(rows.find((r) => r.id === a.id)).toMatchObject({ traceparent, tracestate: 'congo=t61rcWkgMzE' });
      expect(rows.find((r) => r.id === b.id)).toMatchObject({ traceparent: null, tracestate: null });
    } finally {
      await t.close();
    }
  });
});
