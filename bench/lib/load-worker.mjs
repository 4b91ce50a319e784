// The load generator, run as a child process so that autocannon and the server under test do not share
// an event loop (on a 2-core machine each gets roughly one core). The parent sends one job at a time:
// { id, url, connections, duration, warmup, headers, paths } and gets back the autocannon figures plus
// this process's CPU use during the measured part.
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

function options(job, duration) {
  const { paths } = job;
  return {
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    duration,
    headers: job.headers,
    // A random id per request; every request is rebuilt, which costs the client the same for any target.
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[Math.floor(Math.random() * paths.length)] }) }],
  };
}

// Without a parent there is nobody to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', async (job) => {
  try {
    if (job.warmup > 0) await autocannon(options(job, job.warmup));
    // autocannon's own latency histogram keeps whole milliseconds; this one keeps microseconds.
    const micros = createHistogram();
    process.send({ id: job.id, measuring: true }); // the parent starts its CPU clock
    const cpu = process.cpuUsage();
    const start = performance.now();
    const r = await new Promise((resolve, reject) => {
      const tracker = autocannon(options(job, job.duration), (err, res) => (err ? reject(err) : resolve(res)));
      tracker.on('response', (_client, _status, _bytes, responseTime) =>
        micros.record(Math.max(1, Math.round(responseTime * 1000))),
      );
    });
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const q = (p) => micros.percentile(p) / 1000;
    process.send({
      id: job.id,
      result: {
        requests: r.requests.total,
        rps: r.requests.total / (wall / 1000),
        rpsMean: r.requests.average,
        latency: { mean: micros.mean / 1000, p50: q(50), p90: q(90), p99: q(99), max: micros.max / 1000 },
        bytesPerResponse: r.throughput.total / Math.max(1, r.requests.total),
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        clientCpu: (used.user + used.system) / 1000 / wall,
        wallMs: wall,
      },
    });
  } catch (error) {
    process.send({ id: job.id, error: String(error?.stack ?? error) });
  }
});
