// Summarizes a .cpuprofile: the functions with the most self time, and the inclusive time of frames
// whose name or file matches the optional patterns. `node bench/lib/profile-summary.mjs FILE [top] [pattern…]`
import { readFileSync } from 'node:fs';

const [file, topArg, ...patterns] = process.argv.slice(2);
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map();
for (const n of profile.nodes) self.set(n.id, 0);
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++)
  self.set(profile.samples[i], self.get(profile.samples[i]) + (deltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const label = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};
const bySelf = new Map();
for (const [id, t] of self) {
  const key = label(nodes.get(id));
  bySelf.set(key, (bySelf.get(key) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time:`);
for (const [k, t] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);

// Inclusive time per matching frame label: every sample counts once per label on its stack.
if (patterns.length > 0) {
  const inclusive = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const key = label(nodes.get(id));
      if (seen.has(key) || !patterns.some((p) => key.includes(p))) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + (deltas[i] ?? 0));
    }
  }
  console.log('\ninclusive time:');
  for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
}
