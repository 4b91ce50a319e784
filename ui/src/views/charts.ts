import { get, query, type Stats } from '../api.js';
import { errorBox, field, fill, h } from '../dom.js';
import { depthChart, finishedChart } from '../charts.js';
import { time } from '../format.js';
import type { ViewContext } from './view.js';

const REFRESH_MS = 30_000;

export async function chartsView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'Charts · Jobline';
  const typeSelect = h('select', { name: 'type' }, h('option', { value: '' }, 'All types, one chart each'));
  const body = h('div', { class: 'charts' });
  const stamp = h('p', { class: 'meta', 'aria-live': 'polite' });
  fill(
    root,
    h('h1', {}, 'Charts'),
    h('p', {}, 'Jobs finished and failed per minute, and jobs waiting in the queue, over the last hour.'),
    h('form', { class: 'filters', 'aria-label': 'Chart options' }, field('Job type', typeSelect)),
    stamp,
    body,
  );
  typeSelect.value = ctx.query.get('type') ?? '';

  const draw = async () => {
    const type = typeSelect.value;
    const stats = await get<Stats>(`/v1/stats${query({ type })}`, ctx.signal);
    if (typeSelect.options.length === 1 || type === '') {
      const names = stats.types.map((t) => t.type);
      fill(
        typeSelect,
        h('option', { value: '' }, 'All types, one chart each'),
        names.map((n) => h('option', { value: n }, n)),
      );
      typeSelect.value = type;
    }
    stamp.textContent = `From ${time(stats.since)} to ${time(stats.until)}; refreshed every 30 seconds.`;
    const sum = (key: 'succeeded' | 'failed' | 'queue_depth') =>
      stats.types.reduce((acc, t) => acc.map((v, i) => v + (t[key][i] ?? 0)), new Array<number>(60).fill(0));
    fill(
      body,
      stats.types.length === 0 ? h('p', { class: 'empty' }, 'No jobs finished or waited in the last hour.') : null,
      stats.types.length > 1
        ? h(
            'section',
            { class: 'chart-group', 'aria-label': 'All types' },
            h('h2', {}, 'All types'),
            finishedChart('Finished per minute', sum('succeeded'), sum('failed')),
            depthChart('Queue depth', sum('queue_depth')),
          )
        : null,
      stats.types.map((t) =>
        h(
          'section',
          { class: 'chart-group', 'aria-label': t.type },
          h('h2', {}, t.type),
          finishedChart(`${t.type}: finished per minute`, t.succeeded, t.failed),
          depthChart(`${t.type}: queue depth`, t.queue_depth),
        ),
      ),
    );
  };
  typeSelect.addEventListener('change', () => {
    history.replaceState(null, '', `#/charts${query({ type: typeSelect.value })}`);
    void draw().catch((error: unknown) => fill(body, errorBox(error)));
  });
  const timer = setInterval(() => void draw().catch(() => undefined), REFRESH_MS);
  ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  await draw();
}
