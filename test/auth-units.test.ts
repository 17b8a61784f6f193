// The pieces of authentication that need no server: the users file (JSON and YAML, every refusal), finding a
// user by token, the throttle's schedule (free failures, backoff, lockout, forgetting, IPv6 /64s, its memory
// bound), what each admin route needs (the bull-board allow-list on route patterns), the actor recorded for an
// action, bull-board's page without its external font link, and the settings ADMIN_USERS_FILE, TRUST_PROXY and
// NOTIFY_HTTP_PORT as the configuration reads them.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuthThrottle,
  FIRST_BACKOFF_MS,
  FORGET_MS,
  FREE_FAILURES,
  LOCKOUT_AT,
  LOCKOUT_MS,
  MAX_ADDRESSES,
  addressKey,
  blockAfter,
} from '../src/auth/throttle.js';
import { UserDirectory, combineUsers, findByToken, parseUsers, tokenFingerprint } from '../src/auth/users.js';
import { loadConfig } from '../src/config.js';
import { recordedActor, type Principal } from '../src/http/access.js';
import { withoutExternalLoads } from '../src/http/admin/job-board.js';
import { generateKeyPair } from '../src/lianlian/keys.js';
import { BOARD_OPERATOR_ACTIONS, requirement } from '../src/http/admin/permissions.js';

const hex = (token: string) => createHash('sha256').update(token).digest('hex');

describe('the users file', () => {
  const ann = { name: 'ann', token_sha256: hex('ann-token-0123456789abcdef'), role: 'operator' };
  const bob = { name: 'bob.viewer', token_sha256: hex('bob-token-0123456789abcdef').toUpperCase(), role: 'viewer' };

  it('reads a JSON list and the same list in YAML', () => {
    const fromJson = parseUsers(JSON.stringify([ann, bob]));
    const yaml = `# operators\n- name: ann\n  token_sha256: ${ann.token_sha256}\n  role: operator\n- name: bob.viewer\n  token_sha256: "${bob.token_sha256}"\n  role: viewer\n`;
    const fromYaml = parseUsers(yaml);
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson.map((u) => [u.name, u.role])).toEqual([
      ['ann', 'operator'],
      ['bob.viewer', 'viewer'],
    ]);
    expect(findByToken(fromJson, 'bob-token-0123456789abcdef')?.name).toBe('bob.viewer');
    expect(findByToken(fromJson, 'ann-token-0123456789abcdef')?.role).toBe('operator');
    expect(findByToken(fromJson, 'ann-token-0123456789abcdeF')).toBeNull();
    expect(findByToken(fromJson, '')).toBeNull();
    expect(parseUsers('[]')).toEqual([]);
  });

  it('refuses every malformed file with a message naming the entry and the field, never quoting a digest', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"name":"x"}', /must be a list/],
      ['not: [valid', /neither a JSON nor a YAML list/],
      ['[1]', /entry 0 must be/],
      [JSON.stringify([{ ...ann, extra: 1 }]), /entry 0: unknown field "extra"/],
      [JSON.stringify([{ ...ann, name: '' }]), /entry 0: name must be/],
      [JSON.stringify([{ ...ann, name: 'a b' }]), /entry 0: name must be/],
      [JSON.stringify([{ ...ann, name: '-x' }]), /entry 0: name must be/],
      [JSON.stringify([{ ...ann, token_sha256: 'abc' }]), /entry 0 \(ann\): token_sha256 must be the SHA-256/],
      [JSON.stringify([{ ...ann, token_sha256: undefined }]), /token_sha256 must be/],
      [JSON.stringify([{ ...ann, role: 'admin' }]), /entry 0 \(ann\): role must be viewer or operator/],
      [JSON.stringify([ann, { ...bob, name: 'ANN' }]), /entry 1 \(ANN\): the name is used twice/],
      [
        JSON.stringify([ann, { ...bob, token_sha256: ann.token_sha256.toUpperCase() }]),
        /entry 1 \(bob.viewer\): token_sha256 is another user's/,
      ],
      ['- &a {name: x}\n- *a\n', /neither a JSON nor a YAML list/],
    ];
    for (const [text, message] of cases) {
      let caught: unknown;
      try {
        parseUsers(text);
      } catch (err) {
        caught = err;
      }
      expect(caught, text).toMatchObject({ code: 'LLRECON_CONFIG' });
      const msg = (caught as Error).message;
      expect(msg, text).toMatch(/^ADMIN_USERS_FILE: /);
      expect(msg, text).toMatch(message);
      expect(msg).not.toContain(ann.token_sha256);
    }
  });

  it('ADMIN_TOKEN is one operator named admin, beside the file users, and cannot be duplicated', () => {
    const users = combineUsers('the-admin-token-0123456789', parseUsers(JSON.stringify([ann, bob])));
    expect(users.map((u) => `${u.name}:${u.role}`)).toEqual(['admin:operator', 'ann:operator', 'bob.viewer:viewer']);
    expect(findByToken(users, 'the-admin-token-0123456789')?.name).toBe('admin');
    expect(combineUsers(null, []).length).toBe(0);
    expect(() => combineUsers('tok-0123456789012345678901', parseUsers(JSON.stringify([{ ...ann, name: 'Admin' }])))).toThrow(
      /belongs to ADMIN_TOKEN/,
    );
    expect(() => combineUsers('ann-token-0123456789abcdef', parseUsers(JSON.stringify([ann])))).toThrow(/has the token of ADMIN_TOKEN/);
  });

  it('re-reads the file when it changes; a broken file leaves only ADMIN_TOKEN (fail closed) until fixed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llrecon-users-'));
    const file = join(dir, 'users.yaml');
    writeFileSync(file, JSON.stringify([ann, bob]));
    let now = 1_000_000;
    const errors: string[] = [];
    const users = new UserDirectory({
      adminToken: 'the-admin-token-0123456789',
      file,
      now: () => now,
      onReloadError: (e) => errors.push(e.message),
    });
    const annBefore = users.get('ann');
    expect(users.authenticate('bob-token-0123456789abcdef')?.name).toBe('bob.viewer');
    // rotate ann's token, remove bob
    writeFileSync(file, JSON.stringify([{ ...ann, token_sha256: hex('ann-new-token-0123456789') }]) + '\n');
    expect(users.authenticate('bob-token-0123456789abcdef')?.name, 'not re-read before the recheck interval').toBe('bob.viewer');
    now += 2000;
    expect(users.authenticate('bob-token-0123456789abcdef')).toBeNull();
    expect(users.authenticate('ann-token-0123456789abcdef')).toBeNull();
    expect(users.authenticate('ann-new-token-0123456789')?.name).toBe('ann');
    expect(tokenFingerprint(users.get('ann')!)).not.toBe(tokenFingerprint(annBefore!));
    writeFileSync(file, '[{"name": "ann",');
    now += 2000;
    expect(users.list().map((u) => u.name)).toEqual(['admin']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ADMIN_USERS_FILE/);
    writeFileSync(file, JSON.stringify([ann]));
    now += 2000;
    expect(users.list().map((u) => u.name)).toEqual(['admin', 'ann']);
  });
});

describe('the throttle on failed sign-ins', () => {
  it('lets 20 failures through, then backs off from 1 s doubling, and locks out for 15 minutes at the 30th', () => {
    expect(FREE_FAILURES).toBe(20);
    expect(LOCKOUT_AT).toBe(30);
    expect(LOCKOUT_MS).toBe(15 * 60_000);
    const waits = Array.from({ length: 32 }, (_, i) => blockAfter(i + 1));
    expect(waits.slice(0, 20).every((w) => w === 0)).toBe(true);
    expect(waits.slice(20, 29)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256].map((s) => s * FIRST_BACKOFF_MS));
    expect(waits.slice(29)).toEqual([LOCKOUT_MS, LOCKOUT_MS, LOCKOUT_MS]);
  });

  it('refuses an address while it waits, not others; a success clears the count; a quiet hour forgets it', () => {
    let now = 0;
    const t = new AuthThrottle(() => now);
    for (let i = 1; i <= FREE_FAILURES; i++) {
      expect(t.check('10.0.0.1')).toEqual({ allowed: true });
      expect(t.fail('10.0.0.1')).toEqual({ failures: i, blockedMs: 0 });
    }
    expect(t.fail('10.0.0.1')).toEqual({ failures: 21, blockedMs: 1000 });
    expect(t.check('10.0.0.1')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(t.check('10.0.0.2')).toEqual({ allowed: true });
    now += 999;
    expect(t.check('10.0.0.1').allowed).toBe(false);
    now += 1;
    expect(t.check('10.0.0.1').allowed).toBe(true);
    expect(t.fail('10.0.0.1').blockedMs).toBe(2000);
    now += 2000;
    t.succeed('10.0.0.1');
    expect(t.fail('10.0.0.1')).toEqual({ failures: 1, blockedMs: 0 });
    // a lockout outlives the forgetting time of its count only as long as it lasts
    for (let i = 2; i <= LOCKOUT_AT; i++) {
      now += blockAfter(i - 1);
      t.fail('10.0.0.1');
    }
    expect(t.check('10.0.0.1')).toEqual({ allowed: false, retryAfterMs: LOCKOUT_MS });
    now += LOCKOUT_MS;
    expect(t.fail('10.0.0.1').blockedMs, 'still counted after the lockout: the next failure locks out again').toBe(LOCKOUT_MS);
    now += LOCKOUT_MS + FORGET_MS;
    expect(t.fail('10.0.0.1')).toEqual({ failures: 1, blockedMs: 0 });
  });

  it('counts IPv6 per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3');
    const t = new AuthThrottle(() => 0);
    for (let i = 0; i <= FREE_FAILURES; i++) t.fail(`2001:db8:1:2::${i.toString(16)}`);
    expect(t.check('2001:db8:1:2:ffff::9').allowed).toBe(false);
    expect(t.check('2001:db8:1:3::1').allowed).toBe(true);
  });

  it('remembers a bounded number of addresses, forgetting the one whose last failure is oldest', () => {
    const t = new AuthThrottle(() => 0);
    for (let i = 0; i <= FREE_FAILURES; i++) t.fail('192.0.2.1');
    for (let i = 0; i < MAX_ADDRESSES - 1; i++) t.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.check('192.0.2.1').allowed).toBe(false);
    t.fail('198.51.100.1');
    expect(t.check('192.0.2.1').allowed).toBe(true);
  });
});

describe('what each admin route needs', () => {
  const board = (m: string, rest: string) => requirement(m, `/admin/queues/api/queues${rest}`);

  it('reads need a viewer, changes an operator, logout anyone signed in, the sessions page an operator, login nobody', () => {
    expect(requirement('GET', '/admin/orders')).toEqual({ kind: 'role', role: 'viewer' });
    expect(requirement('HEAD', '/admin/callbacks')).toEqual({ kind: 'role', role: 'viewer' });
    expect(requirement('POST', '/admin/orders/:no_order/requery')).toEqual({ kind: 'role', role: 'operator' });
    expect(requirement('POST', '/admin/logout')).toEqual({ kind: 'role', role: 'viewer' });
    expect(requirement('GET', '/admin/sessions')).toEqual({ kind: 'role', role: 'operator' });
    expect(requirement('POST', '/admin/sessions/:id/end')).toEqual({ kind: 'role', role: 'operator' });
    expect(requirement('GET', '/admin/login')).toEqual({ kind: 'public' });
    expect(requirement('POST', '/admin/login')).toEqual({ kind: 'public' });
    expect(requirement('GET', '/admin/queues/api/queues')).toEqual({ kind: 'role', role: 'viewer' });
  });

  it('bull-board: operators retry and promote; every other action is refused for everyone', () => {
    expect([...BOARD_OPERATOR_ACTIONS]).toHaveLength(4);
    for (const [m, rest] of [
      ['PUT', '/:queueName/retry/:queueStatus'],
      ['PUT', '/:queueName/:jobId/retry'],
      ['PUT', '/:queueName/promote'],
      ['PUT', '/:queueName/:jobId/promote'],
    ] as const)
      expect(board(m, rest)).toEqual({ kind: 'role', role: 'operator' });
    const refused: Array<[string, string, string]> = [
      ['POST', '/:queueName/add', 'add'],
      ['PATCH', '/:queueName/:jobId/update-data', 'editing job data is turned off'],
      ['PUT', '/:queueName/clean/:queueStatus', 'clean'],
      ['PUT', '/:queueName/:jobId/clean', 'clean'],
      ['PUT', '/:queueName/empty', 'empty'],
      ['PUT', '/:queueName/obliterate', 'obliterate'],
      ['PUT', '/:queueName/pause', 'pause'],
      ['PUT', '/pause', 'pause'],
      ['PUT', '/resume', 'resume'],
      ['PATCH', '/:queueName/:jobId/delay', 'delay'],
      ['PUT', '/:queueName/job-schedulers/:schedulerId/remove', 'remove'],
      ['PUT', '/:queueName/:jobId/remove-unprocessed-children', 'remove-unprocessed-children'],
      ['POST', '/:queueName/a-future-action', 'a-future-action'],
      ['DELETE', '/:queueName/:jobId', '…'],
    ];
    for (const [m, rest, why] of refused) {
      const r = board(m, rest);
      expect(r.kind, `${m} ${rest}`).toBe('refused');
      expect(r.kind === 'refused' && r.why, `${m} ${rest}`).toContain(why === '…' ? 'turned off' : why);
    }
    expect(requirement('POST', '/admin/metrics/history/purge')).toEqual({ kind: 'role', role: 'operator' });
    expect(requirement('POST', '/admin/queues/api/metrics/history/purge').kind).toBe('refused');
  });
});

describe('the recorded actor', () => {
  const p = (name: string): Principal => ({ name, role: 'operator', via: 'bearer', csrf: '', session: null });
  it('is the signed-in name; a given name is kept after it as a claim', () => {
    expect(recordedActor(p('ann'))).toBe('ann');
    expect(recordedActor(p('ann'), 'ann')).toBe('ann');
    expect(recordedActor(p('ann'), '  ')).toBe('ann');
    expect(recordedActor(p('ops-bot'), 'mallory')).toBe('ops-bot (on behalf of mallory)');
  });
});

describe("bull-board's page", () => {
  it('loses every element that would load from another site, and keeps its own', () => {
    const page = `<head>
    <link rel="icon" href="static/favicon.ico">
    <link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">
    <link rel=preconnect href=//fonts.gstatic.com crossorigin>
    <LINK HREF='http://cdn.example/x.css' REL='stylesheet'>
<link href="static/css/main.css" rel="stylesheet"></head>
<script src="https://cdn.example/a.js"></script><script defer src="static/js/main.js"></script>`;
    const out = withoutExternalLoads(page);
    expect(out).not.toMatch(/googleapis|gstatic|cdn\.example/);
    expect(out).toContain('static/favicon.ico');
    expect(out).toContain('static/css/main.css');
    expect(out).toContain('<script defer src="static/js/main.js"></script>');
  });
});

describe('the access settings', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, { cwd: mkdtempSync(join(tmpdir(), 'llrecon-cfg-')) });
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
    return [];
  };
  const keys = { merchant: generateKeyPair(1024), lianlian: generateKeyPair(1024) };
  const production = {
    LIANLIAN_ENV: 'production',
    LIANLIAN_OID_PARTNER: '201408071000001543',
    LIANLIAN_PRIVATE_KEY: keys.merchant.privateBase64,
    LIANLIAN_PUBLIC_KEY: keys.lianlian.publicBase64,
    REDIS_URL: 'redis://127.0.0.1:6379',
  };
  const usersFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yml');
    writeFileSync(file, text);
    return file;
  };
  const good = usersFile(`- name: ann\n  role: operator\n  token_sha256: ${hex('ann-token-0123456789abcdef')}\n`);

  it('production runs with ADMIN_USERS_FILE and no ADMIN_TOKEN, and needs one of the two', () => {
    const c = loadConfig({ ...production, ADMIN_USERS_FILE: good }, { cwd: tmpdir() });
    expect(c.adminUsersFile).toBe(good);
    expect(c.adminToken).toBeNull();
    expect(problemsOf(production).filter((p) => p.startsWith('ADMIN_TOKEN'))).toEqual([
      'ADMIN_TOKEN: required in production unless ADMIN_USERS_FILE is set (at least 24 characters, e.g. openssl rand -base64 32)',
    ]);
  });

  it('names the file, the entry and the field of a users file that cannot be used, and never starts with it', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'missing.yaml');
    expect(problemsOf({ ADMIN_USERS_FILE: missing })).toEqual([`ADMIN_USERS_FILE: cannot read ${missing} (ENOENT)`]);
    expect(problemsOf({ ADMIN_USERS_FILE: usersFile('- name: ann\n  role: root\n  token_sha256: x\n') })).toEqual([
      'ADMIN_USERS_FILE: entry 0 (ann): token_sha256 must be the SHA-256 of the token, 64 hex digits (printf %s "$TOKEN" | sha256sum)',
    ]);
    expect(
      problemsOf({
        ADMIN_TOKEN: 'the-admin-token-0123456789',
        ADMIN_USERS_FILE: usersFile(`[{"name":"admin","role":"viewer","token_sha256":"${hex('x')}"}]`),
      }),
    ).toEqual([`ADMIN_USERS_FILE: the name "admin" belongs to ADMIN_TOKEN's operator: rename that user, or unset ADMIN_TOKEN`]);
  });

  it('TRUST_PROXY takes addresses, CIDRs and the named ranges, and refuses anything that would trust everyone or is no address', () => {
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.2 ,fd00::/8, loopback,uniquelocal' }, { cwd: tmpdir() }).trustProxy).toEqual([
      '10.0.0.2',
      'fd00::/8',
      'loopback',
      'uniquelocal',
    ]);
    for (const [value, message] of [
      ['true', /"true" is not an IP address/],
      ['*', /"\*" is not an IP address/],
      ['proxy.example', /is not an IP address, a CIDR, or one of loopback, linklocal, uniquelocal/],
      ['10.0.0.0/33', /the prefix length must be 1 to 32/],
      ['::/0', /trusts every address/],
      ['0.0.0.0/0', /trusts every address/],
      ['10.0.0.1/8/1', /is not an IP address/],
      [',', /must list the addresses/],
    ] as const) {
      const problems = problemsOf({ TRUST_PROXY: value });
      expect(problems, value).toHaveLength(1);
      expect(problems[0], value).toMatch(/^TRUST_PROXY: /);
      expect(problems[0], value).toMatch(message);
    }
  });

  it('NOTIFY_HTTP_PORT is a port other than HTTP_PORT', () => {
    expect(loadConfig({ NOTIFY_HTTP_PORT: '8081' }, { cwd: tmpdir() }).notifyHttpPort).toBe(8081);
    expect(loadConfig({ NOTIFY_HTTP_PORT: '0', HTTP_PORT: '0' }, { cwd: tmpdir() }).notifyHttpPort).toBe(0);
    expect(problemsOf({ NOTIFY_HTTP_PORT: '3000' })).toEqual(['NOTIFY_HTTP_PORT: must differ from HTTP_PORT (it is a second listener)']);
    expect(problemsOf({ NOTIFY_HTTP_PORT: 'http' })).toEqual(['NOTIFY_HTTP_PORT: must be a whole number from 0 to 65535 (got "http")']);
  });
});
