import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { ScheduleRunner } from '../../src/services/schedule-runner.js';
import { testApp, type TestApp } from '../support/app.js';

// The dashboard in a real browser: Debian's chromium driven by playwright-core, against a server with
// a worker. Without chromium (JOBLINE_CHROMIUM or /usr/bin/chromium) the suite is reported skipped.
const CHROMIUM = [process.env.JOBLINE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p !== undefined && p !== '' && existsSync(p),
);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Every run takes the screenshots; JOBLINE_UPDATE_SCREENSHOTS=1 writes them over the ones docs/dashboard.md
// shows, other runs into test-results/ (ignored by git), so running the suite leaves the tree clean.
const IMAGES =
  process.env.JOBLINE_UPDATE_SCREENSHOTS === '1' ? `${ROOT}docs/images/` : `${ROOT}test-results/dashboard/`;

// The handler moves one progress step each time the test hands out a ticket, so the test decides
// when the page should see progress change, without sleeping; a cancel stops it at once.
let tickets = 0;
const waiting: (() => void)[] = [];
function release(n: number): void {
  tickets += n;
  for (const w of waiting.splice(0)) w();
}
async function ticket(signal: AbortSignal): Promise<void> {
  while (tickets <= 0) {
    if (signal.aborted) throw signal.reason;
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  tickets--;
}
const report = defineJob({
  type: 'report',
  async run(ctx) {
    for (let step = 1; step <= 10; step++) {
      await ticket(ctx.signal);
      await ctx.progress(step * 10, `section ${step} of 10`);
    }
    return { pages: 10 };
  },
});
const quick = defineJob({
  type: 'thumbnail',
  async run(ctx) {
    if ((ctx.input as { fail?: boolean }).fail === true) throw new Error('the image is not a PNG');
    return { width: 320 };
  },
});

const newsletter = defineJob({ type: 'newsletter', flow: { concurrency: 2, keyConcurrency: 1 }, run: () => null });

describe.skipIf(CHROMIUM === undefined)('the dashboard in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  const consoleErrors: string[] = [];

  const watch = (p: Page) => {
    p.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${p.url()}: ${message.text()}`);
    });
    p.on('pageerror', (error) => consoleErrors.push(`${p.url()}: ${error.message}`));
  };
  const job = (payload: Record<string, unknown>) =>
    t.call({ method: 'POST', url: '/v1/jobs', payload }).then((r) => r.json());

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-ui.mjs'], { cwd: ROOT }); // the same files `npm run build` ships
    t = await testApp('sqlite', {
      worker: true,
      definitions: [report, quick, newsletter],
      policy: { webhookAllowPrivate: true },
      webhooks: { pollMs: 50, dispatcher: { pollMs: 50 } },
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    // A webhook receiver that takes every delivery, so the workspace page has a delivery log to show.
    receiver = createServer((request, response) => request.resume().on('end', () => response.writeHead(204).end()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/jobline`;
    expect(
      (await t.call({ method: 'POST', url: '/v1/webhooks', payload: { url: hookUrl, events: ['job.succeeded'] } }))
        .statusCode,
    ).toBe(201);
    const project = (
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: { name: 'Website', workflow_steps: ['translation', 'review'] },
      })
    ).json();
    for (const language of ['de', 'fr', 'ja']) {
      await job({
        type: 'translate',
        name: `Home page (${language})`,
        project_id: project.id,
        input: { target_language: language, workflow_step: 'translation' },
      });
    }
    await job({
      type: 'translate',
      name: 'Home page review (de)',
      project_id: project.id,
      input: { target_language: 'de', workflow_step: 'review' },
    });
    for (let i = 0; i < 4; i++)
      await t.finished((await job({ type: 'thumbnail', name: `Cover image ${i + 1}`, input: {} })).id);
    await t.finished(
      (await job({ type: 'thumbnail', name: 'Broken image', input: { fail: true }, max_attempts: 1 })).id,
    );
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(10_000); // a missing element fails with its locator named, not a test timeout
    page = await context.newPage();
    watch(page);
  });
  afterAll(async () => {
    release(100);
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => (receiver === undefined ? resolve(undefined) : receiver.close(resolve)));
  });

  it('serves the page with a strict Content-Security-Policy, and answers Accept: text/html', async () => {
    const res = await fetch(`${base}/ui`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await fetch(`${base}/ui/`)).status).toBe(200);
    expect((await fetch(`${base}/ui/nothing.js`)).status).toBe(404);
  });

  it('signs in with a token, which stays out of the URL', async () => {
    await page.goto(`${base}/ui`);
    await page.getByLabel('API token').fill(t.admin);
    await page.getByLabel('API token').press('Enter'); // the keyboard is enough
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(page.url()).not.toContain(t.admin);
    expect(await page.evaluate('sessionStorage.getItem("jobline.token")')).toBe(t.admin);
    await page.locator('.live[data-state="live"]').waitFor();
    await page.screenshot({ path: `${IMAGES}dashboard-jobs.png` });
  });

  it('filters the jobs by name, status and type', async () => {
    const rows = page.locator('table.jobs tbody tr');
    await page.getByLabel('Name').fill('cover');
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel('Name').fill('');
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringContaining('Broken image')]);
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Type').fill('translate');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    expect(page.url()).toContain('type=translate');
    // The counts per status follow the type filter: the four translations wait.
    await expect.poll(() => page.getByRole('button', { name: /pending/ }).innerText()).toMatch(/^4\s+pending$/);
    await page.getByLabel('Type').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(9);
  });

  it('shows a new job as it is created, opens it, and watches its progress move live', async () => {
    const created = await job({ type: 'report', name: 'Quarterly report', input: {} });
    await page.getByRole('link', { name: 'Quarterly report' }).click();
    await page.getByRole('heading', { name: 'Quarterly report' }).waitFor();
    const bar = page.getByRole('progressbar', { name: 'Progress' });
    await page.locator('.title-row .badge', { hasText: 'running' }).waitFor();
    release(1);
    await expect.poll(() => bar.evaluate((el) => (el as unknown as { value: number }).value)).toBe(10);
    release(2);
    await expect.poll(() => bar.evaluate((el) => (el as unknown as { value: number }).value)).toBe(30);
    await expect.poll(() => page.locator('.progress-text').innerText()).toContain('section 3 of 10');
    await page.locator('.timeline li[data-type="job.progress"]').nth(2).waitFor();
    expect(page.url()).toContain(`#/jobs/${created.id}`);
    await page.screenshot({ path: `${IMAGES}dashboard-job.png`, fullPage: true });
  });

  it('cancels the running job after a confirmation and shows it cancelled', async () => {
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape'); // asked first; saying no changes nothing
    await dialog.waitFor({ state: 'detached' });
    expect(await page.locator('.title-row .badge').innerText()).toBe('running');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('.title-row .badge', { hasText: /^cancelling$|^cancelled$/ }).waitFor();
    // The worker notices the request at its next heartbeat (a third of the lease), then the job ends.
    await page.locator('.title-row .badge', { hasText: /^cancelled$/ }).waitFor({ timeout: 40_000 });
    await page.locator('.timeline li[data-type="job.cancelled"]').waitFor();
    await page.getByRole('button', { name: 'Retry job' }).waitFor(); // what a cancelled job allows
  }, 60_000);

  it('takes a people job through the actions its status allows, each confirmed', async () => {
    const provider = (
      await t.call({
        method: 'POST',
        url: '/v1/providers',
        payload: { type: 'user', name: 'Ana Translator', email: 'ana@example.com' },
      })
    ).json();
    const work = await job({
      type: 'review',
      name: 'Legal review',
      executor: 'people',
      people: { providers: [{ type: 'user', id: provider.id }] },
    });
    await page.goto(`${base}/ui#/jobs/${work.id}`);
    const badge = page.locator('.title-row .badge');
    for (const [action, status] of [
      ['Offer', 'pending'],
      ['Accept', 'running'],
      ['Deliver', 'delivered'],
      ['Accept delivery', 'succeeded'],
    ] as const) {
      await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: action, exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: action, exact: true }).click();
      await expect.poll(() => badge.innerText()).toBe(status);
    }
    await page.locator('.timeline li[data-type="job.succeeded"]').waitFor();
    expect(await page.getByRole('group', { name: 'Actions' }).getByRole('button').allInnerTexts()).toEqual(['Reopen']);
  });

  it('shows a project with its jobs as languages × workflow steps', async () => {
    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByRole('link', { name: 'Website' }).click();
    const grid = page.locator('table.grid');
    await grid.waitFor();
    expect(await grid.locator('tbody th').allInnerTexts()).toEqual(['de', 'fr', 'ja']);
    expect(await grid.locator('thead th').allInnerTexts()).toEqual(['Language', 'translation', 'review']);
    expect(await grid.getByRole('link', { name: 'de, review: pending' }).count()).toBe(1);
    await page.screenshot({ path: `${IMAGES}dashboard-project.png`, fullPage: true });
  });

  it('creates a project', async () => {
    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Mobile app');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Mobile app' }).waitFor();
  });

  it('draws the last hour per job type', async () => {
    await page.getByRole('link', { name: 'Charts', exact: true }).click();
    await page.getByRole('img', { name: /thumbnail: finished per minute: 4 succeeded and 1 failed/ }).waitFor();
    await page.getByRole('img', { name: /translate: queue depth: 4 waiting now/ }).waitFor();
    await page.screenshot({ path: `${IMAGES}dashboard-charts.png`, fullPage: true });
  });

  it('lists the schedules with their next and last runs and whether they are paused', async () => {
    const schedule = (payload: Record<string, unknown>) =>
      t.call({ method: 'POST', url: '/v1/schedules', payload }).then((r) => r.json());
    await schedule({
      name: 'Nightly digest',
      cron: '0 3 * * *',
      time_zone: 'Europe/Berlin',
      job: { type: 'digest' },
      paused: true,
    });
    const often = await schedule({ name: 'Sync catalogue', interval_seconds: 1, job: { type: 'catalogue-sync' } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await new ScheduleRunner(t.services).tick(); // as a worker process would
    const last = (await t.call({ method: 'GET', url: `/v1/schedules/${often.id}` })).json();
    expect(last.last_job_id).not.toBeNull();

    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    const rows = page.locator('main table tbody tr');
    await rows.first().waitFor();
    const paused = rows.filter({ hasText: 'Nightly digest' });
    expect(await paused.locator('td').allInnerTexts()).toEqual([
      'Nightly digest',
      '0 3 * * *',
      'Europe/Berlin',
      'digest',
      'paused',
      '—',
      '—',
      '—',
    ]);
    const active = rows.filter({ hasText: 'Sync catalogue' });
    expect(await active.locator('td').nth(4).innerText()).toBe('active');
    expect(await active.locator('td').nth(5).locator('time').count()).toBe(1);
    expect(await active.locator('td').nth(6).locator('time').count()).toBe(1);
    await active.getByRole('link', { name: 'open' }).click();
    await page.getByRole('heading', { name: /catalogue-sync/ }).waitFor();
    expect(page.url()).toContain(`#/jobs/${last.last_job_id}`);
  });

  it('lists the job types with their limits, and pauses and resumes one', async () => {
    await page.getByRole('link', { name: 'Job types', exact: true }).click();
    const row = page.locator('main table tbody tr', { hasText: 'newsletter' });
    await row.waitFor();
    expect(await row.locator('td').allInnerTexts()).toEqual([
      'newsletter',
      'code',
      '2 at once, 1 per key',
      'code',
      'active',
      'Pause',
    ]);
    const flow = async () => (await t.call({ method: 'GET', url: '/v1/job-types/newsletter/flow' })).json();
    await row.getByRole('button', { name: 'Pause newsletter' }).click();
    await row.getByRole('button', { name: 'Resume newsletter' }).waitFor();
    expect(await row.locator('td').nth(4).innerText()).toBe('paused');
    expect(await flow()).toMatchObject({ paused: true, source: 'api', concurrency: 2 });
    await page.screenshot({ path: `${IMAGES}dashboard-job-types.png`, fullPage: true });
    await row.getByRole('button', { name: 'Resume newsletter' }).click();
    await row.getByRole('button', { name: 'Pause newsletter' }).waitFor();
    expect(await flow()).toMatchObject({ paused: false });
  });

  it('creates a token and shows its secret once', async () => {
    await page.getByRole('link', { name: 'Workspace', exact: true }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token secret').inputValue();
    expect(secret).toMatch(/^jl_/);
    await page.locator('tr', { hasText: 'ci' }).getByRole('button', { name: 'Revoke token ci' }).waitFor();
    const works = await t.call({ method: 'GET', url: '/v1/jobs?page_size=1', token: secret });
    expect(works.statusCode).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('New token secret').count()).toBe(0);
  });

  it('creates a worker token limited to some job types, and lists it with them', async () => {
    await page.getByRole('link', { name: 'Workspace', exact: true }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('renderers');
    await page.getByRole('checkbox', { name: 'jobs:read' }).uncheck();
    await page.getByRole('checkbox', { name: 'jobs:write' }).uncheck();
    await page.getByRole('checkbox', { name: 'jobs:work' }).check();
    await page.getByLabel('Job types').fill('thumbnail, resize-image');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token secret').inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr', { hasText: 'renderers' });
    await row.getByText('jobs:work (thumbnail, resize-image)').waitFor();
    // The token is a worker's: it claims, and only those types.
    const claim = (types: string[]) =>
      t.call({ method: 'POST', url: '/v1/worker/claims', token: secret, payload: { worker: 'ui-test', types } });
    expect((await claim(['resize-image'])).statusCode).toBe(200);
    expect((await claim(['report'])).statusCode).toBe(403);
    // Any job type: said so rather than left blank.
    await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'any-worker', scopes: ['jobs:work'] } });
    await page.reload();
    await page.locator('tr', { hasText: 'any-worker' }).getByText('jobs:work (any job type)').waitFor();
  });

  it('shows the name a remote worker sent in the attempts of a job it ran', async () => {
    const work = await t.token(['jobs:work']);
    const { id } = await job({ type: 'resize-image', name: 'Remote resize', input: {} });
    const claimed = (
      await t.call({
        method: 'POST',
        url: '/v1/worker/claims',
        token: work,
        payload: { worker: 'render-7:4121', types: ['resize-image'] },
      })
    ).json().data;
    expect(claimed.map((c: { id: string }) => c.id)).toEqual([id]);
    // While it runs, the attempt under way names the worker holding the lease.
    await page.goto(`${base}/ui#/jobs/${id}`);
    const attempts = page.getByRole('region', { name: 'Attempts' });
    const running = attempts.getByRole('row', { name: /render-7:4121/ });
    await running.waitFor();
    expect(await running.getByRole('cell').nth(4).innerText()).toBe('running');
    // It fails (for good): a success would add a delivery to the webhook log the next test counts.
    const done = await t.call({
      method: 'POST',
      url: `/v1/worker/jobs/${id}/fail`,
      token: work,
      payload: { lease: claimed[0].lease.token, error: { message: 'no such image' }, retryable: false },
    });
    expect(done.json().outcome).toBe('failed');
    await page.reload();
    await attempts.getByRole('cell', { name: 'failed', exact: true }).waitFor();
    const cell = attempts.getByRole('cell', { name: 'render-7:4121', exact: true });
    await cell.waitFor();
    // The lease owner's hash is kept out of the way, in the tooltip.
    expect(await cell.getAttribute('title')).toMatch(/^render-7:4121#[A-Za-z0-9_-]{22}$/);
    // A job run in-process shows that worker's id.
    const local = (await t.call({ method: 'GET', url: '/v1/jobs?type=thumbnail&page_size=1' })).json().data[0];
    await page.goto(`${base}/ui#/jobs/${local.id}`);
    const history = (await t.call({ method: 'GET', url: `/v1/jobs/${local.id}` })).json().attempt_history;
    await attempts.getByRole('cell', { name: history[0].worker.split('#')[0], exact: true }).waitFor();
    // Back where the next test starts: the workspace page.
    await page.getByRole('link', { name: 'Workspace', exact: true }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  });

  it("shows a webhook's delivery log and replays a delivery after a confirmation", async () => {
    // Four thumbnails and the people job succeeded: five deliveries, once the sender got to them.
    const hook = (await t.call({ method: 'GET', url: '/v1/webhooks' })).json().data[0];
    const delivered = async () =>
      (await t.call({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?page_size=100` }))
        .json()
        .data.filter((d: { status: string }) => d.status === 'succeeded').length;
    await expect.poll(delivered, { timeout: 10_000 }).toBe(5);
    await page.getByRole('button', { name: 'Delivery log' }).click();
    const rows = page.locator('tr', { hasText: 'job.succeeded' });
    await expect.poll(() => rows.count()).toBe(5);
    const first = rows.first();
    expect(await first.locator('td').nth(3).innerText()).toBe('1');
    const job = await first.getByRole('link').getAttribute('href');
    await first.getByRole('button', { name: /^Replay/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click();
    // The same delivery goes out again: a second attempt, seen when the log is read again.
    const replayed = page.locator('tr', { has: page.locator(`a[href="${job}"]`) });
    await replayed.waitFor();
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Delivery log' }).click();
        return replayed.locator('td').nth(3).innerText();
      })
      .toBe('2');
    await page.screenshot({ path: `${IMAGES}dashboard-workspace.png`, fullPage: true });
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.locator('table.jobs tbody tr').first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${IMAGES}dashboard-phone.png` });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('refuses an unknown token, and returns to sign-in once the token is revoked', async () => {
    const token = await t.token(['admin']);
    const other = await context.browser()!.newContext();
    other.setDefaultTimeout(10_000);
    const p = await other.newPage();
    const own: string[] = [];
    p.on('console', (m) => m.type() === 'error' && own.push(m.text()));
    await p.goto(`${base}/ui`);
    await p.getByLabel('API token').fill('jl_nobody_knows_this');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByText('That token is unknown, revoked or expired.').waitFor();
    await p.getByLabel('API token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    const id = (await t.call({ method: 'GET', url: '/v1/tokens' }))
      .json()
      .data.find((row: { prefix: string }) => token.startsWith(`${row.prefix}_`)).id;
    await t.call({ method: 'DELETE', url: `/v1/tokens/${id}` });
    // The next request with the token (this navigation, or the page's own live updates, whichever comes
    // first) is refused, and the page goes back to sign-in.
    await p.evaluate("location.hash = '#/projects'");
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await p.getByRole('alert').innerText()).toContain('no longer accepted');
    expect(await p.evaluate('sessionStorage.getItem("jobline.token")')).toBeNull();
    // The browser reports the refused requests themselves (401); nothing else may be an error.
    expect(own.filter((text) => !text.includes('401'))).toEqual([]);
    await other.close();
  });
});
