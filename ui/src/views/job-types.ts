import { api, get, type JobTypeFlow, type JobTypeInfo } from '../api.js';
import { announce, fill, h } from '../dom.js';
import type { ViewContext } from './view.js';

// The job types of the workspace with their flow control (docs/flow-control.md): limits are set
// through the API or by code; pausing and resuming a type are buttons here.

function limits(f: JobTypeFlow): string {
  const parts: string[] = [];
  if (f.concurrency !== null) parts.push(`${f.concurrency} at once`);
  if (f.key_concurrency !== null) parts.push(`${f.key_concurrency} per key`);
  if (f.rate_limit !== null)
    parts.push(
      `${f.rate_limit.limit} per ${f.rate_limit.interval_ms / 1000} s${f.rate_limit.per_key ? ' per key' : ''}`,
    );
  return parts.length === 0 ? 'none' : parts.join(', ');
}

export async function jobTypesView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'Job types · Jobline';
  const list = h('div', { class: 'table-wrap' });
  fill(root, h('h1', {}, 'Job types'), list);
  const render = async (): Promise<void> => {
    const { data } = await get<{ data: JobTypeInfo[] }>('/v1/job-types', ctx.signal);
    const toggle = async (t: JobTypeInfo): Promise<void> => {
      const action = t.flow.paused ? 'resume' : 'pause';
      try {
        await api('POST', `/v1/job-types/${encodeURIComponent(t.type)}/${action}`);
        announce(`${t.type} ${t.flow.paused ? 'resumed' : 'paused'}.`);
      } catch (error) {
        announce(error instanceof Error ? error.message : String(error));
      }
      await render();
    };
    fill(
      list,
      data.length === 0
        ? h('p', { class: 'empty' }, 'No job types yet.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Type', 'Input schema', 'Limits', 'Set by', 'State', ''].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              data.map((t) =>
                h(
                  'tr',
                  { 'data-type': t.type },
                  h('td', {}, h('code', {}, t.type)),
                  h('td', {}, t.source === 'code' ? 'code' : 'stored'),
                  h('td', {}, limits(t.flow)),
                  h('td', {}, t.flow.source ?? '—'),
                  h('td', {}, t.flow.paused ? 'paused' : 'active'),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: t.flow.paused ? 'primary' : 'danger',
                        'aria-label': `${t.flow.paused ? 'Resume' : 'Pause'} ${t.type}`,
                        onclick: () => void toggle(t),
                      },
                      t.flow.paused ? 'Resume' : 'Pause',
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  };
  await render();
}
