// The kinds of value a setting holds: each reads trimmed text into a value, or throws SettingProblem with one
// line saying what was expected and what was given (never quoting a secret), and formats the value for the banner.
// A problem line that does not start with the variable's name gets it in front (load.ts).
import { resolve } from 'node:path';
import { LlreconError } from '../errors.js';
import { formatDuration, parseDuration, parseDurationList } from '../reconcile/duration.js';
import { maskUrl } from './mask.js';
import { SettingProblem, type Parser, type ReadContext } from './setting.js';
import { ROLES, type Role } from './types.js';

/** Free text, optionally held to a rule that returns a problem message (or null when the text is fine). */
export function text(rule: (value: string) => string | null = () => null): Parser<string> {
  return {
    parse(value) {
      const problem = rule(value);
      if (problem !== null) throw new SettingProblem(problem);
      return value;
    },
    format: (value) => value,
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return {
    parse(value) {
      if ((allowed as readonly string[]).includes(value)) return value as T;
      throw new SettingProblem(`must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got "${value}")`);
    },
    format: (value) => value,
  };
}

export const boolean: Parser<boolean> = {
  parse(value) {
    const v = value.toLowerCase();
    if (v === 'true' || v === 'false') return v === 'true';
    throw new SettingProblem(`must be "true" or "false" (got "${value}")`);
  },
  format: String,
};

export function integer(min: number, max: number): Parser<number> {
  return {
    parse(value) {
      const n = Number(value);
      if (/^\d+$/.test(value) && n >= min && n <= max) return n;
      throw new SettingProblem(`must be a whole number from ${min} to ${max} (got "${value}")`);
    },
    format: String,
  };
}

/** The duration parser's LLRECON_CONFIG error as a problem; its lines already name the variable (or `NAME[i]`). */
function durationProblem(err: unknown): SettingProblem {
  if (!(err instanceof LlreconError)) throw err;
  return new SettingProblem(err.message);
}

/** A duration (`ms s m h d`), at least `min` ms. */
export function duration(min: number): Parser<number> {
  return {
    parse(value, ctx) {
      let ms: number;
      try {
        ms = parseDuration(value, ctx.name);
      } catch (err) {
        throw durationProblem(err);
      }
      if (ms < min) throw new SettingProblem(`must be at least ${min}ms (got "${value}")`);
      return ms;
    },
    format: formatDuration,
  };
}

/** A comma list of durations, each longer than 0. */
export const durationList: Parser<number[]> = {
  parse(value, ctx) {
    try {
      return parseDurationList(value, ctx.name);
    } catch (err) {
      throw durationProblem(err);
    }
  },
  format: (value) => value.map(formatDuration).join(','),
};

/** A URL with one of `protocols` (e.g. `https:`) and a host; problems and the banner mask its secrets. */
export function url(protocols: readonly string[]): Parser<string> {
  return {
    parse(value) {
      try {
        const u = new URL(value);
        if (protocols.includes(u.protocol) && u.hostname) return value;
      } catch {
        // reported below
      }
      throw new SettingProblem(`must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (got "${maskUrl(value)}")`);
    },
    format: maskUrl,
  };
}

/** A directory, resolved against the working directory. */
export const directory: Parser<string> = {
  parse: (value, ctx: ReadContext) => resolve(ctx.cwd, value),
  format: (value) => value,
};

/** A comma list of roles, at least one. */
export const roles: Parser<Set<Role>> = {
  parse(value) {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items.length === 0 || items.some((s) => !(ROLES as readonly string[]).includes(s)))
      throw new SettingProblem(`must be a comma list of ${ROLES.join(', ')} (got "${value}")`);
    return new Set(items as Role[]);
  },
  format: (value) => [...value].join(','),
};

const BASE64_KEY_RE = /^[A-Za-z0-9+/\s]+={0,2}$/;

/**
 * An RSA key as text, looked at only for its shape (importing it is the daemon's job, src/lianlian/keys.ts), so that
 * production start-up lists every problem at once. Never echoes the key; the banner says only "(set)".
 */
export function keyText(kind: 'private' | 'public'): Parser<string> {
  return {
    parse(value) {
      const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(value)?.[1];
      const bare = pem === undefined && BASE64_KEY_RE.test(value);
      if (kind === 'private') {
        if (pem === 'ENCRYPTED PRIVATE KEY') throw new SettingProblem('the key is encrypted: give it unencrypted (PKCS#1 or PKCS#8 PEM)');
        if (pem === 'PUBLIC KEY' || pem === 'RSA PUBLIC KEY')
          throw new SettingProblem("this is a public key: give the merchant's private key");
        if (pem === 'PRIVATE KEY' || pem === 'RSA PRIVATE KEY' || bare) return value;
        throw new SettingProblem('not a private key: expected PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) or bare base64 PKCS#8');
      }
      if (pem?.includes('PRIVATE KEY'))
        throw new SettingProblem("this is a private key: give LianLian's public key (and keep this one secret)");
      if (pem === 'PUBLIC KEY' || pem === 'RSA PUBLIC KEY' || bare) return value;
      throw new SettingProblem('not a public key: expected PEM (BEGIN PUBLIC KEY) or bare base64 X.509 SubjectPublicKeyInfo');
    },
    format: () => '(set)',
  };
}
