// What the simulator's API handlers work with: the merchants, the orders, the time, the key to sign with, and
// how strict or faulty to be for this one request.
import type { PrivateKey, PublicKey } from '../lianlian/keys.js';
import type { AnswerTwist } from './faults.js';
import type { Entered, OrderBook } from './orders.js';
import type { Verifications } from './verifications.js';

/** How the Verify API spells its settle fields: the table's `money_settle`, the samples' `money_sellte`, or either. */
export type SettleSpelling = 'settle' | 'sellte' | 'either';

/** The state one API request is answered against. */
export interface ApiContext {
  merchants: ReadonlyMap<string, PublicKey>;
  orders: OrderBook;
  /** The tokens and SMS codes the simulated apply step issued (Verify API). */
  verifications: Verifications;
  nowMs: number;
  /** LianLian's key, or a stranger's when a `badSignature` fault is being played. */
  signer: PrivateKey;
  /** Whether "no record" (8901) answers are signed (see `SimulatorOptions.signNoRecord`). */
  signNoRecord: boolean;
  settleSpelling: SettleSpelling;
  /** An answer fault being played on this request (swapped, stale …), or null. */
  twist: AnswerTwist | null;
  /** The simulator's seeded randomness. */
  rng: () => number;
  /** Receives the codes orders entered while answering (for notifications). */
  onEntered(entered: Entered[]): void;
}
