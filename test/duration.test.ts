// Durations in settings and flags: every unit, decimals, lists, the errors naming the setting, and formatting back.
import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { formatDuration, parseDuration, parseDurationList } from '../src/reconcile/duration.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0ms', 0],
    ['5s', 5000],
    ['0.5s', 500],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['10080m', 604_800_000],
    [' 30s ', 30_000],
    ['1.0005s', 1001],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text, 'X')).toBe(ms);
  });

  it.each(['', '5', '5 s', 's', '-5s', '5sec', '1,5h', '.5s', '5.s', '5S', '1e3ms', '5s5', 'NaNs'])(
    'rejects %j with LLRECON_CONFIG naming the setting',
    (text) => {
      const err = errorOf(() => parseDuration(text, 'QUERY_TIMEOUT'));
      expect(isLlreconError(err, 'LLRECON_CONFIG')).toBe(true);
      expect((err as Error).message.startsWith('QUERY_TIMEOUT: ')).toBe(true);
      expect((err as Error).message).toContain('ms, s, m, h, d');
    },
  );

  it('rejects a duration beyond what milliseconds can hold exactly', () => {
    const err = errorOf(() => parseDuration('999999999999999d', 'EVENTS_RETENTION'));
    expect(isLlreconError(err, 'LLRECON_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(/^EVENTS_RETENTION: /);
  });
});

describe('parseDurationList', () => {
  it('parses a comma list in order, spaces allowed', () => {
    expect(parseDurationList('5s,15s, 30s,1m ,2h,1d', 'POLL_SCHEDULE')).toEqual([5000, 15_000, 30_000, 60_000, 7_200_000, 86_400_000]);
    expect(parseDurationList('250ms', 'POLL_SCHEDULE')).toEqual([250]);
  });

  it.each([
    ['', 'empty list'],
    ['  ', 'empty list'],
    ['5s,,10s', 'POLL_SCHEDULE[1]: empty item'],
    ['5s,', 'POLL_SCHEDULE[1]: empty item'],
    ['5s,0s', 'POLL_SCHEDULE[1]: "0s" must be longer than 0'],
    ['5s,10s,fast', 'POLL_SCHEDULE[2]: "fast" is not a duration'],
  ])('rejects %j: %s', (text, message) => {
    const err = errorOf(() => parseDurationList(text, 'POLL_SCHEDULE'));
    expect(isLlreconError(err, 'LLRECON_CONFIG')).toBe(true);
    expect((err as Error).message.startsWith('POLL_SCHEDULE')).toBe(true);
    expect((err as Error).message).toContain(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [1, '1ms'],
    [1500, '1500ms'],
    [5000, '5s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [5_400_000, '90m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_000, 3_600_000, 90_061_001, 604_800_000]) expect(parseDuration(formatDuration(ms), 'X')).toBe(ms);
  });
});
