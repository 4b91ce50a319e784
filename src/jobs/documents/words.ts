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
  let count = 0;
  for (const part of segmenterFor(locale).segment(text)) {
    if (part.isWordLike) count++;
  }
  return count;
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
