import { h, svg } from './dom.js';

// Inline SVG charts, drawn from numbers only (no library): per-minute bars and a line. Each chart
// carries a text summary for screen readers, and its numbers in a <title> per bar for pointer users.

const W = 600;
const H = 140;
const PAD = { left: 36, right: 8, top: 10, bottom: 20 };

function scale(max: number): { top: number; y: (v: number) => number } {
  const top = Math.max(1, niceCeil(max));
  const inner = H - PAD.top - PAD.bottom;
  return { top, y: (v: number) => PAD.top + inner - (v / top) * inner };
}

function niceCeil(n: number): number {
  if (n <= 5) return Math.ceil(n);
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / magnitude) * magnitude;
}

function axes(top: number, minutes: number, y: (v: number) => number): SVGElement[] {
  return [
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(top), y2: y(top), class: 'grid-line' }),
    svg('text', { x: PAD.left - 4, y: y(top) + 4, 'text-anchor': 'end', class: 'tick' }, String(top)),
    svg('text', { x: PAD.left - 4, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: PAD.left, y: H - 4, class: 'tick' }, `−${minutes} min`),
    svg('text', { x: W - PAD.right, y: H - 4, 'text-anchor': 'end', class: 'tick' }, 'now'),
  ];
}

/** Stacked bars per minute: succeeded below, failed on top. */
export function finishedChart(title: string, succeeded: number[], failed: number[]): HTMLElement {
  const n = succeeded.length;
  const { top, y } = scale(Math.max(0, ...succeeded.map((s, i) => s + (failed[i] ?? 0))));
  const step = (W - PAD.left - PAD.right) / n;
  const bars: SVGElement[] = [];
  for (let i = 0; i < n; i++) {
    const s = succeeded[i] ?? 0;
    const f = failed[i] ?? 0;
    if (s + f === 0) continue;
    const x = PAD.left + i * step + 1;
    const label = `${n - i - 1 === 0 ? 'this minute' : `${n - i - 1} min ago`}: ${s} succeeded, ${f} failed`;
    bars.push(
      svg(
        'g',
        {},
        svg('title', {}, label),
        s > 0 ? svg('rect', { x, width: step - 2, y: y(s), height: y(0) - y(s), class: 'bar-succeeded' }) : null,
        f > 0 ? svg('rect', { x, width: step - 2, y: y(s + f), height: y(s) - y(s + f), class: 'bar-failed' }) : null,
      ),
    );
  }
  const total = (a: number[]) => a.reduce((x, v) => x + v, 0);
  const summary = `${title}: ${total(succeeded)} succeeded and ${total(failed)} failed in the last ${n} minutes.`;
  return figure(
    title,
    summary,
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary, class: 'chart' }, axes(top, n, y), bars),
    [
      ['legend-succeeded', 'succeeded'],
      ['legend-failed', 'failed'],
    ],
  );
}

/** A line of the queue's depth at the end of each minute. */
export function depthChart(title: string, depth: number[]): HTMLElement {
  const n = depth.length;
  const { top, y } = scale(Math.max(0, ...depth));
  const step = (W - PAD.left - PAD.right) / Math.max(1, n - 1);
  const points = depth.map((v, i) => `${(PAD.left + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const summary = `${title}: ${depth.at(-1) ?? 0} waiting now, at most ${Math.max(0, ...depth)} in the last ${n} minutes.`;
  return figure(
    title,
    summary,
    svg(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary, class: 'chart' },
      axes(top, n, y),
      svg('polyline', { points, class: 'line-depth' }),
    ),
    [['legend-depth', 'waiting']],
  );
}

function figure(title: string, summary: string, chart: SVGElement, legend: [string, string][]): HTMLElement {
  return h(
    'figure',
    { class: 'chart-figure' },
    h(
      'figcaption',
      {},
      h('span', { class: 'chart-title' }, title),
      ' ',
      legend.map(([cls, text]) => h('span', { class: `legend ${cls}` }, text)),
    ),
    chart,
    h('p', { class: 'visually-hidden' }, summary),
  );
}
