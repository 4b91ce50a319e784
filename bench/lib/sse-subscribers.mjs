// Child process of bench/sse.mjs: opens N Server-Sent Events connections to one job's stream and
// reports, for every progress event, how long after its recording it arrived. The event's message
// carries the wall-clock time (ms, fractional) at which the parent recorded it; both processes read
// the same system clock through performance.timeOrigin + performance.now().
import http from 'node:http';

const now = () => performance.timeOrigin + performance.now();

process.on('message', async (msg) => {
  if (msg.cmd !== 'connect') return;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const latencies = [];
  let ready = 0;
  const requests = [];
  for (let i = 0; i < msg.subscribers; i++) {
    const req = http.get(
      msg.url,
      { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${msg.token}` } },
      (res) => {
        let buffer = '';
        let counted = false;
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const at = now();
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            // As little work per event as possible: this process stands in for a thousand clients, and
            // time spent parsing one stream's event delays the next stream's measurement.
            if (block.includes('event: job.created')) {
              if (!counted) {
                counted = true;
                if (++ready === msg.subscribers) process.send({ cmd: 'ready' });
              }
            } else if (block.includes('event: job.progress')) {
              const m = /"message":"([0-9.]+)"/.exec(block);
              if (m === null) continue; // the warm-up event
              latencies.push(at - Number(m[1]));
              if (latencies.length === msg.subscribers * msg.events) process.send({ cmd: 'done', latencies });
            }
          }
        });
      },
    );
    req.on('error', (error) => process.send({ cmd: 'error', message: String(error) }));
    requests.push(req);
    // Opening a thousand connections at once overflows the listen backlog; pace them a little.
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
  }
});
