import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { App } from '../app.js';

// The dashboard: static files built by `npm run build` (scripts/build-ui.mjs) into dist/ui, a page
// that talks to the native API with the token the user signs in with. The server only hands out files.

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

// Only our own script and stylesheet run; the page talks only to this server and cannot be framed.
// form-action 'none' also means a form can never fall back to a GET that would put the token in a URL.
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/ui beside the compiled server; when the server runs from src/ (tsx, tests), the repository's dist/ui. */
function uiDirectory(): string | undefined {
  const candidates = [new URL('../../ui/', import.meta.url), new URL('../../../dist/ui/', import.meta.url)];
  return candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(`${dir}index.html`));
}

export function uiRoutes(app: App): void {
  const send = async (name: string, reply: FastifyReply) => {
    const type = ASSETS[name];
    const dir = uiDirectory();
    if (type === undefined || dir === undefined) {
      throw new AppError(
        'not_found',
        dir === undefined ? 'The dashboard is not built; run `npm run build`.' : `No dashboard file ${name}.`,
      );
    }
    const body = await readFile(`${dir}${name}`);
    reply.header('content-type', type);
    reply.header('etag', `"${createHash('sha1').update(body).digest('base64url')}"`);
    // Revalidated on every load (the ETag makes that a 304), so an upgrade is seen at once.
    reply.header('cache-control', 'no-cache');
    reply.header('content-security-policy', UI_CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (reply.request.headers['if-none-match'] === reply.getHeader('etag')) return reply.code(304).send();
    return reply.send(body);
  };
  // A person who opens the server's address in a browser is looking for the dashboard.
  app.get('/', { config: { negotiate: false }, schema: { hide: true } }, (_request, reply) =>
    reply.redirect('/ui', 302),
  );
  app.get('/ui', { config: { negotiate: false }, schema: { hide: true } }, (_request, reply) =>
    send('index.html', reply),
  );
  app.get<{ Params: { file: string } }>(
    '/ui/:file',
    { config: { negotiate: false }, schema: { hide: true } },
    (request, reply) => send(request.params.file, reply),
  );
}
