// llrecon capture / void go through the HTTP API with a token: the token's role and name hold, the API's rules
// too, and --wait follows the action to its outcome.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { runCli } from './support/cli.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const viewer = randomBytes(24).toString('base64url');
const operator = randomBytes(24).toString('base64url');
let stack: Stack;

beforeAll(async () => {
  registerSecrets(viewer, operator);
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const file = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yaml');
  writeFileSync(
    file,
    `- name: vera\n  role: viewer\n  token_sha256: ${sha(viewer)}\n- name: otto\n  role: operator\n  token_sha256: ${sha(operator)}\n`,
  );
  stack = await startStack({
    http: true,
    env: { ACTIONS_ENABLED: 'true', ADMIN_USERS_FILE: file, POLL_SCHEDULE: '100ms' },
    actionRunner: { tickMs: 50 },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function authorized(no: string): Promise<void> {
  const dt = formatLianLianTime(Date.now());
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '30.00',
    timeline: [{ code: 'PR07' }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '30.00', user_id: 'payer' }, { source: 'embed' });
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized');
}

const env = { LIANLIAN_ENV: 'sandbox', DATA_DIR: mkdtempSync(join(tmpdir(), 'llrecon-cli-')), LOG_LEVEL: 'silent' };

it('captures part of an order and waits for the outcome; the history names the token user and the actor', async () => {
  const no = `CLICAP${Date.now()}`;
  await authorized(no);
  const r = await runCli(
    [
      'capture',
      no,
      '--reason',
      'shipped',
      '--amount',
      '12.00',
      '--actor',
      'mei',
      '--url',
      stack.url as string,
      '--token',
      operator,
      '--wait',
    ],
    env,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/recorded: action cap_/);
  expect(r.stdout).toMatch(/: done \(LianLian answered 0000\)/);
  expect((await stack.engine.store.get(no))?.state).toBe('captured');
  expect(stack.simulator.actions.capturedAmount(no)).toBe('12.00');
  const history = await stack.engine.store.history(no);
  expect(history.find((h) => h.kind === 'action' && h.action === 'capture')).toMatchObject({
    actor: 'otto (on behalf of mei)',
    reason: 'shipped',
  });
}, 60_000);

it('a viewer token is refused (exit 2), nothing sent; the same idempotency key gives the same action', async () => {
  const no = `CLIVOID${Date.now()}`;
  await authorized(no);
  const refused = await runCli(['void', no, '--reason', 'x', '--url', stack.url as string, '--token', viewer], env);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/LLRECON_ROLE_FORBIDDEN/);
  const args = [
    'void',
    no,
    '--reason',
    'cancelled',
    '--actor',
    'mei',
    '--idempotency-key',
    `k-${no}`,
    '--url',
    stack.url as string,
    '--token',
    operator,
  ];
  const [a, b] = [await runCli(args, env), await runCli(args, env)];
  const id = (s: string) => /action (\S+)/.exec(s)?.[1];
  expect(a.code).toBe(0);
  expect(id(b.stdout)).toBe(id(a.stdout));
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'voided');
  expect(stack.simulator.actions.count(no)).toBe(1);
}, 60_000);
