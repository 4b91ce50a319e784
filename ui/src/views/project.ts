import { get, query, type Job, type Page, type Project } from '../api.js';
import { fill, h } from '../dom.js';
import { timeElement } from '../format.js';
import { jobTitle, statusBadge } from '../widgets.js';
import type { ViewContext } from './view.js';

const MAX_JOBS = 500;

/** The language a job produces, when its input says so (translation work). */
function language(job: Job): string | undefined {
  for (const key of ['target_language', 'targetLanguage', 'language']) {
    const value = job.input[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export async function projectView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const id = ctx.params[0]!;
  const project = await get<Project>(`/v1/projects/${id}`, ctx.signal);
  document.title = `${project.name} · Jobline`;
  const jobs: Job[] = [];
  let token: string | undefined;
  do {
    const page = await get<Page<Job>>(
      `/v1/projects/${id}/jobs${query({ page_size: 100, page_token: token })}`,
      ctx.signal,
    );
    jobs.push(...page.data);
    token = page.next_page_token;
  } while (token !== undefined && jobs.length < MAX_JOBS);

  const steps = Array.isArray(project.workflow_steps) ? (project.workflow_steps as string[]) : [];
  const stepName = (job: Job) => {
    const level = job.people?.workflow_level ?? null;
    if (level !== null) return steps[level - 1] ?? `step ${level}`;
    const step = job.input.workflow_step ?? job.input.step;
    return typeof step === 'string' ? step : undefined;
  };
  const gridable = jobs.filter((j) => language(j) !== undefined && stepName(j) !== undefined);
  fill(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, '← Projects')),
    h('h1', {}, project.name),
    project.description !== null ? h('p', {}, project.description) : null,
    h(
      'p',
      { class: 'meta' },
      `Project #${project.number} · ${project.state} · created `,
      timeElement(project.created_at),
      ' · ',
      h('a', { href: `#/jobs${query({ project: project.id })}` }, 'Filter the jobs table'),
    ),
    gridable.length > 0 ? grid(gridable, steps, stepName) : null,
    h('h2', {}, gridable.length > 0 ? 'All jobs' : 'Jobs'),
    jobs.length === 0
      ? h('p', { class: 'empty' }, 'No jobs in this project yet.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', 'Name', 'Type', 'Status', 'Updated'].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              jobs.map((j) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, String(j.number)),
                  h('td', {}, h('a', { href: `#/jobs/${j.id}` }, jobTitle(j))),
                  h('td', {}, j.type),
                  h('td', {}, statusBadge(j.status)),
                  h('td', {}, timeElement(j.updated_at)),
                ),
              ),
            ),
          ),
        ),
    jobs.length >= MAX_JOBS ? h('p', { class: 'hint' }, `Showing the newest ${MAX_JOBS} jobs.`) : null,
  );
}

/** Languages down, workflow steps across; each cell links to its job and shows its status. */
function grid(jobs: Job[], steps: string[], stepName: (j: Job) => string | undefined): HTMLElement {
  const languages = [...new Set(jobs.map((j) => language(j)!))].sort();
  const columns = [...steps, ...new Set(jobs.map((j) => stepName(j)!).filter((s) => !steps.includes(s)))];
  const cell = new Map<string, Job>();
  // Jobs come newest first: the newest job of a cell wins.
  for (const j of [...jobs].reverse()) cell.set(`${language(j)}\u0000${stepName(j)}`, j);
  return h(
    'section',
    { 'aria-labelledby': 'grid-title' },
    h('h2', { id: 'grid-title' }, 'Languages × workflow steps'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Language'),
            columns.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          languages.map((lang) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, lang),
              columns.map((step) => {
                const j = cell.get(`${lang}\u0000${step}`);
                return h(
                  'td',
                  {},
                  j === undefined
                    ? '—'
                    : h(
                        'a',
                        { href: `#/jobs/${j.id}`, 'aria-label': `${lang}, ${step}: ${j.status}` },
                        statusBadge(j.status),
                      ),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
}
