// Void of a pre-authorization (preauthCancel.htm, protocol §8): the signed request and its answer.
import type { PrivateKey, PublicKey } from './keys.js';
import {
  buildPreauthActionRequest,
  readPreauthActionAnswer,
  type ActionRequestIds,
  type PreauthActionAnswer,
  type PreauthActionInput,
} from './preauth-action.js';

export { PREAUTH_CANCEL_PATH } from './endpoints.js';

/** A void: `money_order` is the authorized amount. */
export type PreauthCancelInput = PreauthActionInput;

/**
 * The signed void request.
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildPreauthCancelRequest(input: PreauthCancelInput, key: PrivateKey): Record<string, string> {
  return buildPreauthActionRequest(input, key);
}

/** A void's answer, verified and bound to the request (see `readPreauthActionAnswer`). */
export function readPreauthCancelAnswer(raw: string, lianlianKey: PublicKey, request: ActionRequestIds): PreauthActionAnswer {
  return readPreauthActionAnswer(raw, lianlianKey, request);
}
