// What the job dashboard may show of a job's data: secrets and card data masked at any depth, including inside
// strings that hold JSON or a form body (a queued LianLian callback keeps its raw body as a string). Pure.
import { SECRET_FIELDS } from '../../secret-fields.js';

/** What a masked value is replaced with. */
export const MASK = '[masked]';

/** Nesting beyond this is not shown at all (a guard against pathological payloads). */
const MAX_DEPTH = 24;

// Names are split into words (`user_info_id_no`, `userInfoIdNo` → user info id no). Sensitive: every field the
// logs redact (SECRET_FIELDS, whatever its spelling: `no_agree`, `noAgree`, `Set-Cookie`); ending in the words
// card no, id no, acct name, verify code (so `user_info_id_no` but not `valid_no`); or containing key, token,
// secret, password anywhere.
const ENDINGS = new Set(['cardno', 'idno', 'acctname', 'verifycode']);
const CONTAINS = ['key', 'token', 'secret', 'password'];

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const SECRET_WORDS: ReadonlySet<string> = new Set(SECRET_FIELDS.map((name) => words(name).join('')));

/** Whether a field of this name holds a secret or card data (`sign`, `*key*`, `card_no`, `id_no`, …). */
export function isSensitiveName(name: string): boolean {
  const w = words(name);
  const joined = w.join('');
  if (SECRET_WORDS.has(joined) || CONTAINS.some((c) => joined.includes(c))) return true;
  for (let k = 1; k <= w.length; k++) if (ENDINGS.has(w.slice(-k).join(''))) return true;
  return false;
}

// `"name" : "value"` / `"name": 123` inside text that is not (valid) JSON.
const JSON_PAIR = /("([^"\\]{1,64})"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;
// `name=value` pairs inside text that is not a clean form body.
const FORM_PAIR = /(^|[&?\s;,])([A-Za-z0-9_.-]{1,64})=([^&\s;,]*)/g;
const FORM_BODY = /^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*$/;

function maskText(text: string): string {
  return text
    .replace(JSON_PAIR, (all: string, head: string, name: string) => (isSensitiveName(name) ? `${head}"${MASK}"` : all))
    .replace(FORM_PAIR, (all: string, lead: string, name: string) => (isSensitiveName(name) ? `${lead}${name}=${MASK}` : all));
}

function maskString(s: string, depth: number): string {
  const t = s.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      return maskText(s);
    }
    const masked = JSON.stringify(maskValue(parsed, depth + 1));
    // untouched text is shown as it came (re-serialising would turn a `1.10` into `1.1`)
    return masked === JSON.stringify(parsed) ? s : masked;
  }
  if (FORM_BODY.test(t)) {
    const out = new URLSearchParams();
    let changed = false;
    for (const [k, v] of new URLSearchParams(t)) {
      const m = isSensitiveName(k) ? MASK : maskString(v, depth + 1);
      changed ||= m !== v;
      out.append(k, m);
    }
    return changed ? out.toString() : s;
  }
  return maskText(s);
}

function maskValue(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return MASK;
  if (typeof value === 'string') return maskString(value, depth);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveName(k) ? MASK : maskValue(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * A copy of `value` with every sensitive field masked, at any depth: in objects and arrays, and inside strings
 * that hold JSON or a form body (re-serialised with the same shape) or fragments of either. Never mutates `value`.
 */
export function maskSecrets(value: unknown): unknown {
  return maskValue(value, 0);
}

/** A LianLian signed string (`k=v&k=v…`, values as sent) with the values of sensitive fields masked. */
export function maskSignString(signString: string): string {
  return signString
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && isSensitiveName(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join('&');
}
