import { allowedActions } from '../../../src/core/lifecycle.js';
import { get, post, type Job, type JobEvent } from '../api.js';
import { announce, confirmAction, errorBox, fill, h } from '../dom.js';
import { followStream } from '../event-stream.js';
import { bytes, duration, json, time, timeElement } from '../format.js';
import { jobTitle, liveIndicator, progressBar, setProgress, statusBadge } from '../widgets.js';
import type { ViewContext } from './view.js';

// What the user may do from here, taken from the lifecycle table the server enforces. The engine's own
// transitions (claim, complete…) are not buttons; request_cancel is what "Cancel" means for a running job.
const USER_ACTIONS: Record<string, { label: string; path: string; question: string }> = {
  cancel: {
    label: 'Cancel job',
    path: 'cancel',
    question: 'A pending job is cancelled at once; a running job is asked to stop.',
  },
  request_cancel: {
    label: 'Cancel job',
    path: 'cancel',
    question: 'The running handler is asked to stop; the job ends cancelled.',
  },
  retry: {
    label: 'Retry job',
    path: 'retry',
    question: 'The job goes back to the queue with a fresh set of attempts.',
  },
  offer: { label: 'Offer', path: 'offer', question: 'Offer the job to its providers.' },
  accept: { label: 'Accept', path: 'accept', question: 'Accept the job on behalf of its provider.' },
  decline: { label: 'Decline', path: 'decline', question: 'Decline the job on behalf of its provider.' },
  deliver: { label: 'Deliver', path: 'deliver', question: 'Mark the work as delivered.' },
  request_revision: {
    label: 'Request revision',
    path: 'request_revision',
    question: 'Ask the provider for changes to the delivery.',
  },
  accept_delivery: {
    label: 'Accept delivery',
    path: 'accept_delivery',
    question: 'Accept the delivered work; the job succeeds.',
  },
  reject: { label: 'Reject', path: 'reject', question: 'Reject the work; the job fails.' },
  reopen: { label: 'Reopen', path: 'reopen', question: 'Open the finished job again.' },
};

export async function jobView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const id = ctx.params[0]!;
  let job = await get<Job>(`/v1/jobs/${id}`, ctx.signal);
  const live = liveIndicator();
  const heading = h('h1', {});
  const status = h('span', {});
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' });
  const bar = progressBar(job, 'Progress');
  const progressText = h('span', { class: 'progress-text' });
  const fields = h('dl', { class: 'fields' });
  const data = h('div', { class: 'data' });
  const attempts = h('section', { 'aria-labelledby': 'attempts-title' });
  const files = h('section', { 'aria-labelledby': 'files-title' });
  const timeline = h('ol', { class: 'timeline', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const message = h('div', {});
  fill(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, '← Jobs')),
    h('div', { class: 'title-row' }, heading, status, live.el),
    message,
    actions,
    h('div', { class: 'progress-row' }, bar, progressText),
    h(
      'div',
      { class: 'detail' },
      h('div', {}, fields, data, attempts, files),
      h(
        'section',
        { class: 'events', 'aria-labelledby': 'timeline-title' },
        h('h2', { id: 'timeline-title' }, 'Timeline'),
        timeline,
      ),
    ),
  );

  const render = () => {
    document.title = `${jobTitle(job)} · Jobline`;
    heading.textContent = jobTitle(job);
    fill(status, statusBadge(job.status), ' ', h('span', { class: 'reason' }, job.status_reason));
    setProgress(bar, job);
    progressText.textContent = `${job.status === 'succeeded' ? 100 : (job.progress ?? 0)}%${job.progress_message !== null ? ` · ${job.progress_message}` : ''}`;
    const row = (term: string, value: Node | string) => [h('dt', {}, term), h('dd', {}, value)];
    fill(
      fields,
      row('Id', h('code', {}, job.id)),
      row('Type', job.type),
      row('Number', String(job.number)),
      row('Project', job.project_id === null ? '—' : h('a', { href: `#/projects/${job.project_id}` }, 'Open project')),
      row('Executor', job.executor),
      row('Priority', String(job.priority)),
      row('Attempts', `${job.attempts} of ${job.max_attempts}`),
      row('Timeout', duration(job.timeout_ms)),
      row('Run at', timeElement(job.run_at)),
      row('Created', timeElement(job.created_at)),
      row('Started', timeElement(job.started_at)),
      row('Completed', timeElement(job.completed_at)),
      row('Updated', timeElement(job.updated_at)),
      job.people !== null
        ? row('Workflow step', job.people.workflow_level === null ? '—' : String(job.people.workflow_level))
        : null,
      job.people !== null
        ? row('Providers', job.people.providers.map((p) => `${p.type}:${p.id}`).join(', ') || '—')
        : null,
      job.people !== null && job.people.due_at !== null ? row('Due', timeElement(job.people.due_at)) : null,
    );
    const block = (title: string, value: unknown) =>
      h('section', {}, h('h2', {}, title), h('pre', { class: 'json', tabindex: 0, 'aria-label': title }, json(value)));
    fill(
      data,
      block('Input', job.input),
      job.output !== null ? block('Output', job.output) : null,
      job.error !== null ? block('Error', job.error) : null,
    );
    const history = [...(job.attempt_history ?? [])];
    // The attempt under way is recorded when it ends; show it meanwhile, with the worker holding the lease.
    if (
      (job.status === 'running' || job.status === 'cancelling') &&
      job.started_at !== null &&
      !history.some((a) => a.number === job.attempts)
    ) {
      history.push({
        number: job.attempts,
        worker: job.worker ?? null,
        started_at: job.started_at,
        finished_at: null,
        outcome: null,
        error: null,
      });
    }
    fill(
      attempts,
      h('h2', { id: 'attempts-title' }, 'Attempts'),
      history.length === 0
        ? h('p', { class: 'empty' }, 'Not started yet.')
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
                  ['#', 'Worker', 'Started', 'Finished', 'Outcome', 'Error'].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                {},
                history.map((a) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, String(a.number)),
                    workerCell(a.worker),
                    h('td', {}, timeElement(a.started_at)),
                    h('td', {}, timeElement(a.finished_at)),
                    h('td', {}, a.outcome ?? 'running'),
                    h('td', { class: 'error-text' }, a.error?.message ?? ''),
                  ),
                ),
              ),
            ),
          ),
    );
    const list = job.files ?? [];
    fill(
      files,
      h('h2', { id: 'files-title' }, 'Files'),
      list.length === 0
        ? h('p', { class: 'empty' }, 'No files.')
        : h(
            'ul',
            { class: 'files' },
            list.map((file) =>
              h(
                'li',
                {},
                h('a', { href: file.download_url, download: file.name }, file.name),
                ` ${file.role} · ${file.content_type} · ${bytes(file.size)}`,
              ),
            ),
          ),
    );
    renderActions();
  };

  const renderActions = () => {
    const names = allowedActions(job.status, job.executor).filter((a) => a in USER_ACTIONS);
    fill(
      actions,
      names.map((name) => {
        const a = USER_ACTIONS[name]!;
        return h(
          'button',
          { type: 'button', class: name === 'retry' ? 'primary' : 'danger', onclick: () => void act(a) },
          a.label,
        );
      }),
    );
  };

  const act = async (a: { label: string; path: string; question: string }) => {
    if (!(await confirmAction(`${a.label} “${jobTitle(job)}”?`, a.question, a.label))) return;
    fill(message);
    try {
      job = { ...job, ...(await post<Job>(`/v1/jobs/${job.id}/${a.path}`)) };
      render();
      announce(`The job is ${job.status}.`);
      if (a.path === 'retry' || a.path === 'reopen') startTimeline(); // a finished job's stream had ended
    } catch (error) {
      fill(message, errorBox(error));
    }
  };

  // The timeline replays the job's history, then goes on live; each event also refreshes the fields.
  let refreshing: Promise<void> | undefined;
  let again = false;
  const refresh = () => {
    if (refreshing !== undefined) return void (again = true);
    refreshing = get<Job>(`/v1/jobs/${id}`, ctx.signal)
      .then((fresh) => ((job = fresh), render()))
      .catch(() => undefined)
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  let lastSeq: string | undefined;
  let stream: AbortController | undefined;
  const startTimeline = () => {
    stream?.abort();
    stream = new AbortController();
    const stop = stream;
    ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
    void followStream(`/v1/jobs/${id}/events`, {
      signal: stop.signal,
      lastEventId: lastSeq,
      onEvent: (event) => {
        lastSeq = event.id;
        const e = JSON.parse(event.data) as JobEvent;
        timeline.prepend(eventItem(e));
        if (e.type === 'job.progress' && typeof e.data.progress === 'number') {
          job.progress = e.data.progress;
          job.progress_message = (e.data.message as string | null | undefined) ?? null;
          setProgress(bar, job);
          progressText.textContent = `${job.progress}%${job.progress_message !== null ? ` · ${job.progress_message}` : ''}`;
        } else refresh();
      },
      onState: (state) => live.set(state),
    });
  };
  render();
  startTimeline();
}

function eventItem(e: JobEvent): HTMLElement {
  const detail: string[] = [];
  if (typeof e.data.progress === 'number') detail.push(`${e.data.progress}%`);
  if (typeof e.data.message === 'string') detail.push(e.data.message);
  if (typeof e.data.status_reason === 'string') detail.push(e.data.status_reason);
  if (typeof e.data.attempt === 'number') detail.push(`attempt ${e.data.attempt}`);
  const error = e.data.error as { message?: string } | null | undefined;
  if (error?.message !== undefined) detail.push(error.message);
  const file = e.data.file as { name?: string } | undefined;
  if (file?.name !== undefined) detail.push(file.name);
  return h(
    'li',
    { 'data-type': e.type },
    h('span', { class: 'event-type' }, e.type.replace(/^job\./, '')),
    ' ',
    h('time', { datetime: e.created_at }, time(e.created_at)),
    detail.length > 0 ? h('div', { class: 'event-detail' }, detail.join(' · ')) : null,
  );
}

/**
 * The worker of an attempt: the name a remote worker sent with its claim (its lease owner is
 * `<name>#<hash of the lease secret>`; the hash stays in the tooltip), or an in-process worker's id.
 */
function workerCell(worker: string | null): HTMLElement {
  if (worker === null) return h('td', {}, '—');
  const hash = worker.lastIndexOf('#');
  const name = hash > 0 ? worker.slice(0, hash) : worker;
  return h('td', { class: 'worker', title: worker }, h('code', {}, name));
}
