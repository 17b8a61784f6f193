// The pino logger, with three layers that keep secrets and card data out of every log line:
//   1. REDACT_PATHS: pino's redaction of SECRET_FIELDS (src/secret-fields.ts: `sign`, keys, tokens, card fields …)
//      at every depth up to MAX_DEPTH; anything nested deeper is cut off by layer 2, so no key escapes the paths.
//   2. hooks.logMethod: a copy of the logged object in which every string is passed through scrubText(), Errors
//      are reduced to safe fields, and objects deeper than MAX_DEPTH are cut off.
//   3. serializers: `err` keeps only fields that cannot hold secrets; `msg` scrubs the final message text.
import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { SECRET_FIELDS } from './secret-fields.js';

/** The logger every llrecon module takes. */
export type Logger = PinoLogger;

/** pino's levels, plus `silent`. */
export type LogLevel = LevelWithSilent;

/** The levels LOG_LEVEL accepts. */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What replaces a redacted value. */
export const CENSOR = '[redacted]';

/** How deep logged objects are kept; deeper ones become `[truncated]`. */
export const MAX_DEPTH = 4;

function pathTo(key: string, depth: number): string {
  const ident = /^[A-Za-z_$][\w$]*$/.test(key);
  if (depth === 0) return ident ? key : `["${key}"]`;
  return `${'*.'.repeat(depth - 1)}*${ident ? `.${key}` : `["${key}"]`}`;
}

/** pino redaction paths: every SECRET_FIELDS entry at the top level and under 1–3 levels of nesting. */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((k) =>
  Array.from({ length: MAX_DEPTH }, (_, depth) => pathTo(k, depth)),
);

const PEM_RE = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
const BASE64_RUN_RE = /[A-Za-z0-9+/_-]{100,}={0,2}/g;
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)[^@\s/]+@/gi;
const AUTH_SCHEME_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// runs of digits, also grouped by spaces or dashes (`6222 0212 3456 7890`), and 18-character ID numbers ending
// in X, not glued to letters or digits (so `ORD2026112410300012` stays); cardLike() decides on the digit count
const NUMBER_RUN_RE = /(?<![0-9A-Za-z])(?:\d{4}(?:[ -]\d{2,6}){2,4}|\d{13,19}|\d{17}[Xx])(?![0-9A-Za-z])/g;
// a LianLian time, yyyyMMddHHmmss: 14 digits, but not a card number
const LIANLIAN_TIME_RE = /^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d[0-5]\d$/;

/**
 * Last-line defence for free text (log messages, error messages and stacks, string fields): masks PEM blocks,
 * base64 runs of 100 characters or more (keys, signatures), passwords in URLs, Bearer/Basic credentials, and
 * card-like numbers (13–19 digits; a 14-digit LianLian time `yyyyMMddHHmmss` is kept).
 */
export function scrubText(s: string): string {
  return s
    .replace(PEM_RE, '[redacted PEM]')
    .replace(BASE64_RUN_RE, '[redacted base64]')
    .replace(URL_PASSWORD_RE, '$1***@')
    .replace(AUTH_SCHEME_RE, '$1 [redacted]')
    .replace(NUMBER_RUN_RE, (m) => (cardLike(m) ? '[redacted number]' : m));
}

/** 13–19 digits that are not a LianLian time, or an ID number ending in X. */
function cardLike(run: string): boolean {
  if (/[Xx]$/.test(run)) return true;
  const digits = run.replace(/\D/g, '');
  return digits.length >= 13 && digits.length <= 19 && !LIANLIAN_TIME_RE.test(run);
}

/** String fields whose values are identifiers or times by format: kept as they are (see scrubText). */
const PLAIN_KEYS = new Set([
  'no_order',
  'dt_order',
  'oid_partner',
  'oid_paybill',
  'settle_date',
  'time_stamp',
  'timestamp',
  'event_id',
  'job',
]);

const MAX_CAUSES = 3;

/**
 * The `err` serializer: type, message, stack (scrubbed), and the codes of llrecon, Node, Redis and got errors.
 * Everything else an error may carry (request options, headers, bodies, Redis command arguments, signed
 * strings) is dropped.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: scrubText(String(err)) };
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: e.name, message: scrubText(e.message) };
  if (typeof e.stack === 'string') out.stack = scrubText(e.stack);
  for (const k of ['code', 'kind', 'status', 'statusCode', 'field', 'retCode', 'retMsg', 'errno', 'syscall'] as const) {
    const v = e[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = typeof v === 'string' ? scrubText(v) : v;
  }
  const response = e.response as { statusCode?: unknown } | undefined;
  if (typeof response?.statusCode === 'number') out.statusCode = response.statusCode;
  if (depth < MAX_CAUSES) {
    if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, 5).map((x) => serializeError(x, depth + 1));
  }
  return out;
}

function scrubValue(value: unknown, key: string, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return PLAIN_KEYS.has(key) ? value : scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) return [...value].map((v) => scrubValue(v, key, depth + 1, ancestors));
    const source = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (source === null || typeof source !== 'object') return scrubValue(source, key, depth, ancestors);
    const out: Record<string, unknown> = {};
    const entries = source instanceof Map ? [...source.entries()] : Object.entries(source);
    for (const [k, v] of entries) out[String(k)] = scrubValue(v, String(k), depth + 1, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/** A scrubbed copy of a logged object (see scrubValue); the caller's object is never changed. */
function scrubObject(obj: object): object {
  return scrubValue(obj, '', 0, new Set()) as object;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines (pino-pretty, colours): for a terminal in sandbox mode; the caller decides. */
  pretty?: boolean;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
}

/** The llrecon logger: JSON lines (or pretty ones), with secrets and card data redacted (see the file head). */
export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level,
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    serializers: {
      err: (v: unknown) => (v instanceof Error ? serializeError(v) : v),
      msg: (v: unknown) => (typeof v === 'string' ? scrubText(v) : v),
    },
    hooks: {
      logMethod(this: PinoLogger, args: unknown[], method: (...a: unknown[]) => void) {
        const [first] = args;
        if (first !== null && typeof first === 'object' && !(first instanceof Error)) args[0] = scrubObject(first);
        method.apply(this, args);
      },
    },
  };
  if (opts.pretty) {
    const stream = pretty({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      sync: true,
      ...(opts.destination ? { destination: opts.destination } : {}),
    });
    return pino(options, stream);
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
