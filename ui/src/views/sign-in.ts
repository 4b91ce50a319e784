import { session } from '../api.js';
import { fill, field, h } from '../dom.js';
import type { ViewContext } from './view.js';

export function signInView(
  root: HTMLElement,
  ctx: ViewContext & { reason: string | undefined; done: () => void },
): void {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'jl_…',
  });
  const message = h('p', { class: 'error', role: 'alert', hidden: ctx.reason === undefined }, ctx.reason ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Jobline'),
    h('p', {}, 'Sign in with an API token. It is kept in this tab only and forgotten when the tab closes.'),
    field('API token', input, 'Printed at the first start, or made with `jobline token create`.'),
    message,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    button.disabled = true;
    // A cheap request any token with jobs:read may make tells whether the token works; only then is it kept.
    fetch('/v1/jobs?page_size=1', {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      cache: 'no-store',
    })
      .then(async (res) => {
        if (res.ok) {
          session.signIn(token);
          return ctx.done();
        }
        const problem = (await res.json().catch(() => ({}))) as { detail?: string };
        throw new Error(
          res.status === 401
            ? 'That token is unknown, revoked or expired.'
            : (problem.detail ?? `${res.status} ${res.statusText}`),
        );
      })
      .catch((error: unknown) => {
        button.disabled = false;
        message.hidden = false;
        message.textContent = error instanceof Error ? error.message : String(error);
        input.focus();
      });
  });
  fill(root, form);
  input.focus();
}
