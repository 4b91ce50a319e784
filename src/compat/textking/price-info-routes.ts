import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { LANGUAGE_PATTERN, normalizeLanguage, type ProjectRate } from '../../core/people.js';
import { uploadedType } from '../../http/file-content.js';
import { DocumentError, MAX_DOCUMENT_BYTES, detectFormat, parseDocument } from '../../jobs/documents/index.js';
import { latestRate } from '../../store/project-rates.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import type { TextKingContext } from './context.js';
import { QUALITIES } from './job-fields.js';
import { sendTextKing } from './representation.js';
import { badInput } from './request-input.js';

// Price information (api.json: GetPriceInfoForWordCount, GetPriceInfoForDocument; the PHP client's
// PriceInfo and Price). Jobline keeps rates per project and language pair (PUT /v1/projects/{id}/rates):
// the quote is the rate the workspace set last for the pair, and a job's price is its words times that
// rate whatever its quality, so every quality is quoted alike. No rate for the pair: no prices.

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const LANGUAGE = new RegExp(LANGUAGE_PATTERN);

interface Quote {
  source_language: string;
  target_language: string;
  topic: string | null;
  words: number;
}

function quoteOf(request: FastifyRequest, withWords: boolean): Quote {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const language = (name: string): string => {
    const value = query[name];
    if (typeof value !== 'string' || !LANGUAGE.test(value))
      throw badInput(`${name} is required: a language code such as de or en-US.`);
    return value;
  };
  const topic = query.topic;
  if (topic !== undefined && (typeof topic !== 'string' || topic === '' || topic.length > 200))
    throw badInput('topic must be a topic id.');
  let words = 0;
  if (withWords) {
    const raw = query.words;
    if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw))
      throw badInput('words is required: a whole number of words.');
    words = Number(raw);
  }
  return {
    source_language: language('source_language'),
    target_language: language('target_language'),
    topic: typeof topic === 'string' ? topic : null,
    words,
  };
}

function priceInfo(quote: Quote, rate: ProjectRate | undefined) {
  return {
    ...quote,
    prices:
      rate === undefined
        ? []
        : QUALITIES.map((quality) => ({
            quality,
            price_per_word: rate.pricePerWord,
            // Rounded to cents as a job's net_price is.
            total_price: Math.round(quote.words * rate.pricePerWord * 100) / 100,
            currency: rate.currency,
          })),
  };
}

export function textkingPriceInfoRoutes(scope: FastifyInstance, tk: TextKingContext): void {
  const rateFor = (request: FastifyRequest, quote: Quote) =>
    latestRate(
      tk.services.store.db,
      tk.principalOf(request).workspaceId,
      normalizeLanguage(quote.source_language),
      normalizeLanguage(quote.target_language),
    );

  scope.get('/price-info', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const quote = quoteOf(request, true);
    return sendTextKing(request, reply, priceInfo(quote, await rateFor(request, quote)), {
      root: 'price_info',
      itemName: 'price',
    });
  });

  // The document is the body in its own Content-Type; its words are counted as its import would count them.
  void scope.register(async (documents) => {
    documents.removeAllContentTypeParsers();
    documents.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_DOCUMENT_BYTES }, (_r, body, done) =>
      done(null, body),
    );
    documents.post('/price-info', { config: READ, schema: { hide: true } }, async (request, reply) => {
      const quote = quoteOf(request, false);
      const contentType = uploadedType(request.headers['content-type']);
      const bytes = request.body;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw badInput('Send the document as the request body.');
      // "406 Not Acceptable: The posted content type is not supported": one whose words Jobline cannot count.
      const format = detectFormat(undefined, contentType, Buffer.alloc(0));
      if (format === undefined)
        throw new AppError('unsupported_media_type', `Jobline cannot count the words of ${contentType} documents.`);
      try {
        quote.words = (await parseDocument(bytes, format)).words;
      } catch (error) {
        if (error instanceof DocumentError) throw badInput(`The document cannot be read: ${error.message}`);
        throw error;
      }
      return sendTextKing(request, reply, priceInfo(quote, await rateFor(request, quote)), {
        root: 'price_info',
        itemName: 'price',
      });
    });
  });
}
