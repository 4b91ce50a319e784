import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { LANGUAGE_PATTERN } from '../../core/people.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { sendTextKing, textkingPage } from './representation.js';

// TextKing's catalogue (api.json: GetTopics, GetTopic, GetSourceLanguages, GetTargetLanguages,
// GetLanguage). Jobline keeps no catalogue of its own: a job's topic is free text and its languages are
// any BCP 47 tag, so these answer from a fixed list and Intl's names (docs/compat.md, TextKing).

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const LANGUAGE = new RegExp(LANGUAGE_PATTERN);
// Names are given in this language (the Topic and Language models' `localization_language`).
const LOCALIZATION = 'en';

/** A stable name-based UUID (RFC 9562 §5.5) for a catalogue topic. */
function topicId(name: string): string {
  const b = createHash('sha1').update(`textking/topic/${name}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const TOPIC_NAMES = [
  'General',
  'Business',
  'Finance',
  'Legal',
  'Marketing',
  'Medical',
  'Technical',
  'Software',
  'Tourism',
];
const TOPICS = TOPIC_NAMES.map((name) => ({ id: topicId(name), name, localization_language: LOCALIZATION }));

/** Languages offered as sources and targets: the tags TextKing's clients commonly send. */
const LANGUAGES = [
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'et',
  'fi',
  'fr',
  'hu',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'nl',
  'no',
  'pl',
  'pt',
  'ro',
  'ru',
  'sk',
  'sl',
  'sv',
  'tr',
  'uk',
  'zh',
];
const names = new Intl.DisplayNames([LOCALIZATION], { type: 'language', fallback: 'none' });

function language(code: string) {
  return { code, name: names.of(code)!, localization_language: LOCALIZATION };
}

export interface CatalogueHelpers {
  pageOf(request: FastifyRequest): { page: number; perPage: number };
  base(request: FastifyRequest): string;
}

export function textkingCatalogueRoutes(scope: FastifyInstance, helpers: CatalogueHelpers): void {
  const list = <T>(request: FastifyRequest, path: string, all: T[]) => {
    const { page, perPage } = helpers.pageOf(request);
    const items = all.slice((page - 1) * perPage, page * perPage);
    return textkingPage(`${helpers.base(request)}${path}`, page, perPage, all.length, items);
  };

  scope.get('/topics', { config: READ, schema: { hide: true } }, async (request, reply) =>
    sendTextKing(request, reply, list(request, '/topics', TOPICS), { root: 'topics', itemName: 'topic' }),
  );

  // Every job's topic link resolves: a topic outside the list (TextKing's own ids, free text given
  // through another API) is named by itself.
  scope.get('/topic/:topicId', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { topicId: id } = request.params as { topicId: string };
    if (id.trim() === '' || id.length > 200) throw new AppError('bad_request', 'The topic id is not valid.');
    const topic = TOPICS.find((t) => t.id === id.toLowerCase()) ?? {
      id,
      name: id,
      localization_language: LOCALIZATION,
    };
    return sendTextKing(request, reply, topic, { root: 'topic' });
  });

  for (const side of ['source', 'target'])
    scope.get(`/languages/${side}`, { config: READ, schema: { hide: true } }, async (request, reply) =>
      sendTextKing(request, reply, list(request, `/languages/${side}`, LANGUAGES.map(language)), {
        root: 'languages',
        itemName: 'language',
      }),
    );

  // Any language a job may have: a BCP 47 tag Intl can name.
  scope.get('/language/:code', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { code } = request.params as { code: string };
    if (!LANGUAGE.test(code)) throw new AppError('bad_request', `${JSON.stringify(code)} is not a language code.`);
    // `und` is what a job without a known language shows (representation.ts).
    let name: string | undefined = code === 'und' ? 'Undetermined' : undefined;
    try {
      name ??= names.of(code);
    } catch {
      name = undefined;
    }
    if (name === undefined) throw new AppError('not_found', `There is no language ${code}.`);
    return sendTextKing(request, reply, { code, name, localization_language: LOCALIZATION }, { root: 'language' });
  });
}
