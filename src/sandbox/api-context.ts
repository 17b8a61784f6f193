// What the simulator's API handlers work with: the merchants, the orders, the time, the key to sign with.
import type { PrivateKey, PublicKey } from '../lianlian/keys.js';
import type { Entered, OrderBook } from './orders.js';

/** The state one API request is answered against. */
export interface ApiContext {
  merchants: ReadonlyMap<string, PublicKey>;
  orders: OrderBook;
  nowMs: number;
  /** LianLian's key, or a stranger's when a `badSignature` fault is being played. */
  signer: PrivateKey;
  /** Receives the codes orders entered while answering (for notifications). */
  onEntered(entered: Entered[]): void;
}
