// The simulator's fault plan: failures to inject into API answers, in the order they were asked for.
import { fieldError } from '../errors.js';

/** A failure of LianLian or of the network between, as the simulator plays it. */
export type Fault =
  | { kind: 'latency'; ms: number } // answer normally, `ms` late
  | { kind: 'stall' } // never answer: the client must time out
  | { kind: 'http5xx'; status?: number } // an HTTP error status (default 503), no JSON
  | { kind: 'unsigned9999' } // an unsigned {"ret_code":"9999"} answer
  | { kind: 'malformed' } // HTTP 200 with a body that is not JSON
  | { kind: 'badSignature' } // the real answer, signed with a key that is not LianLian's
  | { kind: 'unsigned'; code: string } // an unsigned {"ret_code": code} answer, LianLian's usual error shape
  // Genuine answers signed with LianLian's key, but not this request's (a misrouted reply, a lagging replica);
  // without the optional value the simulator picks one:
  | { kind: 'swapped'; no_order?: string } // the signed answer about another order (default: another of the merchant's)
  | { kind: 'otherMerchant'; oid_partner?: string } // the order's answer naming another merchant
  | { kind: 'stale'; code?: string } // an earlier state of the order (default: the last code answered before the current one)
  | { kind: 'otherDtOrder'; dt_order?: string } // the order's answer naming another dt_order (default: a second later)
  | { kind: 'otherPaybill'; oid_paybill?: string }; // the order's answer naming another oid_paybill

/** The faults that answer a signed answer about something else than the request asked. */
export type AnswerTwist = Extract<Fault, { kind: 'swapped' | 'otherMerchant' | 'stale' | 'otherDtOrder' | 'otherPaybill' }>;

const TWISTS: ReadonlySet<string> = new Set(['swapped', 'otherMerchant', 'stale', 'otherDtOrder', 'otherPaybill']);

/** Whether the fault is one of the {@link AnswerTwist}s. */
export function isTwist(fault: Fault | null): fault is AnswerTwist {
  return fault !== null && TWISTS.has(fault.kind);
}

/** Which requests a fault hits. */
export interface FaultOptions {
  /** How many requests it hits, then it is gone (default: until `clearFaults()`). */
  times?: number;
  /** Only requests naming this order (default: any request). */
  no_order?: string;
  /** The chance (0…1) that a matching request is hit (default 1): chaos. */
  probability?: number;
}

interface Rule {
  fault: Fault;
  remaining: number;
  no_order: string | undefined;
  probability: number;
}

/** The value a fault carries must be usable: a `ret_code`, an 18-digit merchant, a LianLian time … */
function checkValues(fault: Fault): void {
  const bad = (field: string, rule: RegExp, value: string | undefined, explanation: string): void => {
    if (value !== undefined && !(typeof value === 'string' && rule.test(value))) throw fieldError(field, explanation);
  };
  if (fault.kind === 'unsigned') bad('code', /^\w{1,8}$/, fault.code ?? '', 'must be a ret_code such as "8901"');
  if (fault.kind === 'stale') bad('code', /^\w{1,8}$/, fault.code, 'must be a ret_code such as "PR07"');
  if (fault.kind === 'swapped') bad('no_order', /^[\x21-\x7e]{1,32}$/, fault.no_order, 'must be 1 to 32 printable ASCII characters');
  if (fault.kind === 'otherMerchant') bad('oid_partner', /^\d{18}$/, fault.oid_partner, 'must be 18 digits');
  if (fault.kind === 'otherDtOrder') bad('dt_order', /^\d{14}$/, fault.dt_order, 'must be 14 digits yyyyMMddHHmmss');
  if (fault.kind === 'otherPaybill') bad('oid_paybill', /^\d{1,18}$/, fault.oid_paybill, 'must be 1 to 18 digits');
}

/** The faults waiting to happen; the first rule that matches a request (and wins its roll) is used up by it. */
export class FaultPlan {
  private rules: Rule[] = [];

  /** Adds a fault after those already planned. Throws `LLRECON_INVALID_FIELD` on nonsense options. */
  add(fault: Fault, opts: FaultOptions = {}): void {
    const times = opts.times ?? Number.POSITIVE_INFINITY;
    const probability = opts.probability ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0)))
      throw fieldError('times', 'must be a positive integer');
    if (!(probability >= 0 && probability <= 1)) throw fieldError('probability', 'must be between 0 and 1');
    if (fault.kind === 'latency' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) throw fieldError('ms', 'must be a non-negative number');
    if (
      fault.kind === 'http5xx' &&
      fault.status !== undefined &&
      !(Number.isInteger(fault.status) && fault.status >= 500 && fault.status <= 599)
    )
      throw fieldError('status', 'must be an HTTP 5xx status');
    checkValues(fault);
    this.rules.push({ fault, remaining: times, no_order: opts.no_order, probability });
  }

  /** The fault for a request naming `no_order` (null when it names none), or null to answer normally. */
  take(no_order: string | null, rng: () => number): Fault | null {
    for (const rule of this.rules) {
      if (rule.no_order !== undefined && rule.no_order !== no_order) continue;
      if (rule.probability < 1 && rng() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return rule.fault;
    }
    return null;
  }

  /** Forgets every planned fault. */
  clear(): void {
    this.rules = [];
  }
}
