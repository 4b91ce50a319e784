import { get, post, type Page, type Project } from '../api.js';
import { announce, errorBox, field, fill, h } from '../dom.js';
import { timeElement } from '../format.js';
import type { ViewContext } from './view.js';

export async function projectsView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'Projects · Jobline';
  const list = h('div', { class: 'table-wrap' });
  const name = h('input', { name: 'name', type: 'text', required: true, maxlength: 200 });
  const description = h('input', { name: 'description', type: 'text', maxlength: 5000 });
  const steps = h('input', { name: 'workflow_steps', type: 'text', placeholder: 'translation, revision' });
  const message = h('div', {});
  const form = h(
    'form',
    { class: 'inline-form', 'aria-labelledby': 'new-project' },
    h('h2', { id: 'new-project' }, 'New project'),
    field('Name', name),
    field('Description', description),
    field('Workflow steps', steps, 'Comma-separated, in order (optional).'),
    h('button', { type: 'submit', class: 'primary' }, 'Create project'),
    message,
  );
  fill(root, h('h1', {}, 'Projects'), list, form);

  const load = async () => {
    const page = await get<Page<Project>>('/v1/projects?page_size=100', ctx.signal);
    fill(
      list,
      page.data.length === 0
        ? h('p', { class: 'empty' }, 'No projects yet.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', 'Name', 'Workflow', 'State', 'Created'].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              page.data.map((p) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, String(p.number)),
                  h('td', {}, h('a', { href: `#/projects/${p.id}` }, p.name)),
                  h(
                    'td',
                    {},
                    Array.isArray(p.workflow_steps) && p.workflow_steps.length > 0 ? p.workflow_steps.join(' → ') : '—',
                  ),
                  h('td', {}, p.state),
                  h('td', {}, timeElement(p.created_at)),
                ),
              ),
            ),
          ),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const workflow = steps.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    post<Project>('/v1/projects', {
      name: name.value.trim(),
      ...(description.value.trim() !== '' ? { description: description.value.trim() } : {}),
      ...(workflow.length > 0 ? { workflow_steps: workflow } : {}),
    })
      .then(async (project) => {
        form.reset();
        fill(message);
        announce(`Project ${project.name} created.`);
        await load();
      })
      .catch((error: unknown) => fill(message, errorBox(error)));
  });
  await load();
}
