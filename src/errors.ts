// The one catalogue of llrecon's coded errors (the model is Fastify's lib/errors.js).
// Every error llrecon throws on purpose is an LlreconError with a stable `code` from this list.
// Codes are a contract: never reuse or rename a retired one. Add new ones at the end of their group, and document
// each in docs/errors.md (test/errors-catalogue.test.ts fails on a code missing there, or thrown nowhere).

export type ErrorKind =
  | 'input' // the caller sent something wrong: a 4xx
  | 'config' // our settings or keys are wrong
  | 'signature' // a signature did not verify or could not be made
  | 'transport' // the network or the peer failed; retry later
  | 'protocol' // the peer answered something we cannot use
  | 'state' // a conflict with what is stored
  | 'internal';

interface Spec {
  kind: ErrorKind;
  status: number;
  message: string;
}

export const ERRORS = {
  // input (HTTP 4xx, CLI exit 2)
  LLRECON_INVALID_FIELD: { kind: 'input', status: 400, message: 'invalid field' },
  LLRECON_MISSING_FIELD: { kind: 'input', status: 400, message: 'missing field' },
  LLRECON_INVALID_JSON: { kind: 'input', status: 400, message: 'body is not valid JSON' },
  LLRECON_NOT_AN_OBJECT: { kind: 'input', status: 400, message: 'body is not a JSON object' },
  LLRECON_BODY_TOO_LARGE: { kind: 'input', status: 413, message: 'body too large' },
  LLRECON_UNSUPPORTED_MEDIA_TYPE: { kind: 'input', status: 415, message: 'unsupported content type' },
  LLRECON_TOO_MANY_ORDERS: { kind: 'input', status: 400, message: 'too many orders in one batch' },
  LLRECON_ORDER_NOT_FOUND: { kind: 'input', status: 404, message: 'order not tracked' },
  LLRECON_UNAUTHORIZED: { kind: 'input', status: 401, message: 'authentication required' },
  LLRECON_FORBIDDEN: { kind: 'input', status: 403, message: 'wrong token' },
  LLRECON_CSRF: { kind: 'input', status: 403, message: 'cross-site request refused' },
  LLRECON_DASHBOARD_ACTION_REFUSED: { kind: 'input', status: 403, message: 'this dashboard action is turned off' },
  LLRECON_ROUTE_NOT_FOUND: { kind: 'input', status: 404, message: 'no such route' },
  LLRECON_METHOD_NOT_ALLOWED: { kind: 'input', status: 405, message: 'method not allowed on this route' },
  LLRECON_BAD_REQUEST: { kind: 'input', status: 400, message: 'malformed request' },
  LLRECON_REQUEST_TIMEOUT: { kind: 'input', status: 408, message: 'request not received in time' },
  LLRECON_HEADERS_TOO_LARGE: { kind: 'input', status: 431, message: 'request headers too large' },
  LLRECON_ROLE_FORBIDDEN: { kind: 'input', status: 403, message: 'your role does not allow this' },
  LLRECON_AUTH_THROTTLED: { kind: 'input', status: 429, message: 'too many failed sign-ins from this address' },
  LLRECON_SESSION_NOT_FOUND: { kind: 'input', status: 404, message: 'no such session' },
  LLRECON_CALLBACK_UNVERIFIED: { kind: 'input', status: 400, message: "callback does not verify with LianLian's key for this merchant" },
  LLRECON_CALLBACK_THROTTLED: { kind: 'input', status: 429, message: 'too many refused callbacks from this address' },
  LLRECON_CALLBACK_SOURCE_REFUSED: { kind: 'input', status: 403, message: 'this address may not send callbacks' },
  LLRECON_SETTLEMENT_FILE: { kind: 'input', status: 400, message: 'settlement file refused (its name, a line or its encoding)' },

  // configuration and keys
  LLRECON_CONFIG: { kind: 'config', status: 500, message: 'invalid configuration' },
  LLRECON_KEY_FORMAT: { kind: 'config', status: 500, message: 'key not in an accepted format' },
  LLRECON_MD5_UNSUPPORTED: { kind: 'config', status: 500, message: 'this OpenSSL refuses MD5 (FIPS mode?)' },
  LLRECON_REDIS_NOT_FOUND: { kind: 'config', status: 500, message: 'redis-server not found' },
  LLRECON_REDIS_EVICTION: { kind: 'config', status: 500, message: 'Redis would evict keys' },
  LLRECON_DATA_FORMAT: { kind: 'config', status: 500, message: 'the data in Redis is in a format this llrecon cannot use' },

  // signatures
  LLRECON_SIGN_NON_STRING: { kind: 'signature', status: 400, message: 'a signed field is not a string' },

  // the peer (LianLian or the simulator)
  LLRECON_TRANSPORT: { kind: 'transport', status: 502, message: 'request to LianLian failed' },
  LLRECON_TIMEOUT: { kind: 'transport', status: 504, message: 'request to LianLian timed out' },
  LLRECON_HTTP_STATUS: { kind: 'transport', status: 502, message: 'LianLian answered a non-2xx status' },
  LLRECON_UNPARSEABLE_ANSWER: { kind: 'protocol', status: 502, message: 'answer is not a JSON object' },
  LLRECON_UNSIGNED_ANSWER: { kind: 'protocol', status: 502, message: 'answer carries no signature' },
  LLRECON_BAD_ANSWER_SIGNATURE: { kind: 'protocol', status: 502, message: 'answer signature does not verify' },
  LLRECON_WEBHOOK_DELIVERY: { kind: 'transport', status: 502, message: 'webhook endpoint did not accept the event' },
  LLRECON_ANSWER_MISMATCH: { kind: 'protocol', status: 502, message: 'answer is about another order or merchant' },
  LLRECON_INCOMPLETE_ANSWER: { kind: 'protocol', status: 502, message: 'answer lacks a field it must carry' },
  LLRECON_SLOT_EXPIRED: { kind: 'transport', status: 503, message: 'rate-cap slot expired before the query could leave' },

  // state
  LLRECON_DUPLICATE_ORDER: { kind: 'state', status: 409, message: 'order already tracked' },
  LLRECON_ORDER_CONFLICT: { kind: 'state', status: 409, message: 'order already tracked with other values' },
  LLRECON_ORDER_UNTRACKED: { kind: 'state', status: 409, message: 'order untracked by an operator' },
  LLRECON_ACTION_NOT_ALLOWED: { kind: 'state', status: 409, message: 'this capture or void is not allowed now' },
  LLRECON_IDEMPOTENCY_CONFLICT: { kind: 'state', status: 409, message: 'Idempotency-Key already used with another request' },

  // internal
  LLRECON_INTERNAL: { kind: 'internal', status: 500, message: 'internal error' },
  LLRECON_QUEUE_UNAVAILABLE: { kind: 'transport', status: 503, message: 'cannot queue now (Redis unreachable); retry later' },
} as const satisfies Record<string, Spec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Codes taken out of the catalogue: never to be given to another error. LLRECON_SIGN_MISSING and
 * LLRECON_SIGN_INVALID were never thrown: a callback's signature is judged by the notify workers, whose verdict
 * (`no_sign`, `mismatch`) is recorded for operators rather than thrown, and an answer's is
 * LLRECON_UNSIGNED_ANSWER / LLRECON_BAD_ANSWER_SIGNATURE.
 */
export const RETIRED_CODES: readonly string[] = ['LLRECON_SIGN_MISSING', 'LLRECON_SIGN_INVALID'];

export interface ErrorDetails {
  /** The input field at fault, e.g. `orders[1].dt_order`. */
  field?: string;
  /** The LianLian ret_code carried by the answer, when there was one. */
  retCode?: string;
  retMsg?: string;
  /** The string that was signed, for signature troubleshooting (never secret). */
  signString?: string;
  cause?: unknown;
}

const BRAND = Symbol.for('llrecon.error');

export class LlreconError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly field: string | undefined;
  readonly retCode: string | undefined;
  readonly retMsg: string | undefined;
  readonly signString: string | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message?: string, details: ErrorDetails = {}) {
    const spec: Spec = ERRORS[code];
    super(message ?? spec.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LlreconError';
    this.code = code;
    this.kind = spec.kind;
    this.status = spec.status;
    this.field = details.field;
    this.retCode = details.retCode;
    this.retMsg = details.retMsg;
    this.signString = details.signString;
  }

  /** Works across duplicated copies of this module (undici's trick). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** Shorthand for the commonest error: an input field that breaks a rule. */
export function fieldError(field: string, message: string): LlreconError {
  return new LlreconError('LLRECON_INVALID_FIELD', `${field}: ${message}`, { field });
}

export function isLlreconError(value: unknown, code?: ErrorCode): value is LlreconError {
  return value instanceof LlreconError && (code === undefined || value.code === code);
}
