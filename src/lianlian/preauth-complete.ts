// Capture of a pre-authorization (preauthComplete.htm, protocol §8): the signed request and its answer.
import { LlreconError, fieldError } from '../errors.js';
import type { PrivateKey, PublicKey } from './keys.js';
import {
  buildPreauthActionRequest,
  readPreauthActionAnswer,
  type ActionRequestIds,
  type PreauthActionAnswer,
  type PreauthActionInput,
} from './preauth-action.js';

export { PREAUTH_COMPLETE_PATH } from './endpoints.js';

/** A capture: the action's fields, `money_order` the amount to capture, and an optional `risk_item`. */
export interface PreauthCompleteInput extends PreauthActionInput {
  /** A string containing a JSON object, sent and signed verbatim (never re-serialised). */
  risk_item?: string | null;
}

/** `risk_item`: a string holding a JSON object, kept exactly as given. */
export function riskItem(value: unknown, field = 'risk_item'): string {
  if (typeof value !== 'string') throw fieldError(field, 'must be a string containing a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw fieldError(field, 'must be a string containing a JSON object');
  return value;
}

/**
 * The signed capture request.
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildPreauthCompleteRequest(input: PreauthCompleteInput, key: PrivateKey): Record<string, string> {
  const extra: Record<string, string> = {};
  if (input.risk_item !== undefined && input.risk_item !== null && input.risk_item !== '') extra.risk_item = riskItem(input.risk_item);
  return buildPreauthActionRequest(input, key, extra);
}

/**
 * A capture's answer, verified and bound to the request; a `money_order` it carries must be the amount asked.
 * @throws LlreconError as `readPreauthActionAnswer`, and `LLRECON_ANSWER_MISMATCH` for another amount.
 */
export function readPreauthCompleteAnswer(
  raw: string,
  lianlianKey: PublicKey,
  request: ActionRequestIds & { money_order: string },
): PreauthActionAnswer {
  const answer = readPreauthActionAnswer(raw, lianlianKey, request);
  if (answer.ok && answer.money_order !== null && answer.money_order !== request.money_order) {
    throw new LlreconError(
      'LLRECON_ANSWER_MISMATCH',
      `answer 0000 captured ${answer.money_order}, the request asked ${request.money_order}`,
      {
        field: 'money_order',
        retCode: answer.ret_code,
        retMsg: answer.ret_msg,
        signString: answer.signString,
      },
    );
  }
  return answer;
}
