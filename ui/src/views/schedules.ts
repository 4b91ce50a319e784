import { get, type Page, type Schedule } from '../api.js';
import { fill, h } from '../dom.js';
import { timeElement } from '../format.js';
import type { ViewContext } from './view.js';

// Read only: schedules are created and changed through the API and `jobline schedules`.

export async function schedulesView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'Schedules · Jobline';
  const list = h('div', { class: 'table-wrap' });
  fill(root, h('h1', {}, 'Schedules'), list);
  const page = await get<Page<Schedule>>('/v1/schedules?page_size=100', ctx.signal);
  fill(
    list,
    page.data.length === 0
      ? h('p', { class: 'empty' }, 'No schedules yet.')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Name', 'When', 'Time zone', 'Job type', 'State', 'Next run', 'Last run', 'Last job'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            page.data.map((s) =>
              h(
                'tr',
                { 'data-id': s.id },
                h('td', {}, s.name ?? '—'),
                h('td', {}, h('code', {}, s.cron ?? `every ${s.interval_seconds} s`)),
                h('td', {}, s.time_zone),
                h('td', {}, s.job.type),
                h('td', {}, s.paused ? 'paused' : 'active'),
                h('td', {}, timeElement(s.next_run_at)),
                h('td', {}, timeElement(s.last_run_at)),
                h(
                  'td',
                  {},
                  s.last_job_id === null ? '—' : h('a', { href: `#/jobs/${s.last_job_id}` }, 'open'),
                  s.last_error === null ? null : h('p', { class: 'error' }, s.last_error),
                ),
              ),
            ),
          ),
        ),
  );
}
