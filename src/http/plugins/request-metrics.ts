import { Counter, type Metric, type Registry } from 'prom-client';

// The two per-request series of /metrics: requests by method, route and status, and their latency by
// method and route. prom-client's own `inc` and `observe` validate and hash the label object on every
// call, which on a cheap request (a poll answered from a rendered copy) costs a good share of its
// CPU. Here a request adds to plain numbers kept per route and method, and the series are built from
// them when /metrics is scraped, in the form prom-client gives them.

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The requests of one method on one route pattern. */
interface Series {
  readonly labels: { method: string; route: string };
  /** Requests by status code. */
  readonly statuses: Map<number, number>;
  /** Requests per latency bucket (not cumulative), the last one above every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** Records one answered request: its method, route pattern (or 'unmatched'), status and latency. */
export type RecordRequest = (method: string, route: string, status: number, seconds: number) => void;

/** Registers `jobline_http_requests_total` and `jobline_http_request_duration_seconds` in `registry`. */
export function requestMetrics(registry: Registry): RecordRequest {
  const byRoute = new Map<string, Map<string, Series>>();

  new Counter({
    name: 'jobline_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of allSeries(byRoute))
        for (const [status, n] of s.statuses) this.inc({ ...s.labels, status: String(status) }, n);
    },
  });

  // A histogram in the shape prom-client's Histogram reports (cumulative buckets, then +Inf, sum and
  // count per series), built from the counts above.
  const name = 'jobline_http_request_duration_seconds';
  const latency = {
    name,
    help: 'HTTP request latency by method and route pattern.',
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const s of allSeries(byRoute)) {
        let total = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          total += s.buckets[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { le, ...s.labels }, value: total });
        });
        values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      return Promise.resolve({ name, help: this.help, type: this.type, aggregator: this.aggregator, values });
    },
    reset() {
      byRoute.clear();
    },
  };
  // The registry reads a metric through get() alone; its type names only prom-client's own classes.
  registry.registerMetric(latency as unknown as Metric);

  return (method, route, status, seconds) => {
    let byMethod = byRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      byRoute.set(route, byMethod);
    }
    let s = byMethod.get(method);
    if (s === undefined) {
      s = { labels: { method, route }, statuses: new Map(), buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      s.buckets.push(0);
      byMethod.set(method, s);
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    s.buckets[i] = s.buckets[i]! + 1;
    s.sum += seconds;
    s.count++;
  };
}

function* allSeries(byRoute: Map<string, Map<string, Series>>): Iterable<Series> {
  for (const byMethod of byRoute.values()) yield* byMethod.values();
}
