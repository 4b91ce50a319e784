// A webhook receiver in its own process (so it does not share the sender's event loop): answers 200
// to every POST and tells the parent when it has received the number of requests it was told to expect.
import { createServer } from 'node:http';

let count = 0;
let target = Infinity;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    count++;
    if (count === target) process.send({ done: count });
  });
});
server.keepAliveTimeout = 30_000;
process.on('message', (msg) => {
  if (msg.expect !== undefined) {
    count = 0;
    target = msg.expect;
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
