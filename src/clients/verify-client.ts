// The exchange-payment Verify API client: sign, POST, check LianLian's signed answer.
import type { Got } from 'got';
import type { PrivateKey, PublicKey } from '../lianlian/keys.js';
import { buildVerifyRequest, readVerifyAnswer, type VerifyAnswer, type VerifyInput } from '../lianlian/verify-api.js';
import { closeHttpClient, createHttpClient, postJson } from './http.js';

/** Options of {@link VerifyClient}. */
export interface VerifyClientOptions {
  /** The endpoint, e.g. `VERIFY_API_URL` or the simulator's `verifyUrl`. */
  url: string;
  oidPartner: string;
  privateKey: PrivateKey;
  lianlianPublicKey: PublicKey;
  timeoutMs: number;
  http?: Got;
}

/** What the payer's verification carries (`time_stamp` defaults to the time of the call, UTC+8). */
export type VerifyClientInput = Omit<VerifyInput, 'oid_partner'>;

/**
 * Completes an exchange payment with the payer's SMS code. One call is one HTTP request, never retried here;
 * throws the same `LlreconError` codes as {@link PreauthQueryClient}, plus `LLRECON_ANSWER_MISMATCH` and
 * `LLRECON_INCOMPLETE_ANSWER` (see `readVerifyAnswer`).
 */
export class VerifyClient {
  private readonly http: Got;
  private readonly ownsHttp: boolean;

  constructor(private readonly opts: VerifyClientOptions) {
    this.ownsHttp = opts.http === undefined;
    this.http = opts.http ?? createHttpClient({ timeoutMs: opts.timeoutMs });
  }

  /**
   * Sends the verification; `nowMs` stamps `time_stamp` when the input has none, and a given one must be within
   * 30 minutes of it. The answer must be about this merchant and order (`LLRECON_ANSWER_MISMATCH` otherwise).
   */
  async verify(input: VerifyClientInput, nowMs: number = Date.now()): Promise<VerifyAnswer> {
    const request = buildVerifyRequest({ oid_partner: this.opts.oidPartner, ...input }, this.opts.privateKey, nowMs);
    const text = await postJson(this.http, this.opts.url, request, this.opts.timeoutMs);
    return readVerifyAnswer(text, this.opts.lianlianPublicKey, { oid_partner: this.opts.oidPartner, no_order: input.no_order });
  }

  /** Releases the keep-alive connections (only those of a client it made itself). */
  close(): void {
    if (this.ownsHttp) closeHttpClient(this.http);
  }
}
