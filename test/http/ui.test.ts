import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

// The dashboard's files as the server hands them out (the browser tests, test/ui, drive the page itself).
describe('GET /ui', () => {
  let t: TestApp;
  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-ui.mjs'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    t = await testApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('serves the page to a browser (Accept: text/html) without a token, under a strict Content-Security-Policy', async () => {
    const res = await t.call({
      method: 'GET',
      url: '/ui',
      token: null,
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="/ui/app.js">');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ])
      expect(csp).toContain(directive);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends a browser that opens the server itself to the dashboard', async () => {
    const res = await t.call({
      method: 'GET',
      url: '/',
      token: null,
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/ui');
  });

  it('serves the script and the stylesheet, revalidated by ETag', async () => {
    const script = await t.call({ method: 'GET', url: '/ui/app.js', token: null });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    const again = await t.call({
      method: 'GET',
      url: '/ui/app.js',
      token: null,
      headers: { 'if-none-match': String(script.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect((await t.call({ method: 'GET', url: '/ui/app.css', token: null })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
  });

  it('answers 404 for any other file and keeps the dashboard out of the API reference', async () => {
    for (const url of ['/ui/secret.txt', '/ui/..%2Fpackage.json', '/ui/app.js.map']) {
      const res = await t.call({ method: 'GET', url, token: null });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const paths = Object.keys((await t.call({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths.filter((p) => p.startsWith('/ui'))).toEqual([]);
  });
});
