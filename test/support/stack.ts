// A whole llrecon on loopback for tests: the LianLian simulator with keys made at test time, a real Redis
// (the global setup's) under a fresh prefix, an engine, and optionally the HTTP app.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ActionRunnerOptions } from '../../src/actions/runner.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createEngine, type RunningEngine } from '../../src/engine.js';
import { buildApp } from '../../src/http/app.js';
import { generateKeyPair, importPrivateKey, importPublicKey, publicKeyOf, type PrivateKey } from '../../src/lianlian/keys.js';
import { LianLianSimulator } from '../../src/sandbox/simulator.js';
import { registerSecrets, testLogger } from './log-capture.js';

export interface StackOptions {
  /** Environment-style settings (POLL_SCHEDULE, QUERY_RATE_PER_SEC, ROLES …) on top of the test defaults. */
  env?: Record<string, string>;
  http?: boolean;
  now?: () => number;
  notifyIntervalMs?: number;
  /** How often the action runner looks for due actions and sweeps the holds (src/actions/runner.ts). */
  actionRunner?: ActionRunnerOptions;
}

export interface Stack {
  config: Config;
  engine: RunningEngine;
  simulator: LianLianSimulator;
  app: FastifyInstance | null;
  url: string | null;
  oidPartner: string;
  merchantKey: PrivateKey;
  lianlianKeyPem: string;
  lianlianPublicPem: string;
  merchantKeyPem: string;
  adminToken: string;
  prefix: string;
  close(): Promise<void>;
}

let keyCache: { merchant: ReturnType<typeof generateKeyPair>; lianlian: ReturnType<typeof generateKeyPair> } | null = null;
function keys() {
  keyCache ??= { merchant: generateKeyPair(1024), lianlian: generateKeyPair(1024) };
  return keyCache;
}

export function randomOid(): string {
  return `2026${String(Math.floor(Math.random() * 1e14)).padStart(14, '0')}`;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const k = keys();
  const oidPartner = randomOid();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const adminToken = randomBytes(24).toString('base64url');
  registerSecrets(adminToken, k.merchant.privatePem, k.merchant.privateBase64, k.lianlian.privatePem, k.lianlian.privateBase64);
  const merchantKey = importPrivateKey(k.merchant.privatePem);
  const simulator = new LianLianSimulator({
    lianlianPrivateKey: importPrivateKey(k.lianlian.privatePem),
    merchants: [{ oid_partner: oidPartner, publicKey: publicKeyOf(merchantKey) }],
    notifyIntervalMs: opts.notifyIntervalMs ?? 200,
  });
  await simulator.start({ host: '127.0.0.1', port: 0 });
  const config = loadConfig(
    {
      LIANLIAN_ENV: 'sandbox',
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: prefix,
      LIANLIAN_OID_PARTNER: oidPartner,
      ADMIN_TOKEN: adminToken,
      QUERY_RATE_PER_SEC: '200',
      POLL_SCHEDULE: '50ms',
      QUERY_TIMEOUT: '2s',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llrecon-stack-')),
      ...opts.env,
    },
    { cwd: tmpdir() },
  );
  const engine = await createEngine({
    config,
    log: testLogger('stack'),
    oidPartner,
    merchantKey,
    lianlianKey: importPublicKey(k.lianlian.publicPem),
    queryUrl: simulator.queryUrl,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.actionRunner ? { actionRunner: opts.actionRunner } : {}),
  });
  await engine.start();
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (opts.http) {
    app = await buildApp(engine);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }
  return {
    config,
    engine,
    simulator,
    app,
    url,
    oidPartner,
    merchantKey,
    lianlianKeyPem: k.lianlian.privatePem,
    lianlianPublicPem: k.lianlian.publicPem,
    merchantKeyPem: k.merchant.privatePem,
    adminToken,
    prefix,
    async close() {
      await app?.close();
      await engine.close();
      await simulator.stop();
    },
  };
}

/** Poll `check` until it returns a truthy value or `ms` pass. */
/** The environment a CLI child process needs to reach this stack's Redis and merchant (quiet logs, its own data dir). */
export function cliEnv(stack: Stack, dataDir: string): Record<string, string> {
  return {
    REDIS_URL: stack.config.redisUrl as string,
    REDIS_PREFIX: stack.prefix,
    LIANLIAN_OID_PARTNER: stack.oidPartner,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  };
}

export async function waitFor<T>(check: () => Promise<T> | T, ms = 10_000, every = 25): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
