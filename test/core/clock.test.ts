import { describe, expect, it } from 'vitest';
import { toIso } from '../../src/core/clock.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('toIso', () => {
  it('keeps null and undefined as null', () => {
    expect(toIso(null)).toBeNull();
    expect(toIso(undefined)).toBeNull();
  });

  it('writes exactly what toISOString writes, at the edges of days, years and the four-digit years', () => {
    const edges = [
      0,
      -1,
      1,
      999,
      1000,
      DAY - 1,
      DAY,
      -DAY,
      -DAY - 1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      -62_135_596_800_000,
      -0,
      -62_167_219_200_000,
      -62_167_219_200_001,
      253_402_300_799_999,
      253_402_300_800_000,
      8.64e15,
      -8.64e15,
      1_700_000_000_000.5,
      -0.5,
    ];
    for (const ms of edges) expect(toIso(ms), String(ms)).toBe(iso(ms));
  });

  it('writes exactly what toISOString writes for random times, in any order of days', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 100_000; i++) {
      const span = i % 3 === 0 ? 8.64e15 : i % 3 === 1 ? 253_402_300_800_000 : 4_102_444_800_000; // any time, years 0–9999, 1970–2100
      const ms = Math.floor((random() * 2 - (i % 3 === 2 ? 0 : 1)) * span);
      expect(toIso(ms)).toBe(iso(ms));
      // The next time of the same day, as a job's timestamps usually are.
      const later = ms + Math.floor(random() * 3_600_000);
      if (Math.abs(later) <= 8.64e15) expect(toIso(later)).toBe(iso(later));
    }
  });

  it('throws for a time outside the Date range, as toISOString does', () => {
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
    expect(() => toIso(8.64e15 + 1)).toThrow(RangeError);
  });
});
