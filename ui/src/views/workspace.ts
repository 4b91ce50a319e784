import { api, get, post, type Page } from '../api.js';
import { announce, confirmAction, errorBox, field, fill, h } from '../dom.js';
import { time, timeElement } from '../format.js';
import { statusBadge } from '../widgets.js';
import type { ViewContext } from './view.js';

interface Token {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** A worker token (jobs:work) restricted to these job types; absent when it may work on any. */
  job_types?: string[];
}
interface Webhook {
  id: string;
  kind: string;
  url: string | null;
  events: string[] | null;
  disabled: boolean;
  created_at: string;
}
interface Delivery {
  id: string;
  job_id: string;
  event: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}
interface Provider {
  id: string;
  type: string;
  name: string;
  email: string | null;
  created_at: string;
}

const SCOPES = ['jobs:read', 'jobs:write', 'jobs:work', 'admin'];

export async function workspaceView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'Workspace · Jobline';
  const tokens = h('section', { class: 'panel', 'aria-labelledby': 'tokens-title' });
  const webhooks = h('section', { class: 'panel', 'aria-labelledby': 'webhooks-title' });
  const providers = h('section', { class: 'panel', 'aria-labelledby': 'providers-title' });
  fill(root, h('h1', {}, 'Workspace'), tokens, webhooks, providers);
  await Promise.all([tokenPanel(tokens, ctx), webhookPanel(webhooks, ctx), providerPanel(providers, ctx)]);
}

/** A section's body, or the reason it cannot be shown (a token without admin, an API not served). */
function unavailable(error: unknown, what: string): HTMLElement {
  const status = (error as { status?: number }).status;
  if (status === 403) return h('p', { class: 'empty' }, `Managing ${what} needs a token with the admin scope.`);
  if (status === 404) return h('p', { class: 'empty' }, `This server does not offer ${what}.`);
  return errorBox(error);
}

/** A token's scopes; a worker token's job types with its jobs:work scope. */
function scopeText(t: Token): string {
  return t.scopes
    .map((s) =>
      s === 'jobs:work' ? `jobs:work (${t.job_types === undefined ? 'any job type' : t.job_types.join(', ')})` : s,
    )
    .join(', ');
}

async function tokenPanel(panel: HTMLElement, ctx: ViewContext): Promise<void> {
  const list = h('div', { class: 'table-wrap' });
  const secret = h('div', { 'aria-live': 'polite' });
  const name = h('input', { name: 'name', type: 'text', required: true, maxlength: 100 });
  const boxes = SCOPES.map((s) =>
    h('input', { type: 'checkbox', name: 'scopes', value: s, checked: s === 'jobs:read' || s === 'jobs:write' }),
  );
  const jobTypes = h('input', {
    name: 'job_types',
    type: 'text',
    maxlength: 2000,
    placeholder: 'resize-image, thumbnail',
  });
  const message = h('div', {});
  const form = h(
    'form',
    { class: 'inline-form', 'aria-labelledby': 'new-token' },
    h('h3', { id: 'new-token' }, 'New token'),
    field('Name', name),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Scopes'),
      boxes.map((b) => h('label', { class: 'check' }, b, ` ${b.value}`)),
    ),
    field('Job types', jobTypes, 'With jobs:work (a remote worker): the only job types it may claim; empty for any.'),
    h('button', { type: 'submit', class: 'primary' }, 'Create token'),
    message,
  );
  fill(panel, h('h2', { id: 'tokens-title' }, 'API tokens'), secret, list, form);

  const load = async () => {
    try {
      const { data } = await get<{ data: Token[] }>('/v1/tokens', ctx.signal);
      fill(
        list,
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Name', 'Token', 'Scopes', 'Created', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            data.map((t) =>
              h(
                'tr',
                { 'data-token': t.id },
                h('td', {}, t.name),
                h('td', {}, h('code', {}, `${t.prefix}_…`)),
                h('td', {}, scopeText(t)),
                h('td', {}, timeElement(t.created_at)),
                h('td', {}, timeElement(t.last_used_at)),
                h(
                  'td',
                  {},
                  t.revoked_at !== null
                    ? `revoked ${time(t.revoked_at)}`
                    : h(
                        'button',
                        {
                          type: 'button',
                          class: 'danger',
                          'aria-label': `Revoke token ${t.name}`,
                          onclick: () => void revoke(t),
                        },
                        'Revoke',
                      ),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      fill(list, unavailable(error, 'tokens'));
      form.hidden = true;
    }
  };
  const revoke = async (t: Token) => {
    if (
      !(await confirmAction(
        `Revoke “${t.name}”?`,
        'Clients using this token are refused from now on. This cannot be undone.',
        'Revoke',
      ))
    )
      return;
    try {
      await api('DELETE', `/v1/tokens/${t.id}`);
      announce(`Token ${t.name} revoked.`);
      await load();
    } catch (error) {
      fill(message, errorBox(error));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    if (scopes.length === 0) return fill(message, errorBox(new Error('Choose at least one scope.')));
    const types = jobTypes.value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (types.length > 0 && !scopes.includes('jobs:work'))
      return fill(message, errorBox(new Error('Job types apply to worker tokens: choose jobs:work too.')));
    post<Token & { secret: string }>('/v1/tokens', {
      name: name.value.trim(),
      scopes,
      ...(types.length > 0 ? { job_types: types } : {}),
    })
      .then(async (created) => {
        form.reset();
        fill(message);
        const value = h('input', {
          type: 'text',
          readonly: true,
          value: created.secret,
          'aria-label': 'New token secret',
          class: 'secret-value',
        });
        fill(
          secret,
          h(
            'div',
            { class: 'secret', role: 'status' },
            h(
              'p',
              {},
              h('strong', {}, `Token “${created.name}” created.`),
              ' Copy it now: it is shown this once and cannot be read again.',
            ),
            value,
            h(
              'button',
              {
                type: 'button',
                onclick: () =>
                  void navigator.clipboard
                    ?.writeText(created.secret)
                    .then(() => announce('Copied.'))
                    .catch(() => value.select()),
              },
              'Copy',
            ),
            h('button', { type: 'button', onclick: () => fill(secret) }, 'Done'),
          ),
        );
        value.select();
        await load();
      })
      .catch((error: unknown) => fill(message, errorBox(error)));
  });
  await load();
}

async function webhookPanel(panel: HTMLElement, ctx: ViewContext): Promise<void> {
  const body = h('div', {});
  const deliveries = h('div', {});
  fill(panel, h('h2', { id: 'webhooks-title' }, 'Webhooks'), body, deliveries);
  const showDeliveries = async (w: Webhook) => {
    try {
      const page = await get<Page<Delivery>>(`/v1/webhooks/${w.id}/deliveries?page_size=50`, ctx.signal);
      fill(
        deliveries,
        h('h3', {}, `Deliveries to ${w.url ?? w.kind}`),
        page.data.length === 0
          ? h('p', { class: 'empty' }, 'No deliveries yet.')
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
                    ['Event', 'Job', 'Status', 'Attempts', 'Last answer', 'Updated', ''].map((c) =>
                      h('th', { scope: 'col' }, c),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  page.data.map((d) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, d.event),
                      h('td', {}, h('a', { href: `#/jobs/${d.job_id}`, title: d.job_id }, `…${d.job_id.slice(-8)}`)),
                      h('td', {}, statusBadge(d.status)),
                      h('td', {}, String(d.attempts)),
                      h('td', {}, d.last_status_code !== null ? String(d.last_status_code) : (d.last_error ?? '—')),
                      h('td', {}, timeElement(d.updated_at)),
                      h(
                        'td',
                        {},
                        h(
                          'button',
                          {
                            type: 'button',
                            'aria-label': `Replay ${d.event} of job ${d.job_id}`,
                            onclick: () =>
                              void confirmAction(
                                'Replay this delivery?',
                                'The same event goes to the receiver again, with the same webhook-id and a fresh retry schedule.',
                                'Replay',
                              ).then(async (ok) => {
                                if (!ok) return;
                                await post(`/v1/webhooks/${w.id}/deliveries/${d.id}/replay`).catch((error: unknown) =>
                                  deliveries.prepend(errorBox(error)),
                                );
                                announce('Delivery queued again.');
                                await showDeliveries(w);
                              }),
                          },
                          'Replay',
                        ),
                      ),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (error) {
      fill(deliveries, errorBox(error));
    }
  };
  try {
    const page = await get<Page<Webhook>>('/v1/webhooks', ctx.signal);
    fill(
      body,
      page.data.length === 0
        ? h(
            'p',
            { class: 'empty' },
            'No webhook endpoints. Register one with POST /v1/webhooks (see the API reference at /docs).',
          )
        : h(
            'ul',
            { class: 'webhooks' },
            page.data.map((w) =>
              h(
                'li',
                {},
                h('code', {}, w.url ?? '(callback URLs of jobs)'),
                ` ${w.kind} · ${w.events === null || w.events.length === 0 ? 'all events' : w.events.join(', ')}${w.disabled ? ' · disabled' : ''} `,
                h('button', { type: 'button', onclick: () => void showDeliveries(w) }, 'Delivery log'),
              ),
            ),
          ),
    );
  } catch (error) {
    fill(body, unavailable(error, 'webhooks'));
  }
}

async function providerPanel(panel: HTMLElement, ctx: ViewContext): Promise<void> {
  const body = h('div', {});
  fill(
    panel,
    h('h2', { id: 'providers-title' }, 'Providers'),
    h('p', { class: 'hint' }, 'People and vendors that people jobs are offered to.'),
    body,
  );
  try {
    const page = await get<Page<Provider>>('/v1/providers?page_size=100', ctx.signal);
    fill(
      body,
      page.data.length === 0
        ? h('p', { class: 'empty' }, 'No providers yet.')
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
                  ['Name', 'Type', 'Email', 'Created'].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                {},
                page.data.map((p) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, p.name),
                    h('td', {}, p.type),
                    h('td', {}, p.email ?? '—'),
                    h('td', {}, timeElement(p.created_at)),
                  ),
                ),
              ),
            ),
          ),
    );
  } catch (error) {
    fill(body, unavailable(error, 'providers'));
  }
}
