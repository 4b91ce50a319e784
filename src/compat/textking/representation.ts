import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import { negotiateFormat, type Format } from '../../http/negotiation.js';
import type { TextKingCallback } from '../../store/textking-callbacks.js';
import { storageFileName } from '../file-names.js';
import { TEXTKING_PROJECT_STATES, textkingJobState } from './states.js';

// TextKing's representations (TextKing/textking-api wiki: GET Job, GET Jobs, GET Project) in JSON or
// XML, chosen by Accept. Links are absolute URLs of this server with TextKing's `rel` values.

export interface Link {
  rel: string;
  href: string;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** TextKing numbers jobs `<project number>-<job number>` (the wiki shows EN1216947-01); Jobline's are per workspace and project. */
export function projectNumber(project: Project): string {
  return `P${String(project.number).padStart(6, '0')}`;
}

export function jobLinks(base: string, job: Job): Link[] {
  const self = `${base}/project/${job.projectId}/job/${job.id}`;
  const topic = str(record(job.input).topic);
  return [
    { rel: 'self', href: self },
    { rel: 'urn:textking:project', href: `${base}/project/${job.projectId}` },
    { rel: 'urn:textking:document', href: `${self}/document` },
    { rel: 'urn:textking:translation', href: `${self}/translation` },
    ...(topic !== null ? [{ rel: 'urn:textking:topic', href: `${base}/topic/${encodeURIComponent(topic)}` }] : []),
    { rel: 'urn:textking:callbacks', href: `${self}/callbacks` },
  ];
}

/** BCP 47's "undetermined" language, for a job whose language nobody gave. */
export const UNDETERMINED_LANGUAGE = 'und';
/** One translator's pass, which is what a people job of one workflow step is. */
export const DEFAULT_QUALITY = 'translation';

export function textkingJob(base: string, job: Job, project: Project) {
  const input = record(job.input);
  return {
    id: job.id,
    number: `${projectNumber(project)}-${String(job.number).padStart(2, '0')}`,
    name: job.name ?? '',
    // A job made through another API may lack these; TextKing's clients need strings (docs/compat.md).
    source_language: str(input.source_language) ?? UNDETERMINED_LANGUAGE,
    target_language: str(input.target_language) ?? UNDETERMINED_LANGUAGE,
    quality: str(input.quality) ?? DEFAULT_QUALITY,
    topic: str(input.topic),
    briefing: str(input.briefing),
    state: textkingJobState(job, project.state ?? 'prepared'),
    // Counted when the document is imported; priced from the project's rate for the language pair.
    words: num(input.words) ?? 0,
    net_price: num(input.net_price),
    currency: str(input.currency),
    is_active: input.is_active !== false,
    links: jobLinks(base, job),
  };
}

export function textkingProject(base: string, project: Project, jobs: Job[]) {
  const prices = jobs.map((j) => record(j.input)).filter((i) => typeof i.net_price === 'number');
  const currencies = [...new Set(prices.map((i) => i.currency).filter((c): c is string => typeof c === 'string'))];
  return {
    id: project.id,
    number: projectNumber(project),
    name: project.name,
    due_date: null,
    state: TEXTKING_PROJECT_STATES[project.state ?? 'prepared'],
    // The sum of its active jobs' prices, when they are all in one currency.
    currency: currencies.length === 1 ? currencies[0]! : null,
    net_price:
      currencies.length === 1
        ? Math.round(prices.reduce((sum, i) => sum + (i.is_active === false ? 0 : (i.net_price as number)), 0) * 100) /
          100
        : null,
    vat: null,
    coupon_name: null,
    coupon_value: null,
    discount_customer: null,
    discount_project: null,
    affiliate_id: null,
    billing_address: null,
    links: [
      { rel: 'self', href: `${base}/project/${project.id}` },
      { rel: 'urn:textking:jobs', href: `${base}/project/${project.id}/jobs` },
    ],
  };
}

/** `{page, per_page, total, items, links}` with a self link (and next/prev where there are such pages). */
export function textkingPage<T>(url: string, page: number, perPage: number, total: number, items: T[]) {
  const at = (p: number) => `${url}?page=${p}&per_page=${perPage}`;
  return {
    page,
    per_page: perPage,
    total,
    items,
    links: [
      { rel: 'self', href: at(page) },
      ...(page * perPage < total ? [{ rel: 'next', href: at(page + 1) }] : []),
      ...(page > 1 ? [{ rel: 'prev', href: at(page - 1) }] : []),
    ],
  };
}

// XML: the JSON members as elements in the same order; lists as repeated elements named after their
// items (`<items><job>…</job></items>`), links as `<links><link rel="…" href="…"/></links>`, null as an
// empty element.

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

function element(name: string, value: unknown, itemName: string): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (name === 'links' && Array.isArray(value))
    return `<links>${(value as Link[]).map((l) => `<link rel="${escape(l.rel)}" href="${escape(l.href)}"/>`).join('')}</links>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element(itemName, v, 'item')).join('')}</${name}>`;
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v, itemName))
      .join('')}</${name}>`;
  return `<${name}>${escape(typeof value === 'string' ? value : JSON.stringify(value))}</${name}>`;
}

export function toTextKingXml(root: string, value: unknown, itemName = 'item'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${element(root, value, itemName)}`;
}

/** JSON unless the client prefers XML; a client accepting neither gets JSON for errors (406 for resources). */
export function formatOf(request: FastifyRequest, fallback?: Format): Format {
  try {
    return negotiateFormat(request.headers.accept);
  } catch (error) {
    if (fallback !== undefined) return fallback;
    throw error;
  }
}

/** Sends a representation: `root` and `itemName` name the XML elements. */
export function sendTextKing(
  request: FastifyRequest,
  reply: FastifyReply,
  value: unknown,
  xml: { root: string; itemName?: string },
  format: Format = formatOf(request),
): FastifyReply {
  if (format === 'xml')
    return reply
      .type('application/xml; charset=utf-8')
      .serializer((v) => v as string)
      .send(toTextKingXml(xml.root, value, xml.itemName));
  return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(value);
}

/** A callback (wiki, Get job callbacks): `{id, url, trigger_state, extra_data, links}`. */
export function textkingCallback(base: string, projectId: string, callback: TextKingCallback) {
  const job = `${base}/project/${projectId}/job/${callback.jobId}`;
  return {
    id: callback.id,
    url: callback.url,
    trigger_state: callback.triggerState,
    extra_data: callback.extraData,
    links: [
      { rel: 'self', href: `${job}/callback/${callback.id}` },
      { rel: 'urn:textking:job', href: job },
    ],
  };
}

// RFC 9110 token characters: a name made of these needs no quotes.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `attachment; filename={filename}` unquoted, as the wiki writes it (its client keeps quotes as part of
 * the name). Names stored through TextKing are always tokens; any other name (a translation delivered
 * through the native API, say) is sent in its safe form, with the exact name in `filename*` (RFC 6266).
 */
export function textkingDisposition(name: string): string {
  if (TOKEN.test(name)) return `attachment; filename=${name}`;
  return `attachment; filename=${storageFileName(name)}; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
