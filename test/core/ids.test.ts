import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from '../../src/core/ids.js';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 UUID whose first 48 bits are the Unix time in ms', () => {
    const now = Date.UTC(2026, 10, 22, 12, 34, 56, 789);
    const id = uuidv7(now + 10_000_000); // later than any id made so far in this process
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(id)).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now + 10_000_000);
  });

  it('gives distinct, strictly increasing ids, within one millisecond too, across refills of its random pool', () => {
    const at = Date.now() + 20_000_000;
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(at + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('draws fresh random bits for every id (the last 62 bits never repeat)', () => {
    const tails = Array.from({ length: 2000 }, () => uuidv7().slice(19));
    expect(new Set(tails).size).toBe(tails.length);
    // Every hex digit of the random tail turns up: the bytes are not constant or zeroed.
    const digits = new Set(tails.join('').replace(/-/g, ''));
    expect(digits.size).toBe(16);
  });
});
