// The exchange-payment Verify API client: sign, POST, check LianLian's signed answer.
import { buildVerifyRequest, readVerifyAnswer, type VerifyAnswer, type VerifyInput } from '../lianlian/verify-api.js';
import { EndpointClient, type EndpointClientOptions } from './http.js';

/** Options of {@link VerifyClient}. */
export type VerifyClientOptions = EndpointClientOptions;

/** What the payer's verification carries (`time_stamp` defaults to the time of the call, UTC+8). */
export type VerifyClientInput = Omit<VerifyInput, 'oid_partner'>;

/**
 * Completes an exchange payment with the payer's SMS code. One call is one HTTP request, never retried here;
 * throws the same `LlreconError` codes as {@link PreauthQueryClient}, plus `LLRECON_ANSWER_MISMATCH` and
 * `LLRECON_INCOMPLETE_ANSWER` (see `readVerifyAnswer`).
 */
export class VerifyClient extends EndpointClient<VerifyClientOptions> {
  /**
   * Sends the verification; `nowMs` stamps `time_stamp` when the input has none, and a given one must be within
   * 30 minutes of it. The answer must be about this merchant and order (`LLRECON_ANSWER_MISMATCH` otherwise).
   */
  async verify(input: VerifyClientInput, nowMs: number = Date.now()): Promise<VerifyAnswer> {
    const request = buildVerifyRequest({ oid_partner: this.opts.oidPartner, ...input }, this.opts.privateKey, nowMs);
    return readVerifyAnswer(await this.post(request), this.opts.lianlianPublicKey, {
      oid_partner: this.opts.oidPartner,
      no_order: input.no_order,
    });
  }
}
