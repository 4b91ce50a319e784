import { randomFillSync } from 'node:crypto';

// UUIDv7 (RFC 9562 §5.7): 48-bit Unix-ms timestamp, then random bits. Ids sort by creation time,
// which lets lists page by id alone and keeps B-tree inserts at the right edge of the index.
let lastMs = 0;
let sequence = 0;

// Random bytes are drawn 4 KiB at a time (256 ids): one call into the CSPRNG per id cost more than
// the rest of creating a job row, and every inserted job draws an id. An id's string is built straight
// from the pool and the timestamp, with no buffer copied per id: a lone job's id is made with the
// process just woken, where every call and copy counts.
const POOL_IDS = 256;
const pool = new Uint8Array(16 * POOL_IDS);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(nowMs: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 16;
  // Within one millisecond a 12-bit counter in rand_a keeps ids from one process strictly increasing
  // (RFC 9562 §6.2, method 1), so a page boundary never splits ids created in the same ms out of order.
  if (nowMs <= lastMs) {
    sequence++;
    if (sequence > 0xfff) {
      lastMs++;
      sequence = 0;
    }
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    sequence = pool[o + 6]! & 0x07; // start low so the counter rarely overflows
  }
  // The 48-bit timestamp as two 24-bit halves, since bitwise operators work on 32 bits.
  const high = Math.floor(nowMs / 2 ** 24);
  const low = nowMs % 2 ** 24;
  const hex = (i: number) => HEX[pool[o + i]!]!;
  return (
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | ((sequence >>> 8) & 0x0f)]! +
    HEX[sequence & 0xff]! +
    '-' +
    HEX[0x80 | (pool[o + 8]! & 0x3f)]! +
    hex(9) +
    '-' +
    hex(10) +
    hex(11) +
    hex(12) +
    hex(13) +
    hex(14) +
    hex(15)
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
