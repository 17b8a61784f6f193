// Money is text with two decimals ("5.00"), compared and range-checked as integer cents: never a float.
import { fieldError } from '../errors.js';

const MIN_CENTS = 1n;
const MAX_CENTS = 10_000_000_000n; // 100000000.00

/**
 * Reads an amount as every entry takes it (API, CLI, order files, the simulator): a string `^\d+\.\d{2}$`, exactly
 * two decimals as LianLian writes them ("5" and "5.1" are refused), from 0.01 to 100000000.00; returned without
 * leading zeros ("007.50" → "7.50").
 * @throws LlreconError `LLRECON_INVALID_FIELD` naming `field`.
 */
export function parseMoney(text: unknown, field: string): string {
  if (typeof text !== 'string') throw fieldError(field, `must be a string amount such as "12.50", got ${kindOf(text)}`);
  const cents = /^\d+\.\d{2}$/.test(text) ? toCents(text) : null;
  if (cents === null) throw fieldError(field, 'must be an amount with exactly two decimals, such as "12.50" or "5.00"');
  if (cents < MIN_CENTS || cents > MAX_CENTS) throw fieldError(field, 'must be from 0.01 to 100000000.00');
  return formatCents(cents);
}

/**
 * Whether two amounts are the same exact decimal value: trailing zeros after the point do not matter ("5.1" equals
 * "5.10", "210.970" equals "210.97"), a third decimal that is not zero does ("210.975" equals no two-decimal amount).
 * Anything that is not a plain non-negative decimal (digits, optionally a point and digits: no sign, exponent or
 * space) equals nothing, itself included. THE amount comparison: query answers (decide) and callbacks use it.
 */
export function moneyEquals(a: string, b: string): boolean {
  const left = toDecimal(a);
  const right = toDecimal(b);
  if (left === null || right === null) return false;
  const scale = left.scale > right.scale ? left.scale : right.scale;
  return left.digits * 10n ** (scale - left.scale) === right.digits * 10n ** (scale - right.scale);
}

/** A plain non-negative decimal as `digits / 10^scale` (integers only: exact at any length), or null. */
function toDecimal(text: string): { digits: bigint; scale: bigint } | null {
  const match = typeof text === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(text) : null;
  if (match === null) return null;
  const fraction = match[2] ?? '';
  return { digits: BigInt((match[1] ?? '0') + fraction), scale: BigInt(fraction.length) };
}

function toCents(text: string): bigint | null {
  const match = typeof text === 'string' ? /^(\d+)(?:\.(\d{1,2}))?$/.exec(text) : null;
  return match === null ? null : BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

function formatCents(cents: bigint): string {
  const whole = cents / 100n;
  const rest = (cents % 100n).toString().padStart(2, '0');
  return `${whole.toString()}.${rest}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
