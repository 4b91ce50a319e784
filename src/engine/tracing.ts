import { SpanKind } from '@opentelemetry/api';
import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import { activeTracer, inSpan, jobTraceContext } from '../services/tracing.js';

/**
 * Runs a job's handler inside a span that continues the trace the job was created in, when an
 * OpenTelemetry SDK is registered; otherwise just runs it.
 */
export function traced<T>(services: Services, job: ClaimedJob, run: () => T | Promise<T>): T | Promise<T> {
  const tracer = activeTracer();
  if (tracer === undefined) return run();
  return jobTraceContext(services, job.id).then((parent) =>
    tracer.startActiveSpan(
      `run ${job.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'jobline.job.id': job.id,
          'jobline.job.type': job.type,
          'jobline.job.attempt': job.attempts,
          'messaging.system': 'jobline',
          'messaging.operation.type': 'process',
          'messaging.message.id': job.id,
        },
      },
      parent,
      (span) => inSpan(span, async () => run()),
    ),
  );
}
