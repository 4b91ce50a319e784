// One load-generator process, run as a child so that autocannon and the server under test do not share
// an event loop; the parent may run several (see startLoadGenerator) and splits the connections among
// them. The parent sends one job at a time: { id, url, connections, duration, warmup, headers, paths }
// and gets back the request count, a latency histogram it can merge with the other processes' and this
// process's CPU use during the measured part.
import autocannon from 'autocannon';
import { LATENCY_BUCKETS, latencyBucket } from './latency.mjs';

// Requests each connection cycles through. autocannon rebuilds a request that has a setupRequest
// function before every send, which cost the generator about as much CPU per request as the bare route
// costs the server; requests without one are built once per connection. Each connection draws its own
// sample of the paths, so connections do not ask for the same job in step.
const PATHS_PER_CONNECTION = 256;

function options(job, duration) {
  const { paths } = job;
  return {
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    duration,
    headers: job.headers,
    setupClient: (client) => {
      const sample = [];
      for (let i = 0; i < Math.min(PATHS_PER_CONNECTION, paths.length); i++)
        sample.push({ method: 'GET', path: paths[Math.floor(Math.random() * paths.length)] });
      client.setRequests(sample);
    },
  };
}

// Without a parent there is nobody to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', async (job) => {
  try {
    if (job.warmup > 0) await autocannon(options(job, job.warmup));
    // autocannon's own latency histogram keeps whole milliseconds; this one keeps about 1 % steps and
    // merges across processes by adding counts.
    const buckets = new Array(LATENCY_BUCKETS).fill(0);
    process.send({ id: job.id, measuring: true }); // the parent starts its CPU clock
    const cpu = process.cpuUsage();
    const start = performance.now();
    const r = await new Promise((resolve, reject) => {
      const tracker = autocannon(options(job, job.duration), (err, res) => (err ? reject(err) : resolve(res)));
      tracker.on('response', (_client, _status, _bytes, responseTime) => buckets[latencyBucket(responseTime * 1000)]++);
    });
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    process.send({
      id: job.id,
      result: {
        requests: r.requests.total,
        bytes: r.throughput.total,
        buckets,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        cpuMs: (used.user + used.system) / 1000,
        wallMs: wall,
      },
    });
  } catch (error) {
    process.send({ id: job.id, error: String(error?.stack ?? error) });
  }
});
