// The simulator's fault plan: failures to inject into API answers, in the order they were asked for.
import { fieldError } from '../errors.js';

/** A failure of LianLian or of the network between, as the simulator plays it. */
export type Fault =
  | { kind: 'latency'; ms: number } // answer normally, `ms` late
  | { kind: 'stall' } // never answer: the client must time out
  | { kind: 'http5xx'; status?: number } // an HTTP error status (default 503), no JSON
  | { kind: 'unsigned9999' } // an unsigned {"ret_code":"9999"} answer
  | { kind: 'malformed' } // HTTP 200 with a body that is not JSON
  | { kind: 'badSignature' }; // the real answer, signed with a key that is not LianLian's

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
