// Settings: defaults, every variable, production requirements reported one line per problem, keys as text or
// file, the .env file under real environment variables, durations, and a banner summary without secrets.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, type Config } from '../src/config.js';
import { SETTINGS } from '../src/config/settings.js';
import { LlreconError } from '../src/errors.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'llrecon-config-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const pair = generateKeyPairSync('rsa', { modulusLength: 1024 });
const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const privatePkcs1 = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const publicBase64 = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const adminToken = randomBytes(24).toString('base64url');
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
const OID = '201408071000001543';

/** The problems loadConfig reports for `env`, failing the test when it does not throw. */
function problemsOf(env: Record<string, string>, cwd = freshDir()): readonly string[] {
  try {
    loadConfig(env, { cwd });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(LlreconError);
    const e = err as ConfigError;
    expect(e.code).toBe('LLRECON_CONFIG');
    expect(e.message.split('\n')).toEqual(e.problems);
    return e.problems;
  }
  throw new Error('loadConfig accepted the settings');
}

const production = {
  LIANLIAN_ENV: 'production',
  LIANLIAN_OID_PARTNER: OID,
  LIANLIAN_PRIVATE_KEY: privatePem,
  LIANLIAN_PUBLIC_KEY: publicPem,
  ADMIN_TOKEN: adminToken,
  REDIS_URL: 'redis://10.0.0.5:6379',
};

describe('loadConfig', () => {
  it('runs in sandbox mode with the documented defaults when nothing is set', () => {
    const cwd = freshDir();
    const c = loadConfig({}, { cwd });
    expect(c).toEqual<Config>({
      env: 'sandbox',
      oidPartner: null,
      platform: null,
      privateKeyText: null,
      publicKeyText: null,
      queryUrl: null,
      redisUrl: null,
      redisEmbedded: false,
      redisPrefix: 'llrecon',
      redisCluster: false,
      redisSentinels: null,
      redisSentinelName: null,
      redisSentinelPassword: null,
      httpHost: '127.0.0.1',
      httpPort: 3000,
      adminToken: null,
      adminUsersFile: null,
      trustProxy: null,
      notifyHttpPort: null,
      notifyAllowedSources: null,
      queryRatePerSec: 5,
      queryTimeoutMs: 10_000,
      queryConcurrency: 16,
      pollSchedule: null,
      trackingHorizonMs: null,
      eventsRetentionMs: 7 * 86_400_000,
      ordersRetentionMs: 90 * 86_400_000,
      notFoundGraceMs: 30 * 60_000,
      roles: new Set(['api', 'query', 'notify']),
      logLevel: 'info',
      webhook: null,
      dataDir: join(cwd, '.data'),
      settlementDir: null,
      settlementSftpUrl: null,
      settlementSftpKeyFile: null,
      settlementSftpPassword: null,
      settlementSftpHostKey: null,
      settlementEncoding: 'auto',
      settlementPreauthPayTypes: ['F', 'G'],
      settlementGraceMs: 2 * 86_400_000,
      actionsEnabled: false,
      traderUrl: null,
      holdActionLeadMs: 2 * 3_600_000,
      holdWarningMs: 24 * 3_600_000,
    });
  });

  it('reads every variable', () => {
    const cwd = freshDir();
    const c = loadConfig(
      {
        ...production,
        LIANLIAN_QUERY_URL: 'https://query.example.test/preauthquery.htm',
        LIANLIAN_PLATFORM: 'group.example',
        REDIS_URL: 'redis://:pw@10.0.0.5:6380/2',
        REDIS_PREFIX: 'shop_1.recon-a',
        REDIS_CLUSTER: 'true',
        HTTP_HOST: '0.0.0.0',
        HTTP_PORT: '8080',
        NOTIFY_HTTP_PORT: '8081',
        TRUST_PROXY: '10.0.0.2, 192.168.0.0/16,loopback',
        NOTIFY_ALLOWED_SOURCES: '203.0.113.0/24, 2001:db8::/32',
        QUERY_RATE_PER_SEC: '12',
        QUERY_TIMEOUT: '2500ms',
        QUERY_CONCURRENCY: '4',
        POLL_SCHEDULE: '5s,15s,1m,2h',
        TRACKING_HORIZON: '2d',
        EVENTS_RETENTION: '36h',
        NOT_FOUND_GRACE: '0s',
        ROLES: ' query , notify ',
        LOG_LEVEL: 'debug',
        EVENTS_WEBHOOK_URL: 'https://hooks.example.test/llrecon',
        EVENTS_WEBHOOK_SECRET: webhookSecret,
        DATA_DIR: 'state',
        SETTLEMENT_DIR: 'incoming',
        SETTLEMENT_SFTP_URL: 'sftp://recon@sftp.example.test:2222/out',
        SETTLEMENT_SFTP_KEY_FILE: 'sftp.key',
        SETTLEMENT_SFTP_HOST_KEY: `SHA256:${'A'.repeat(43)}`,
        SETTLEMENT_ENCODING: 'gbk',
        SETTLEMENT_PREAUTH_PAY_TYPES: 'F, G,P',
        SETTLEMENT_GRACE: '36h',
        ACTIONS_ENABLED: 'true',
        LIANLIAN_TRADER_URL: 'https://trader.example.test/',
        HOLD_ACTION_LEAD: '3h',
        HOLD_WARNING: '12h',
      },
      { cwd },
    );
    expect(c).toEqual<Config>({
      env: 'production',
      oidPartner: OID,
      platform: 'group.example',
      privateKeyText: privatePem.trim(),
      publicKeyText: publicPem.trim(),
      queryUrl: 'https://query.example.test/preauthquery.htm',
      redisUrl: 'redis://:pw@10.0.0.5:6380/2',
      redisEmbedded: false,
      redisPrefix: 'shop_1.recon-a',
      redisCluster: true,
      redisSentinels: null,
      redisSentinelName: null,
      redisSentinelPassword: null,
      httpHost: '0.0.0.0',
      httpPort: 8080,
      adminToken,
      adminUsersFile: null,
      trustProxy: ['10.0.0.2', '192.168.0.0/16', 'loopback'],
      notifyHttpPort: 8081,
      notifyAllowedSources: ['203.0.113.0/24', '2001:db8::/32'],
      queryRatePerSec: 12,
      queryTimeoutMs: 2500,
      queryConcurrency: 4,
      pollSchedule: [5000, 15_000, 60_000, 7_200_000],
      trackingHorizonMs: 2 * 86_400_000,
      eventsRetentionMs: 36 * 3_600_000,
      ordersRetentionMs: 90 * 86_400_000,
      notFoundGraceMs: 0,
      roles: new Set(['query', 'notify']),
      logLevel: 'debug',
      webhook: { url: 'https://hooks.example.test/llrecon', secret: webhookSecret },
      dataDir: join(cwd, 'state'),
      settlementDir: join(cwd, 'incoming'),
      settlementSftpUrl: 'sftp://recon@sftp.example.test:2222/out',
      settlementSftpKeyFile: join(cwd, 'sftp.key'),
      settlementSftpPassword: null,
      settlementSftpHostKey: `SHA256:${'A'.repeat(43)}`,
      settlementEncoding: 'gbk',
      settlementPreauthPayTypes: ['F', 'G', 'P'],
      settlementGraceMs: 36 * 3_600_000,
      actionsEnabled: true,
      traderUrl: 'https://trader.example.test/',
      holdActionLeadMs: 3 * 3_600_000,
      holdWarningMs: 12 * 3_600_000,
    });
  });

  it("uses LianLian's query endpoint by default in production", () => {
    const c = loadConfig(production, { cwd: freshDir() });
    expect(c.queryUrl).toBe('https://queryapi.lianlianpay.com/preauthquery.htm');
  });

  it('fills every Config property from exactly one setting of the table, and reads no variable twice', () => {
    const fields = SETTINGS.flatMap((s) => (s.field === undefined ? [] : [s.field]));
    expect(new Set(fields).size).toBe(fields.length);
    expect(new Set(SETTINGS.map((s) => s.name)).size).toBe(SETTINGS.length);
    expect([...fields].sort()).toEqual(Object.keys(loadConfig({}, { cwd: freshDir() })).sort());
  });

  it('stops production start-up with one line per missing setting, naming each variable', () => {
    const problems = problemsOf({ LIANLIAN_ENV: 'production' });
    expect(problems).toHaveLength(5);
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'LIANLIAN_OID_PARTNER',
      'LIANLIAN_PRIVATE_KEY',
      'LIANLIAN_PUBLIC_KEY',
      'REDIS_URL',
      'ADMIN_TOKEN',
    ]);
    for (const p of problems) expect(p).toMatch(/required in production/);
  });

  it('reports every malformed value at once, one line each, naming the variable and what was given', () => {
    const problems = problemsOf({
      ...production,
      LIANLIAN_OID_PARTNER: '12345',
      ADMIN_TOKEN: 'short',
      QUERY_RATE_PER_SEC: 'abc',
      QUERY_CONCURRENCY: '0',
      HTTP_PORT: '70000',
      REDIS_PREFIX: 'has space',
      REDIS_CLUSTER: 'yes',
      ROLES: 'api,worker',
      LOG_LEVEL: 'loud',
      LIANLIAN_QUERY_URL: 'ftp://example.test/x',
    });
    expect(problems).toEqual([
      'LIANLIAN_OID_PARTNER: must be 18 digits (got "12345")',
      'LIANLIAN_QUERY_URL: must be a https:// or http:// URL (got "ftp://example.test/x")',
      'REDIS_PREFIX: must be 1–64 letters, digits or "_-." (got "has space")',
      'REDIS_CLUSTER: must be "true" or "false" (got "yes")',
      'HTTP_PORT: must be a whole number from 0 to 65535 (got "70000")',
      'ADMIN_TOKEN: must be at least 24 characters in production (e.g. openssl rand -base64 32)',
      'QUERY_RATE_PER_SEC: must be a whole number from 1 to 100000 (got "abc")',
      'QUERY_CONCURRENCY: must be a whole number from 1 to 10000 (got "0")',
      'ROLES: must be a comma list of api, query, notify (got "api,worker")',
      'LOG_LEVEL: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "loud")',
    ]);
    expect(problemsOf({ LIANLIAN_ENV: 'prod' })).toEqual(['LIANLIAN_ENV: must be one of "sandbox", "production" (got "prod")']);
  });

  it('never echoes a secret in a problem line', () => {
    const problems = problemsOf({
      LIANLIAN_PRIVATE_KEY: publicPem,
      LIANLIAN_PUBLIC_KEY: privatePem,
      REDIS_URL: 'http://user:hunter2hunter2@redis.example.test:6379',
      EVENTS_WEBHOOK_URL: 'https://hooks.example.test/?token=tok_9f8e7d6c5b4a',
    });
    expect(problems).toEqual([
      "LIANLIAN_PRIVATE_KEY: this is a public key: give the merchant's private key",
      "LIANLIAN_PUBLIC_KEY: this is a private key: give LianLian's public key (and keep this one secret)",
      'REDIS_URL: must be a redis:// or rediss:// URL (got "http://user:***@redis.example.test:6379/")',
      'EVENTS_WEBHOOK_SECRET: required when EVENTS_WEBHOOK_URL is set (whsec_ followed by base64)',
    ]);
    const text = problems.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(privatePem.split('\n')[1]!);
  });
});

describe('keys', () => {
  it('take PEM (PKCS#8 or PKCS#1), bare base64, or a one-line PEM with \\n escapes', () => {
    const cwd = freshDir();
    expect(loadConfig({ LIANLIAN_PRIVATE_KEY: privatePkcs1 }, { cwd }).privateKeyText).toBe(privatePkcs1.trim());
    expect(loadConfig({ LIANLIAN_PUBLIC_KEY: publicBase64 }, { cwd }).publicKeyText).toBe(publicBase64);
    const oneLine = privatePem.trim().replace(/\n/g, '\\n');
    expect(loadConfig({ LIANLIAN_PRIVATE_KEY: oneLine }, { cwd }).privateKeyText).toBe(privatePem.trim());
  });

  it('are read from *_FILE, relative to the working directory', () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'merchant.pem'), privatePem);
    writeFileSync(join(cwd, 'lianlian.pub'), `${publicBase64}\n`);
    const c = loadConfig({ LIANLIAN_PRIVATE_KEY_FILE: 'merchant.pem', LIANLIAN_PUBLIC_KEY_FILE: join(cwd, 'lianlian.pub') }, { cwd });
    expect(c.privateKeyText).toBe(privatePem.trim());
    expect(c.publicKeyText).toBe(publicBase64);
    expect(problemsOf({ LIANLIAN_PUBLIC_KEY_FILE: 'missing.pub' }, cwd)).toEqual([
      `LIANLIAN_PUBLIC_KEY_FILE: cannot read ${join(cwd, 'missing.pub')} (ENOENT)`,
    ]);
  });

  it('refuse a key given both as text and as a file', () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'merchant.pem'), privatePem);
    expect(problemsOf({ ...production, LIANLIAN_PRIVATE_KEY_FILE: 'merchant.pem' }, cwd)).toEqual([
      'LIANLIAN_PRIVATE_KEY: set either LIANLIAN_PRIVATE_KEY or LIANLIAN_PRIVATE_KEY_FILE, not both',
    ]);
  });

  it('must look like a key', () => {
    expect(
      problemsOf({
        LIANLIAN_PRIVATE_KEY: 'not-a-key!',
        LIANLIAN_PUBLIC_KEY: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
      }),
    ).toEqual([
      'LIANLIAN_PRIVATE_KEY: not a private key: expected PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) or bare base64 PKCS#8',
      'LIANLIAN_PUBLIC_KEY: not a public key: expected PEM (BEGIN PUBLIC KEY) or bare base64 X.509 SubjectPublicKeyInfo',
    ]);
  });
});

describe('.env', () => {
  it('is read from the working directory, and real environment variables win over it', () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, '.env'), ['# local settings', 'REDIS_PREFIX=fromfile', 'HTTP_PORT=4000', 'LOG_LEVEL="warn"', ''].join('\n'));
    const c = loadConfig({ HTTP_PORT: '5000' }, { cwd });
    expect(c.redisPrefix).toBe('fromfile');
    expect(c.logLevel).toBe('warn');
    expect(c.httpPort).toBe(5000);
  });

  it('is checked like the environment', () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, '.env'), 'QUERY_RATE_PER_SEC=-1\n');
    expect(problemsOf({}, cwd)).toEqual(['QUERY_RATE_PER_SEC: must be a whole number from 1 to 100000 (got "-1")']);
  });
});

describe('durations and lists', () => {
  it('parse units ms s m h d', () => {
    const c = loadConfig(
      { QUERY_TIMEOUT: '1m', POLL_SCHEDULE: '250ms,1s', TRACKING_HORIZON: '90m', EVENTS_RETENTION: '1d', NOT_FOUND_GRACE: '45s' },
      { cwd: freshDir() },
    );
    expect([c.queryTimeoutMs, c.pollSchedule, c.trackingHorizonMs, c.eventsRetentionMs, c.notFoundGraceMs]).toEqual([
      60_000,
      [250, 1000],
      5_400_000,
      86_400_000,
      45_000,
    ]);
  });

  it('report a bad one by its variable, along with the other problems', () => {
    const problems = problemsOf({ QUERY_TIMEOUT: 'soon', POLL_SCHEDULE: '5s,later', EVENTS_RETENTION: '0s', QUERY_RATE_PER_SEC: '0' });
    expect(problems).toHaveLength(4);
    for (const [i, name] of ['QUERY_RATE_PER_SEC', 'QUERY_TIMEOUT', 'POLL_SCHEDULE', 'EVENTS_RETENTION'].entries())
      expect(problems[i]!.startsWith(name), problems[i]).toBe(true);
    expect(problems[1]).toContain('"soon"');
    expect(problems[2]).toContain('"later"');
    expect(problems[3]).toBe('EVENTS_RETENTION: must be at least 1ms (got "0s")');
  });
});

describe('webhook and cluster settings', () => {
  it('need each other', () => {
    expect(problemsOf({ EVENTS_WEBHOOK_SECRET: webhookSecret })).toEqual([
      'EVENTS_WEBHOOK_URL: required when EVENTS_WEBHOOK_SECRET is set',
    ]);
    expect(problemsOf({ EVENTS_WEBHOOK_URL: 'https://h.example.test/', EVENTS_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toEqual([
      'EVENTS_WEBHOOK_SECRET: must be "whsec_" followed by base64 of at least 24 random bytes',
    ]);
    expect(problemsOf({ EVENTS_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toEqual([
      'EVENTS_WEBHOOK_URL: required when EVENTS_WEBHOOK_SECRET is set',
      'EVENTS_WEBHOOK_SECRET: must be "whsec_" followed by base64 of at least 24 random bytes',
    ]);
    expect(problemsOf({ REDIS_CLUSTER: 'true' })).toEqual([
      'REDIS_CLUSTER: true needs REDIS_URL naming a seed node of the cluster (the embedded redis-server is not a cluster)',
    ]);
  });
});

describe('describeConfig', () => {
  it('summarises every setting with secrets masked', () => {
    const c = loadConfig(
      {
        ...production,
        REDIS_URL: 'rediss://default:s3cr3t-pass@redis.example.test:6380',
        EVENTS_WEBHOOK_URL: 'https://hooks.example.test/in?key=hook-key-123',
        EVENTS_WEBHOOK_SECRET: webhookSecret,
        POLL_SCHEDULE: '5s,90s,1h',
      },
      { cwd: freshDir() },
    );
    const d = describeConfig(c);
    const text = JSON.stringify(d);
    for (const secret of [privatePem.split('\n')[1]!, adminToken, webhookSecret, 's3cr3t-pass', 'hook-key-123'])
      expect(text).not.toContain(secret);
    expect(d).toMatchObject({
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: OID,
      LIANLIAN_PRIVATE_KEY: '(set, masked)',
      ADMIN_TOKEN: '(set, masked)',
      REDIS_URL: 'rediss://default:***@redis.example.test:6380',
      EVENTS_WEBHOOK_URL: 'https://hooks.example.test/in?key=***',
      EVENTS_WEBHOOK_SECRET: '(set, masked)',
      POLL_SCHEDULE: '5s,90s,1h',
      QUERY_TIMEOUT: '10s',
      EVENTS_RETENTION: '7d',
      NOT_FOUND_GRACE: '30m',
      ROLES: 'api,query,notify',
    });
  });

  it('lists every variable of the table, in its order, and says what an unset one means in sandbox mode', () => {
    const cwd = freshDir();
    const d = describeConfig(loadConfig({}, { cwd }));
    expect(Object.keys(d)).toEqual(SETTINGS.map((s) => s.name));
    expect(d).toEqual({
      LIANLIAN_ENV: 'sandbox',
      LIANLIAN_OID_PARTNER: 'sandbox: generated',
      LIANLIAN_PLATFORM: 'none sent',
      LIANLIAN_PRIVATE_KEY: 'sandbox: generated',
      LIANLIAN_PUBLIC_KEY: "sandbox: the simulator's",
      LIANLIAN_QUERY_URL: "sandbox: the simulator's",
      REDIS_URL: 'an embedded redis-server',
      REDIS_EMBEDDED: 'false',
      REDIS_PREFIX: 'llrecon',
      REDIS_CLUSTER: 'false',
      REDIS_SENTINELS: 'no Sentinel',
      REDIS_SENTINEL_NAME: 'none (required with REDIS_SENTINELS)',
      REDIS_SENTINEL_PASSWORD: 'none',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '3000',
      NOTIFY_HTTP_PORT: 'one listener',
      TRUST_PROXY: 'the peer is the client',
      NOTIFY_ALLOWED_SOURCES: 'any source (forged callbacks are still refused at the door)',
      ADMIN_TOKEN: `sandbox: generated, kept under ${join(cwd, '.data')}`,
      ADMIN_USERS_FILE: 'ADMIN_TOKEN alone: one operator named admin',
      QUERY_RATE_PER_SEC: '5',
      QUERY_TIMEOUT: '10s',
      QUERY_CONCURRENCY: '16',
      POLL_SCHEDULE: 'the built-in policy',
      TRACKING_HORIZON: "one day after the hold's deadline (dt_order + valid_order), per order",
      EVENTS_RETENTION: '7d',
      ORDERS_RETENTION: '90d',
      NOT_FOUND_GRACE: '30m',
      ROLES: 'api,query,notify',
      LOG_LEVEL: 'info',
      EVENTS_WEBHOOK_URL: 'off',
      EVENTS_WEBHOOK_SECRET: 'off',
      DATA_DIR: join(cwd, '.data'),
      SETTLEMENT_DIR: 'no watch (SETTLEMENT_SFTP_URL then fetches into DATA_DIR/settlement)',
      SETTLEMENT_SFTP_URL: 'no fetch',
      SETTLEMENT_SFTP_KEY_FILE: 'none',
      SETTLEMENT_SFTP_PASSWORD: 'none',
      SETTLEMENT_SFTP_HOST_KEY: 'none (required with SETTLEMENT_SFTP_URL)',
      SETTLEMENT_ENCODING: 'auto',
      SETTLEMENT_PREAUTH_PAY_TYPES: 'F,G',
      SETTLEMENT_GRACE: '2d',
      ACTIONS_ENABLED: 'false',
      LIANLIAN_TRADER_URL: "sandbox: the simulator's",
      HOLD_ACTION_LEAD: '2h',
      HOLD_WARNING: '1d',
    });
    expect(describeConfig(loadConfig({ LIANLIAN_PUBLIC_KEY: publicPem }, { cwd })).LIANLIAN_PUBLIC_KEY).toBe('(set)');
  });
});
