// Time is injected so tests can drive it (lease expiry, idempotency-key expiry, token expiry).
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

const DAY_MS = 86_400_000;
// Years 0000 to 9999 have the plain `YYYY-MM-DDTHH:mm:ss.sssZ` form; toISOString writes others with a
// sign and six digits, and throws for an invalid time, so those (never a stored timestamp) go to it.
const FIRST_PLAIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const END_PLAIN_MS = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z

const DIGITS_2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const DIGITS_3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

// A response shows several timestamps, mostly of the same day (created, started, completed): the date
// part is kept for the last day seen and the time of day is computed, which costs a fraction of a
// Date and its formatting per timestamp.
let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DDT` of a day counted from 1970-01-01, for years 0000 to 9999 (H. Hinnant's civil_from_days). */
function datePrefix(day: number): string {
  const z = day + 719_468; // days from 0000-03-01, so that the leap day ends a year
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const date = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${DIGITS_2[Math.floor(year / 100)]}${DIGITS_2[year % 100]}-${DIGITS_2[month]}-${DIGITS_2[date]}T`;
}

export function toIso(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  if (!Number.isInteger(ms) || ms < FIRST_PLAIN_MS || ms >= END_PLAIN_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDate = datePrefix(day);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${cachedDate}${DIGITS_2[hours]}:${DIGITS_2[minutes]}:${DIGITS_2[seconds]}.${DIGITS_3[rest - seconds * 1000]}Z`;
}
