// After the whole test run: no private key, token, signature or card number reached any log that llrecon's
// loggers wrote during it (every stack, worker process and HTTP app of the run logs at debug level into one
// directory; test/support/log-capture.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TEST_CARD_NO, testLogDir } from '../support/log-capture.js';

it('the logs of the whole run contain no secret and no card number', () => {
  const dir = testLogDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  // the run really logged: order changes, callbacks, HTTP requests
  expect(files.length).toBeGreaterThan(5);
  expect(text).toContain('order state changed');
  expect(text).toContain('callback rejected');

  const secretsFile = join(dir, 'secrets.jsonl');
  const secrets = existsSync(secretsFile)
    ? readFileSync(secretsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string)
    : [];
  expect(secrets.length).toBeGreaterThan(3);
  const leaked = [...new Set(secrets)].filter((s) => text.includes(s));
  expect(leaked.map((s) => s.slice(0, 12) + '…')).toEqual([]);

  expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  expect(text).not.toContain(TEST_CARD_NO);
  // an MD5withRSA signature is ≥ 172 base64 characters; nothing that long and base64-only belongs in a log
  expect(text.match(/[A-Za-z0-9+/]{100,}={0,2}/g) ?? []).toEqual([]);
});
