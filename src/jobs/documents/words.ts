/**
 * Counts words the way Unicode word segmentation (UAX #29, with ICU's dictionaries) finds them:
 * Intl.Segmenter in word granularity, counting the segments it marks word-like.
 * - Letters and digits joined by word-internal punctuation are one word: "it's", "3.14", "1,000".
 * - Numbers count as words; punctuation, symbols, emoji and whitespace do not.
 * - Chinese, Japanese, Thai and other scripts written without spaces count per word the segmenter's
 *   dictionary finds ("我喜欢学习中文" is 4: 我 / 喜欢 / 学习 / 中文), not per character.
 * - `locale` selects language-specific rules; an unknown or malformed tag falls back to the root rules
 *   rather than failing, since it usually comes from the document itself.
 */
export function countWords(text: string, locale?: string): number {
  const segmenter = segmenterFor(locale);
  let count = 0;
  for (const piece of pieces(text)) {
    // Blank pieces (long runs of spaces) have no words; skipping them saves a segmenter call each.
    if (!/\S/.test(piece)) continue;
    for (const part of segmenter.segment(piece)) {
      if (part.isWordLike) count++;
    }
  }
  return count;
}

/**
 * The sum of countWords over the texts, with far fewer segmenter calls: each call has a fixed cost
 * however short the text, which adds up over a document of many short segments. Texts are
 * joined with a line feed, across which Unicode never joins words (UAX #29 WB3a/WB3b).
 */
export function countWordsInAll(texts: Iterable<string>, locale?: string): number {
  let total = 0;
  let batch: string[] = [];
  let batchLength = 0;
  for (const text of texts) {
    batch.push(text);
    batchLength += text.length + 1;
    if (batchLength >= 65_536) {
      total += countWords(batch.join('\n'), locale);
      batch = [];
      batchLength = 0;
    }
  }
  if (batch.length > 0) total += countWords(batch.join('\n'), locale);
  return total;
}

// Node 20's Intl.Segmenter takes time quadratic in the length of the string it iterates (a
// 100 kB paragraph takes seconds, a megabyte hours), so long text is fed to it in short pieces cut
// where no word can span: before a space or line break, or after the full-width punctuation that ends
// CJK clauses. Only a run of PIECE_HARD_LIMIT characters with neither is cut blindly, and then at
// most one word per cut is miscounted.
const PIECE_TARGET = 256;
const PIECE_HARD_LIMIT = 4096;
const CJK_CLAUSE_END = new Set([
  0x3001, 0x3002, 0xff01, 0xff0c, 0xff1a, 0xff1b, 0xff1f, 0x300d, 0x300f, 0xff09, 0x3011,
]);

function* pieces(text: string): Generator<string> {
  let start = 0;
  while (text.length - start > PIECE_TARGET) {
    const cut = findCut(text, start);
    yield text.slice(start, cut);
    start = cut;
  }
  if (start < text.length) yield text.slice(start);
}

function findCut(text: string, start: number): number {
  const limit = Math.min(text.length, start + PIECE_HARD_LIMIT);
  // The first safe place at or after the target, so that pieces stay near PIECE_TARGET long.
  for (let i = start + PIECE_TARGET; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (isBreakingSpace(code)) return i;
    if (CJK_CLAUSE_END.has(code)) return i + 1;
  }
  if (limit === text.length) return limit;
  // Never between the halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/**
 * Characters that UAX #29 never joins to a letter or digit beside them: WSegSpace (which only joins
 * other spaces, so cutting a run of them changes no word), line breaks and tabs. Not U+00A0 or
 * U+202F, to stay clear of locales that group digits with them.
 */
function isBreakingSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x85 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x2006) ||
    (code >= 0x2008 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x205f ||
    code === 0x3000
  );
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(locale: string | undefined): Intl.Segmenter {
  const cacheKey = locale ?? '';
  let segmenter = segmenters.get(cacheKey);
  if (!segmenter) {
    try {
      // POSIX names such as de_DE (gettext's Language header) are BCP 47 tags with another separator.
      segmenter = new Intl.Segmenter(locale?.replace(/_/g, '-'), { granularity: 'word' });
    } catch {
      segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
    }
    // Locales come from documents, so the cache is bounded against a stream of distinct tags.
    if (segmenters.size >= 64) segmenters.clear();
    segmenters.set(cacheKey, segmenter);
  }
  return segmenter;
}
