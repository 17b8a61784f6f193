// The registered migrations, in order: each takes the data from format `from` to `from + 1`, and DATA_FORMAT (the
// format this code writes) is the last one's `from + 1`. Today's layout is format 1, and there are none yet.
// Adding one: a file here exporting a Migration with `from` = the current DATA_FORMAT, listed below, and DATA_FORMAT
// raised by one in ../data-format.ts (test/data-format.test.ts checks that the chain and the constant agree).
import type { Migration } from './migration.js';

export type { Migration, MigrationContext } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [];
