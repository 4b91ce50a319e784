import { get, query, type Job, type JobEvent, type JobStatus, type Page, type Project, type Stats } from '../api.js';
import { announce, errorBox, field, fill, h } from '../dom.js';
import { followStream } from '../event-stream.js';
import { timeElement } from '../format.js';
import { STATUSES, jobTitle, liveIndicator, progressBar, setProgress, statusBadge } from '../widgets.js';
import type { ViewContext } from './view.js';

interface Filters {
  status: string;
  type: string;
  project: string;
  q: string;
  sort: 'created' | 'updated';
}

const PAGE_SIZE = 25;

export async function jobsView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const f: Filters = {
    status: ctx.query.get('status') ?? '',
    type: ctx.query.get('type') ?? '',
    project: ctx.query.get('project') ?? '',
    q: ctx.query.get('q') ?? '',
    sort: ctx.query.get('sort') === 'updated' ? 'updated' : 'created',
  };
  const live = liveIndicator();
  const counts = h('ul', { class: 'counts', 'aria-label': 'Counts per status' });
  const statusSelect = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'Any'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const typeInput = h('input', {
    name: 'type',
    type: 'text',
    list: 'job-types',
    autocomplete: 'off',
    placeholder: 'any',
    pattern: '[A-Za-z0-9_.:\\-]+',
  });
  const typeList = h('datalist', { id: 'job-types' });
  const projectSelect = h('select', { name: 'project' }, h('option', { value: '' }, 'Any'));
  const search = h('input', { name: 'q', type: 'search', autocomplete: 'off', placeholder: 'Name contains…' });
  const sortSelect = h(
    'select',
    { name: 'sort' },
    h('option', { value: 'created' }, 'Created, newest first'),
    h('option', { value: 'updated' }, 'Updated, latest first'),
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    field('Status', statusSelect),
    field('Type', typeInput),
    typeList,
    field('Project', projectSelect),
    field('Name', search),
    field('Sort', sortSelect),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const table = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  fill(root, h('div', { class: 'title-row' }, h('h1', {}, 'Jobs'), live.el), counts, form, table, pager);

  statusSelect.value = f.status;
  typeInput.value = f.type;
  search.value = f.q;
  sortSelect.value = f.sort;

  const projects = new Map<string, Project>();
  void get<Page<Project>>('/v1/projects?page_size=100', ctx.signal)
    .then((page) => {
      for (const p of page.data) {
        projects.set(p.id, p);
        projectSelect.append(h('option', { value: p.id }, p.name));
      }
      projectSelect.value = f.project;
      for (const cell of table.querySelectorAll<HTMLElement>('[data-project]'))
        cell.textContent = projects.get(cell.dataset.project!)?.name ?? '—';
    })
    .catch(() => undefined);

  let tokens: (string | undefined)[] = [undefined];
  let rows = new Map<string, { job: Job; row: HTMLTableRowElement }>();
  let countValues: Partial<Record<JobStatus, number>> = {};
  let feed: AbortController | undefined;
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;

  const renderCounts = () =>
    fill(
      counts,
      STATUSES.map((s) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `count status-${s}`,
              'aria-pressed': String(f.status === s),
              onclick: () => ((f.status = f.status === s ? '' : s), (statusSelect.value = f.status), void apply()),
            },
            h('span', { class: 'n' }, String(countValues[s] ?? 0)),
            ' ',
            s,
          ),
        ),
      ),
    );

  const renderRow = (job: Job): HTMLTableRowElement =>
    h(
      'tr',
      { 'data-id': job.id, 'data-status': job.status },
      h('td', { class: 'num' }, String(job.number)),
      h('td', {}, h('a', { href: `#/jobs/${job.id}` }, jobTitle(job))),
      h('td', { class: 'opt' }, job.type),
      h('td', { class: 'status' }, statusBadge(job.status)),
      h('td', { class: 'progress' }, progressBar(job)),
      h(
        'td',
        { class: 'opt', 'data-project': job.project_id ?? '' },
        job.project_id === null ? '—' : (projects.get(job.project_id)?.name ?? '…'),
      ),
      h('td', { class: 'opt' }, timeElement(job.created_at)),
      h('td', { class: 'updated' }, timeElement(job.updated_at)),
    );

  const loadPage = async () => {
    const token = tokens.at(-1);
    const page = await get<Page<Job>>(
      `/v1/jobs${query({ status: f.status, type: f.type, project_id: f.project, q: f.q, order_by: f.sort === 'updated' ? 'updated_at' : undefined, page_size: PAGE_SIZE, page_token: token })}`,
      ctx.signal,
    );
    const jobs = page.data;
    rows = new Map(jobs.map((job) => [job.id, { job, row: renderRow(job) }]));
    fill(
      table,
      jobs.length === 0
        ? h('p', { class: 'empty' }, 'No jobs match these filters.')
        : h(
            'table',
            { class: 'jobs' },
            h('caption', { class: 'visually-hidden' }, `Jobs, page ${tokens.length}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', 'Name', 'Type', 'Status', 'Progress', 'Project', 'Created', 'Updated'].map((c, i) =>
                  h('th', { scope: 'col', class: [2, 5, 6].includes(i) ? 'opt' : i === 7 ? 'updated' : null }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              [...rows.values()].map((r) => r.row),
            ),
          ),
    );
    fill(
      pager,
      h(
        'button',
        {
          type: 'button',
          disabled: tokens.length === 1,
          onclick: () => ((tokens = tokens.slice(0, -1)), void loadPage().catch(showError)),
        },
        'Previous page',
      ),
      h('span', {}, `Page ${tokens.length}`),
      h(
        'button',
        {
          type: 'button',
          disabled: page.next_page_token === undefined,
          onclick: () => (tokens.push(page.next_page_token), void loadPage().catch(showError)),
        },
        'Next page',
      ),
    );
    announce(`${jobs.length} jobs shown, page ${tokens.length}.`);
  };
  const showError = (error: unknown) => {
    if (!ctx.signal.aborted) fill(table, errorBox(error));
  };

  // A job's events move the table and the counts directly; only a new job on the first page reloads it.
  const onEvent = (e: JobEvent) => {
    const status = e.data.status as JobStatus | undefined;
    const previous = e.data.previous_status as JobStatus | undefined;
    if (e.type === 'job.created' && status !== undefined) countValues[status] = (countValues[status] ?? 0) + 1;
    else if (status !== undefined && previous !== undefined && status !== previous) {
      countValues[previous] = Math.max(0, (countValues[previous] ?? 0) - 1);
      countValues[status] = (countValues[status] ?? 0) + 1;
    }
    renderCounts();
    const shown = rows.get(e.job_id);
    if (shown !== undefined) {
      if (status !== undefined) shown.job.status = status;
      if (typeof e.data.progress === 'number') shown.job.progress = e.data.progress;
      shown.job.updated_at = e.created_at;
      shown.row.dataset.status = shown.job.status;
      fill(shown.row.querySelector('td.status')!, statusBadge(shown.job.status));
      setProgress(shown.row.querySelector('progress')!, shown.job);
      fill(shown.row.querySelector('td.updated')!, timeElement(shown.job.updated_at));
    } else if (e.type === 'job.created' && tokens.length === 1) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => void loadPage().catch(showError), 500);
    }
  };

  const apply = async () => {
    f.status = statusSelect.value;
    f.type = typeInput.value.trim();
    f.project = projectSelect.value;
    f.q = search.value.trim();
    f.sort = sortSelect.value === 'updated' ? 'updated' : 'created';
    history.replaceState(
      null,
      '',
      `#/jobs${query({ status: f.status, type: f.type, project: f.project, q: f.q, sort: f.sort === 'updated' ? 'updated' : undefined })}`,
    );
    tokens = [undefined];
    feed?.abort();
    feed = new AbortController();
    const stop = feed;
    ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
    try {
      const [stats] = await Promise.all([
        get<Stats>(`/v1/stats${query({ project_id: f.project, type: f.type })}`, ctx.signal),
        loadPage(),
      ]);
      countValues = { ...stats.counts };
      renderCounts();
      fill(
        typeList,
        stats.types.map((t) => h('option', { value: t.type })),
      );
      live.set('connecting');
      void followStream(`/v1/events${query({ project_id: f.project, type: f.type })}`, {
        signal: stop.signal,
        lastEventId: stats.events_cursor,
        onEvent: (event) => onEvent(JSON.parse(event.data) as JobEvent),
        onState: (state) => live.set(state),
      });
    } catch (error) {
      showError(error);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void apply();
  });
  for (const control of [statusSelect, projectSelect, sortSelect])
    control.addEventListener('change', () => void apply());
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void apply(), 350);
  });
  ctx.signal.addEventListener('abort', () => (clearTimeout(typing), clearTimeout(reloadTimer)), { once: true });
  await apply();
}
