// Every llrecon logger a test creates writes into one directory per test run, and every secret a test uses is
// registered there, so that the last test of the run (test/after/log-scan.test.ts) can prove that no private
// key, token, signature or card number ever reached a log.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';

/** A card number the tests send through llrecon (in callbacks and requests): it must never be logged. */
export const TEST_CARD_NO = '6222020200112233445';

/**
 * The run's log directory: given by the global setup to test files, and through LLRECON_TEST_LOG_DIR (set here,
 * so child processes spawned with the test's environment inherit it) to worker processes.
 */
export function testLogDir(): string {
  if (!process.env.LLRECON_TEST_LOG_DIR) {
    try {
      process.env.LLRECON_TEST_LOG_DIR = inject('logDir');
    } catch {
      // not inside a vitest worker (a bare child process without the variable): log beside the reports
    }
  }
  const dir = process.env.LLRECON_TEST_LOG_DIR ?? join(process.cwd(), 'reports', 'logs', 'adhoc');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A debug-level llrecon logger writing to its own file in the run's log directory. */
export function testLogger(name: string): Logger {
  const file = join(testLogDir(), `${name}-${process.pid}-${randomBytes(3).toString('hex')}.log`);
  return createLogger({ level: 'debug', destination: pino.destination({ dest: file, sync: true }) });
}

/** Remember secrets used by a test; PEM keys are registered line by line too (a leak may be partial). */
export function registerSecrets(...secrets: string[]): void {
  const lines: string[] = [];
  for (const s of secrets) {
    lines.push(JSON.stringify(s));
    for (const part of s.split(/\r?\n/)) if (part.length >= 40 && !part.startsWith('-----')) lines.push(JSON.stringify(part));
  }
  appendFileSync(join(testLogDir(), 'secrets.jsonl'), `${lines.join('\n')}\n`);
}
