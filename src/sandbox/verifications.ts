// The simulated apply step of exchange payment (seed 002's "token returned in Exchange Payment Apply API"): a
// token valid 30 minutes and an SMS code valid 10 minutes per order, which the Verify API then checks.
import { fieldError } from '../errors.js';

/** How long a token is valid (LianLian: half an hour). */
export const TOKEN_VALID_MS = 30 * 60_000;
/** How long an SMS verification code is valid (10 minutes). */
export const CODE_VALID_MS = 10 * 60_000;

/** What the apply step issued for one order. */
export interface Verification {
  no_order: string;
  token: string;
  verify_code: string;
  issuedMs: number;
  /** The `result_pay` a successful verification answers: SUCCESS, PROCESSING (the no-SMS flow) or anything. */
  result_pay: string;
}

/** What a test may fix instead of letting the simulator draw it. */
export interface VerificationOptions {
  token?: string;
  verify_code?: string;
  result_pay?: string;
}

/** The issued verifications, by token. */
export class Verifications {
  private readonly byToken = new Map<string, Verification>();

  /** Issues a token and a code for `no_order` at `nowMs`. Throws `LLRECON_INVALID_FIELD` on a bad fixed value. */
  issue(no_order: string, nowMs: number, rng: () => number, opts: VerificationOptions = {}): Verification {
    const draw = (length: number, alphabet: string): string =>
      Array.from({ length }, () => alphabet[Math.floor(rng() * alphabet.length)] as string).join('');
    const token = opts.token ?? draw(32, '0123456789ABCDEF');
    const verify_code = opts.verify_code ?? draw(6, '0123456789');
    if (!/^[\x21-\x7e]{1,64}$/.test(token)) throw fieldError('token', 'must be 1 to 64 printable ASCII characters');
    if (!/^\d{6}$/.test(verify_code)) throw fieldError('verify_code', 'must be 6 digits');
    const v: Verification = { no_order, token, verify_code, issuedMs: nowMs, result_pay: opts.result_pay ?? 'SUCCESS' };
    this.byToken.set(token, v);
    return v;
  }

  /** The verification a token belongs to. */
  get(token: string): Verification | undefined {
    return this.byToken.get(token);
  }
}
