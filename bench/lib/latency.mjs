// A latency histogram that load-generator processes fill separately and the parent merges by adding
// counts: log-spaced buckets of about 1 % from 1 µs to about 1,000 s.
const STEP = Math.log(1.01);
export const LATENCY_BUCKETS = Math.ceil(Math.log(1e9) / STEP) + 1;

/** The bucket of a latency in microseconds. */
export const latencyBucket = (micros) =>
  Math.min(LATENCY_BUCKETS - 1, Math.max(0, Math.round(Math.log(Math.max(1, micros)) / STEP)));

/** Mean and percentiles, in milliseconds, of histograms added together. */
export function latencySummary(histograms) {
  const counts = new Array(LATENCY_BUCKETS).fill(0);
  for (const h of histograms) for (let i = 0; i < LATENCY_BUCKETS; i++) counts[i] += h[i];
  const total = counts.reduce((a, b) => a + b, 0);
  const value = (i) => Math.exp(i * STEP) / 1000;
  const q = (p) => {
    const rank = Math.ceil((p / 100) * total);
    let seen = 0;
    for (let i = 0; i < LATENCY_BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank && counts[i] > 0) return value(i);
    }
    return NaN;
  };
  let sum = 0;
  let max = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    sum += counts[i] * value(i);
    if (counts[i] > 0) max = value(i);
  }
  return { mean: sum / Math.max(1, total), p50: q(50), p90: q(90), p99: q(99), max };
}
