import { session } from './api.js';
import { announce, fill, h } from './dom.js';
import { chartsView } from './views/charts.js';
import { jobView } from './views/job.js';
import { jobTypesView } from './views/job-types.js';
import { jobsView } from './views/jobs.js';
import { projectView } from './views/project.js';
import { projectsView } from './views/projects.js';
import { schedulesView } from './views/schedules.js';
import { signInView } from './views/sign-in.js';
import { workspaceView } from './views/workspace.js';
import type { View } from './views/view.js';

// Routes live in the URL's fragment (#/jobs/…), so the server serves one page and a reload or a shared
// link opens the same view. Filters go there too; the token never does.
const ROUTES: { pattern: RegExp; nav: string; view: View }[] = [
  { pattern: /^\/jobs\/([0-9a-fA-F-]{36})$/, nav: 'jobs', view: jobView },
  { pattern: /^\/(?:jobs)?$/, nav: 'jobs', view: jobsView },
  { pattern: /^\/projects\/([0-9a-fA-F-]{36})$/, nav: 'projects', view: projectView },
  { pattern: /^\/projects$/, nav: 'projects', view: projectsView },
  { pattern: /^\/schedules$/, nav: 'schedules', view: schedulesView },
  { pattern: /^\/job-types$/, nav: 'job-types', view: jobTypesView },
  { pattern: /^\/charts$/, nav: 'charts', view: chartsView },
  { pattern: /^\/workspace$/, nav: 'workspace', view: workspaceView },
];

const main = document.getElementById('main')!;
const header = document.querySelector<HTMLElement>('header.top')!;
let current: AbortController | undefined;
let signOutReason: string | undefined;
let rendered = false;

function route(): void {
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const raw = location.hash.replace(/^#/, '') || '/jobs';
  const [path = '', search = ''] = raw.split('?', 2);
  if (session.token() === null) {
    header.hidden = true;
    document.title = 'Sign in · Jobline';
    signInView(main, {
      params: [],
      query: new URLSearchParams(),
      signal,
      reason: signOutReason,
      done: () => ((signOutReason = undefined), route()),
    });
    return;
  }
  header.hidden = false;
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m !== null);
  for (const a of header.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.nav === match?.r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (match === undefined) {
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No such page. ', h('a', { href: '#/jobs' }, 'Go to the jobs.')));
    return;
  }
  const view = match.r.view(main, { params: match.m!.slice(1), query: new URLSearchParams(search), signal });
  Promise.resolve(view).catch((error: unknown) => {
    if (!signal.aborted)
      fill(main, h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
  });
  // Keyboard and screen-reader users start reading the new view, not the old link they pressed.
  if (rendered) main.focus({ preventScroll: true });
  rendered = true;
}

window.addEventListener('hashchange', route);
window.addEventListener('jobline:signed-out', (event) => {
  signOutReason = (event as CustomEvent<string | undefined>).detail;
  if (signOutReason !== undefined) announce(signOutReason);
  route();
});
document.getElementById('sign-out')!.addEventListener('click', () => session.signOut());
route();
