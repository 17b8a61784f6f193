// Durations as people write them in settings and flags: `500ms`, `5s`, `1.5h`, `7d`.
import { LlreconError } from '../errors.js';

/** Milliseconds per unit, largest first (the order {@link formatDuration} tries them in). */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;

type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses one duration, an integer or decimal number followed by a unit (`ms s m h d`), into whole milliseconds
 * (rounded to the nearest one). Surrounding spaces are ignored. Throws `LLRECON_CONFIG` with a message that starts
 * with `name`, the setting or flag the text came from.
 */
export function parseDuration(text: string, name: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) {
    throw new LlreconError(
      'LLRECON_CONFIG',
      `${name}: "${text}" is not a duration: write a number and a unit (ms, s, m, h, d), e.g. 500ms, 5s, 1.5h, 7d`,
      { field: name },
    );
  }
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] as Unit]);
  if (!Number.isSafeInteger(ms)) throw new LlreconError('LLRECON_CONFIG', `${name}: "${text}" is too long a duration`, { field: name });
  return ms;
}

/**
 * Parses a comma list of durations (e.g. `5s,15s,30s,1m`) into milliseconds. The list must not be empty and
 * every item must be longer than 0; otherwise throws `LLRECON_CONFIG` naming `name` and the item's position.
 */
export function parseDurationList(text: string, name: string): number[] {
  if (text.trim() === '')
    throw new LlreconError('LLRECON_CONFIG', `${name}: empty list: give at least one duration, e.g. 5s,15s,30s,1m`, { field: name });
  return text.split(',').map((item, i) => {
    const at = `${name}[${i}]`;
    if (item.trim() === '') throw new LlreconError('LLRECON_CONFIG', `${at}: empty item in "${text}"`, { field: name });
    const ms = parseDuration(item, at);
    if (ms <= 0) throw new LlreconError('LLRECON_CONFIG', `${at}: "${item.trim()}" must be longer than 0`, { field: name });
    return ms;
  });
}

/** Writes milliseconds in the largest unit that divides them exactly: 90000 → `90s`, 86400000 → `1d`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
