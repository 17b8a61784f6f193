// LianLian's times: `yyyyMMddHHmmss` in UTC+8 (Asia/Shanghai, no daylight saving), handled with luxon only.
import { DateTime } from 'luxon';
import { fieldError } from '../errors.js';

/** The zone every LianLian time is written in. */
export const LIANLIAN_ZONE = 'UTC+8';

const FORMAT = 'yyyyMMddHHmmss';

/**
 * Reads a strict `yyyyMMddHHmmss` UTC+8 time (14 digits, a real calendar time: `20230230120000` is refused).
 * @throws LlreconError `LLRECON_INVALID_FIELD` naming `field`.
 */
export function parseLianLianTime(text: string, field: string): DateTime {
  if (typeof text !== 'string' || !/^\d{14}$/.test(text)) {
    throw fieldError(field, 'must be 14 digits yyyyMMddHHmmss (UTC+8)');
  }
  const at = DateTime.fromFormat(text, FORMAT, { zone: LIANLIAN_ZONE });
  // Round-trip too: luxon reads hour 24 as the next day's 00.
  if (!at.isValid || at.toFormat(FORMAT) !== text) throw fieldError(field, `is not a real time: ${text} (yyyyMMddHHmmss, UTC+8)`);
  return at;
}

/** Writes an instant (epoch milliseconds or a DateTime) as LianLian's `yyyyMMddHHmmss` in UTC+8. */
export function formatLianLianTime(at: number | DateTime): string {
  const time = typeof at === 'number' ? DateTime.fromMillis(at) : at;
  return time.setZone(LIANLIAN_ZONE).toFormat(FORMAT);
}

/**
 * Whether a LianLian time is within `maxMinutes` of `nowMs` either way (LianLian refuses `time_stamp`/`timestamp`
 * off by more than 30 minutes). A malformed time is not within skew.
 */
export function isWithinSkew(text: string, nowMs: number, maxMinutes = 30): boolean {
  let at: DateTime;
  try {
    at = parseLianLianTime(text, 'time');
  } catch {
    return false;
  }
  return Math.abs(at.toMillis() - nowMs) <= maxMinutes * 60_000;
}
