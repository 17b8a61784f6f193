// The run's log files: every process incarnation writes `<prefix><name>-<n>.log` into the run's log directory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The text of every log file of the run (`prefix` names them), one after another. */
export function readLogs(logDir: string, prefix: string): string {
  return readdirSync(logDir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.log'))
    .map((f) => readFileSync(join(logDir, f), 'utf8'))
    .join('\n');
}
