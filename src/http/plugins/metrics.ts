import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES } from '../../core/lifecycle.js';
import { countJobsByStatus } from '../../store/jobs.js';
import type { Store } from '../../store/store.js';
import type { RenderedJobs } from '../rendered-jobs.js';
import { requestMetrics } from './request-metrics.js';

/** Records one answered request; the request hooks (see request-hooks.ts) call it as the response ends. */
export type ObserveResponse = (request: FastifyRequest, reply: FastifyReply) => void;

/** Prometheus metrics at GET /metrics: requests by route and status, latency, jobs by status. */
export function installMetrics(
  app: FastifyInstance,
  store: Store,
  options: { processMetrics: boolean; rendered: RenderedJobs },
): ObserveResponse {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'jobline_' });
  const recordRequest = requestMetrics(registry);
  new Gauge({
    name: 'jobline_jobs',
    help: 'Jobs by status, across all workspaces.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      // During a database outage a scrape still reports the HTTP series; the job counts go missing
      // rather than stale (alert on absent(jobline_jobs)), instead of the whole scrape failing with a 500.
      let counts: Record<string, number>;
      try {
        counts = await countJobsByStatus(store.db);
      } catch (error) {
        app.log.warn({ err: error }, 'metrics: counting jobs failed');
        this.reset();
        return;
      }
      for (const status of JOB_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });

  const { rendered } = options;
  new Counter({
    name: 'jobline_rendered_job_reads_total',
    help: 'GET /v1/jobs/{id} in compact JSON: answered from a rendered copy of the current version (hit), or read and rendered (miss).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, rendered.hits);
      this.inc({ result: 'miss' }, rendered.misses);
    },
  });
  new Gauge({
    name: 'jobline_rendered_job_bytes',
    help: 'Memory held by rendered copies of jobs (JOBLINE_JOB_CACHE_MB bounds it).',
    registers: [registry],
    collect() {
      this.set(rendered.bytes);
    },
  });

  // Prometheus text whatever the Accept header says (scrapers send openmetrics-text or text/plain).
  app.get('/metrics', { config: { negotiate: false }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  return (request, reply) => {
    // The route pattern, never the raw URL: ids in label values would grow the series without bound.
    recordRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  };
}
