import { randomBytes } from 'node:crypto';

// UUIDv7 (RFC 9562 §5.7): 48-bit Unix-ms timestamp, then random bits. Ids sort by creation time,
// which lets lists page by id alone and keeps B-tree inserts at the right edge of the index.
let lastMs = 0;
let sequence = 0;

export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
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
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
