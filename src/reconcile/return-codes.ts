// THE one place that says what a LianLian pre-auth query ret_code means for llrecon (protocol §3 and §4).
import { isFinalState, type OrderState } from './states.js';

/**
 * What a ret_code means for us:
 * - `state`: the order's state (§3); `final` (from FINAL_STATES) says whether it is polled again.
 * - `retry`: LianLian could not answer now; query again at the next step, jittered.
 * - `not_found`: no record (yet): "not yet" within `NOT_FOUND_GRACE`, then an alert.
 * - `config`: our configuration is wrong: alert and pause querying for the merchant.
 * - `wrong_paybill`: the `oid_paybill` sent is not the order's (9092): the merchant's is dropped, with an alert,
 *   and the order is queried by `no_order` alone.
 * - `unknown`: anything else: keep polling at the schedule, never a state.
 */
export type RetCodeClass = 'state' | 'retry' | 'not_found' | 'config' | 'wrong_paybill' | 'unknown';

/** One row of {@link RET_CODES}, or what {@link classifyRetCode} makes of any code. */
export interface RetCodeInfo {
  readonly code: string;
  readonly class: RetCodeClass;
  /** The order state the code reports; null unless `class` is `state`. */
  readonly state: OrderState | null;
  /** True for a code after which the order is polled no more: its state is one of FINAL_STATES. */
  readonly final: boolean;
  /** What LianLian means by it, in English (ret_msg itself is Chinese). */
  readonly meaning: string;
}

function state(code: string, s: OrderState, meaning: string): RetCodeInfo {
  return { code, class: 'state', state: s, final: isFinalState(s), meaning };
}

function other(code: string, cls: Exclude<RetCodeClass, 'state'>, meaning: string): RetCodeInfo {
  return { code, class: cls, state: null, final: false, meaning };
}

/** Every ret_code llrecon knows, grouped by class, in the order the README lists them. */
export const RET_CODES: readonly RetCodeInfo[] = Object.freeze(
  [
    // §3: the pre-auth query's ret_code is the order's state
    state('2003', 'created', 'transaction created'),
    state('PR08', 'verifying', 'authorization needs verification'),
    state('PR09', 'authorizing', 'authorization processing'),
    state('PR07', 'authorized', 'authorized: hold placed, awaiting capture or void'),
    state('PR10', 'auth_failed', 'authorization failed'),
    state('PR12', 'capturing', 'capture processing'),
    state('PR11', 'captured', 'captured'),
    state('PR13', 'capture_failed', 'capture failed: the hold may still stand'),
    state('PR15', 'voiding', 'void processing'),
    state('PR14', 'voided', 'voided'),
    state('PR16', 'void_failed', 'void failed: the hold may still stand'),
    state('2006', 'expired', 'expired or closed'),

    // §4: LianLian could not answer now: query again later
    other('1003', 'retry', 'in progress'),
    other('1007', 'retry', 'network busy'),
    other('2005', 'retry', 'original transaction still processing'),
    other('2008', 'retry', 'processing'),
    other('9000', 'retry', 'bank maintenance'),
    other('9902', 'retry', 'interface error'),
    other('9903', 'retry', 'retry later'),
    other('9970', 'retry', 'bank day-end processing'),
    other('9990', 'retry', 'bank error'),
    other('9991', 'retry', 'bank error'),
    other('9999', 'retry', 'system error'),
    other('9002', 'retry', 'request body not accepted'),

    // §4: no record (right after creation this can be a race)
    other('8901', 'not_found', 'no record'),
    other('5002', 'not_found', 'no record'),
    other('9093', 'not_found', 'no record'),

    // §3: the order's own problem: the oid_paybill given does not belong to no_order
    other('9092', 'wrong_paybill', 'oid_paybill does not belong to no_order'),

    // §4: our configuration is wrong
    other('1001', 'config', 'bad signature'),
    other('1004', 'config', 'parameter error'),
    other('1008', 'config', 'IP address not allowed'),
    other('1009', 'config', 'merchant suspended'),
    other('1012', 'config', 'unparseable request body'),
    other('3001', 'config', 'invalid merchant'),
    other('3010', 'config', 'no permission for this product'),
    other('9901', 'config', 'bad request body'),

    // known codes that tell us nothing about the order
    other('0000', 'unknown', 'success, but no pre-auth state (seen in a seed sample; meaning unclear)'),
    other('8888', 'unknown', 'SMS sent, verify again (not "not found")'),
  ].map((row) => Object.freeze(row)),
);

const BY_CODE: ReadonlyMap<string, RetCodeInfo> = new Map(RET_CODES.map((row) => [row.code, row]));

/** What `code` means for us; a code not in {@link RET_CODES} is `unknown`, never a state. */
export function classifyRetCode(code: string): RetCodeInfo {
  return BY_CODE.get(code) ?? { code, class: 'unknown', state: null, final: false, meaning: 'unknown code' };
}
