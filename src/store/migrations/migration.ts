// One step of the data-format migrations (see ../data-format.ts): what it reads, what it leaves, and the one rule
// each step keeps — it is idempotent, because a process killed part-way through leaves the format unchanged and
// the next process runs the whole step again over what the first one already rewrote.
import type { Logger } from '../../log.js';
import type { StoreConn } from '../keyspace.js';

export interface MigrationContext extends StoreConn {
  log: Logger;
  /**
   * Renews the migration lease; a step that takes long (a SCAN over every order) calls it between batches. Throws
   * when the lease was lost (another process took over after this one stalled): the step must then stop.
   */
  keepLease(): Promise<void>;
}

export interface Migration {
  /** The format this step reads; it leaves format `from + 1`. */
  readonly from: number;
  /** What it changes, for the log line. */
  readonly description: string;
  /** Rewrites the data; run again over its own output (a crash part-way), it changes nothing more. */
  up(ctx: MigrationContext): Promise<void>;
}
