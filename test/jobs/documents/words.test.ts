import { describe, expect, it } from 'vitest';
import { countWords } from '../../../src/jobs/documents/index.js';

describe('countWords', () => {
  it('counts words and numbers, not punctuation or spacing', () => {
    expect(countWords('Hello, world!')).toBe(2);
    expect(countWords('  The job took 42 seconds —  3.5 times faster.  ')).toBe(8);
    expect(countWords('')).toBe(0);
    expect(countWords(' … — !!! ??? ')).toBe(0);
  });

  it('keeps contractions, decimals and thousands separators inside one word', () => {
    expect(countWords("It's 1,000 jobs at 3.14 each")).toBe(6);
    expect(countWords("l'homme d'aujourd'hui", 'fr')).toBe(2);
  });

  it('splits hyphenated and e-mail-like tokens where Unicode word boundaries fall', () => {
    expect(countWords('e-mail')).toBe(2);
    expect(countWords('support@example.com')).toBe(2);
  });

  it('counts CJK and Thai text per dictionary word, not per character', () => {
    expect(countWords('我喜欢学习中文', 'zh')).toBe(4);
    expect(countWords('日本語のテキストです。', 'ja')).toBe(4);
    expect(countWords('สวัสดีครับ', 'th')).toBe(2);
  });

  it('does not count emoji and symbols', () => {
    expect(countWords('Done 🎉 ✔ → next')).toBe(2);
  });

  it('accepts POSIX locale names and ignores malformed tags', () => {
    expect(countWords('Guten Tag', 'de_DE')).toBe(2);
    expect(countWords('Guten Tag', 'not a locale!')).toBe(2);
  });
});

describe('countWords on long text', () => {
  it('counts a long paragraph exactly as one segmenter pass would, in linear time', () => {
    const sentence = "Jobline's 3 workers imported 1,024 files — déjà vu! ";
    const text = sentence.repeat(20_000); // ~1 MB; one pass of Node 20's segmenter would take minutes
    const started = performance.now();
    expect(countWords(text)).toBe(countWords(sentence) * 20_000);
    expect(countWords(sentence)).toBe(8);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('cuts inside long runs of spaces and line breaks without changing the count', () => {
    expect(countWords(`alpha${' '.repeat(10_000)}beta${'\r\n'.repeat(5_000)}gamma`)).toBe(3);
    expect(countWords(`${'ab '.repeat(100)}${'x'.repeat(300)} tail`)).toBe(102);
  });

  it('cuts long CJK text after clause punctuation without changing the count', () => {
    const sentence = '我喜欢学习中文。';
    expect(countWords(sentence.repeat(2_000), 'zh')).toBe(4 * 2_000);
  });
});
