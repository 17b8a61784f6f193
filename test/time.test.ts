import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { LIANLIAN_ZONE, formatLianLianTime, isWithinSkew, parseLianLianTime } from '../src/lianlian/time.js';

// 2017-08-01 22:57:14 in UTC+8 is 14:57:14 UTC.
const SAMPLE_MS = Date.UTC(2017, 7, 1, 14, 57, 14);

describe('parseLianLianTime', () => {
  it.each<[string, number]>([
    ['20170801225714', SAMPLE_MS],
    ['20240229000000', Date.UTC(2024, 1, 28, 16, 0, 0)],
    ['20230101000000', Date.UTC(2022, 11, 31, 16, 0, 0)],
    ['20231231235959', Date.UTC(2023, 11, 31, 15, 59, 59)],
  ])('%s is read in UTC+8', (text, ms) => {
    const at = parseLianLianTime(text, 'dt_order');
    expect(at.toMillis()).toBe(ms);
    expect(at.offset).toBe(480);
  });

  it.each([
    ['Feb 30', '20230230120000'],
    ['Feb 29 of a common year', '20230229120000'],
    ['month 13', '20231301120000'],
    ['hour 24', '20230101240000'],
    ['minute 60', '20230101126000'],
    ['second 60', '20230101120060'],
    ['13 digits (the seed sample typo)', '2013051500001'],
    ['15 digits', '201305150000011'],
    ['separators', '2023-01-01 12:00'],
    ['spaces', ' 20230101120000'],
    ['full-width digits', '２０２３０１０１１２００００'],
    ['empty', ''],
  ])('refuses %s, naming the field', (_name, text) => {
    let caught: unknown;
    try {
      parseLianLianTime(text, 'orders[2].dt_order');
    } catch (error) {
      caught = error;
    }
    expect(isLlreconError(caught, 'LLRECON_INVALID_FIELD')).toBe(true);
    expect((caught as { field: string }).field).toBe('orders[2].dt_order');
  });

  it('refuses a non-string as a field error', () => {
    expect(() => parseLianLianTime(20230101120000 as unknown as string, 'dt_order')).toThrow(/dt_order/);
  });
});

describe('formatLianLianTime', () => {
  it.each<[string, number | DateTime, string]>([
    ['epoch ms', SAMPLE_MS, '20170801225714'],
    ['a UTC DateTime', DateTime.fromMillis(SAMPLE_MS, { zone: 'utc' }), '20170801225714'],
    ['a New York DateTime', DateTime.fromMillis(SAMPLE_MS, { zone: 'America/New_York' }), '20170801225714'],
    ['across midnight UTC+8', Date.UTC(2023, 11, 31, 16, 0, 0), '20240101000000'],
    ['milliseconds dropped', SAMPLE_MS + 999, '20170801225714'],
  ])('%s', (_name, at, text) => {
    expect(formatLianLianTime(at)).toBe(text);
  });

  it('round-trips with parseLianLianTime', () => {
    for (const ms of [0, SAMPLE_MS, Date.UTC(2030, 5, 15, 3, 4, 5)]) {
      expect(parseLianLianTime(formatLianLianTime(ms), 't').toMillis()).toBe(ms);
    }
    expect(LIANLIAN_ZONE).toBe('UTC+8');
  });
});

describe('isWithinSkew', () => {
  it.each<[string, string, number, boolean]>([
    ['exactly now', '20170801225714', 0, true],
    ['30 minutes ahead', '20170801232714', 0, true],
    ['30 minutes behind', '20170801222714', 0, true],
    ['30 min 1 s ahead', '20170801232715', 0, false],
    ['30 min 1 s behind', '20170801222713', 0, false],
    ['the UTC clock reading (8 hours off)', '20170801145714', 0, false],
    ['garbage', 'soon', 0, false],
  ])('%s', (_name, text, deltaMs, expected) => {
    expect(isWithinSkew(text, SAMPLE_MS + deltaMs)).toBe(expected);
  });

  it('takes another limit', () => {
    expect(isWithinSkew('20170801230714', SAMPLE_MS, 5)).toBe(false);
    expect(isWithinSkew('20170801230214', SAMPLE_MS, 5)).toBe(true);
  });
});
