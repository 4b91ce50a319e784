import { randomFillSync } from 'node:crypto';

// UUIDv7 (RFC 9562 §5.7): 48-bit Unix-ms timestamp, then random bits. Ids sort by creation time,
// which lets lists page by id alone and keeps B-tree inserts at the right edge of the index.
let lastMs = 0;
let sequence = 0;

// Random bytes are drawn 4 KiB at a time (256 ids): one call into the CSPRNG per id cost more than
// the rest of creating a job row, and every inserted job draws an id.
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let poolOffset = pool.length;
const bytes = Buffer.alloc(16);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(nowMs: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(bytes, 0, poolOffset, poolOffset + 16);
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
    sequence = bytes[6]! & 0x07; // start low so the counter rarely overflows
  }
  bytes[0] = (nowMs / 2 ** 40) & 0xff;
  bytes[1] = (nowMs / 2 ** 32) & 0xff;
  bytes[2] = (nowMs >>> 24) & 0xff;
  bytes[3] = (nowMs >>> 16) & 0xff;
  bytes[4] = (nowMs >>> 8) & 0xff;
  bytes[5] = nowMs & 0xff;
  bytes[6] = 0x70 | ((sequence >>> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const h = (i: number) => HEX[bytes[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
