// The daemon: resolves what this process runs with (sandbox or production), starts Redis when none is
// configured, the engine with the workers of ROLES, and the HTTP listener; stops all of it gracefully.
// The listener comes up before Redis answers — the API and pages with the `api` role, else /healthz, /readyz and
// /metrics only — so that a Redis that cannot be reached is never a silent wait: /healthz answers, /readyz says
// why not ready, and the connections log a warning while they retry. runDaemon() adds the signals: SIGTERM or
// SIGINT stop the workers, then the embedded Redis (which a signal to our process group does not reach).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { maskUrl, type Config } from './config.js';
import { createEngine, type RunningEngine } from './engine.js';
import { LlreconError } from './errors.js';
import { buildApp, buildHealthApp, buildNotifyApp } from './http/app.js';
import { exportPublicBase64, importPrivateKey, importPublicKey, publicKeyOf, type PrivateKey, type PublicKey } from './lianlian/keys.js';
import { assertMd5Supported } from './lianlian/md5-support.js';
import { PREAUTH_QUERY_URL } from './lianlian/endpoints.js';
import { createLogger, type Logger } from './log.js';
import { checkRedisSafety } from './redis/connection.js';
import { embeddedRedisDir, redisPasswordFile, startEmbeddedRedis } from './redis/embedded-daemon.js';
import type { EmbeddedRedis } from './redis/embedded-server.js';
import { demoOrders, sandboxPaybill } from './sandbox/demo-orders.js';
import { startSandboxParts, type SandboxParts } from './sandbox/runtime.js';
import type { SandboxSettlement } from './sandbox/settlement-sandbox.js';

export interface Daemon {
  engine: RunningEngine;
  app: FastifyInstance | null;
  /** Base URL of the HTTP listener: the API and pages with the `api` role, else /healthz, /readyz and /metrics only. */
  url: string | null;
  /** Base URL of the callbacks-only listener (NOTIFY_HTTP_PORT), when there is one. */
  notifyUrl: string | null;
  adminToken: string;
  sandbox: SandboxParts | null;
  redis: EmbeddedRedis | null;
  stop(): Promise<void>;
}

function adminTokenFor(config: Config): { token: string; generated: boolean } {
  // production without ADMIN_TOKEN has ADMIN_USERS_FILE (loadConfig checked): no token of its own is made
  if (config.adminToken || config.env === 'production') return { token: config.adminToken ?? '', generated: false };
  const file = join(config.dataDir, 'admin_token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  const token = randomBytes(24).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true };
}

/**
 * Refuses LianLian's public key when it is the merchant's own (the public half of LIANLIAN_PRIVATE_KEY): every
 * genuine answer would then fail to verify, and anyone holding the merchant's key could forge one.
 */
export function assertKeysDiffer(merchantKey: PrivateKey, lianlianKey: PublicKey): void {
  if (exportPublicBase64(publicKeyOf(merchantKey)) === exportPublicBase64(lianlianKey))
    throw new LlreconError(
      'LLRECON_CONFIG',
      "LIANLIAN_PUBLIC_KEY: this is the public half of LIANLIAN_PRIVATE_KEY (your own key, the one you upload to LianLian): give LianLian's public key instead",
    );
}

/** Resolves once the engine's Redis answers; rejects with the signal's reason when it is aborted first. */
async function untilRedisAnswers(engine: RunningEngine, signal: AbortSignal | undefined): Promise<void> {
  const { redis } = engine.ctx;
  for (;;) {
    signal?.throwIfAborted();
    if (redis.status === 'ready' && (await redis.ping().catch(() => null)) === 'PONG') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 250);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** What `work` settles to, or a rejection with the signal's reason as soon as it is aborted (the work runs on). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The refusal of an evicting Redis, and the warnings about the others that {@link checkRedisSafety} finds. */
async function checkRedis(engine: RunningEngine, log: Logger): Promise<void> {
  const problems = await checkRedisSafety(engine.ctx.redis);
  const fatal = problems.filter((p) => p.includes('maxmemory-policy'));
  for (const p of problems.filter((x) => !fatal.includes(x))) log.warn(p);
  if (fatal.length > 0) throw new LlreconError('LLRECON_REDIS_EVICTION', fatal.join('\n'));
}

/** Base URL of a listening server. */
function baseUrl(host: string, server: FastifyInstance, fallbackPort: number): string {
  const addr = server.server.address();
  return `http://${host.includes(':') ? `[${host}]` : host}:${typeof addr === 'object' && addr ? addr.port : fallbackPort}`;
}

export interface DaemonOptions {
  log?: Logger;
  /** Demo orders to track in sandbox mode (default 8). */
  demoOrders?: number;
  /** Print the banner (default true). */
  banner?: (lines: string[]) => void;
  /** Aborting it while the daemon starts (e.g. waits for Redis) stops what was started and rejects. */
  signal?: AbortSignal;
}

export async function startDaemon(config: Config, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = opts.log ?? createLogger({ level: config.logLevel, pretty: config.env === 'sandbox' && process.stdout.isTTY === true });
  assertMd5Supported();
  const stops: Array<() => Promise<void>> = [];

  try {
    let oidPartner: string;
    let merchantKey: PrivateKey;
    let lianlianKey: PublicKey;
    let queryUrl: string;
    let sandbox: SandboxParts | null = null;
    let sandboxSettlement: SandboxSettlement | null = null;
    // production's keys first: a mistake there is reported before anything starts
    if (config.env === 'production') {
      // loadConfig has already checked that these are present
      oidPartner = config.oidPartner as string;
      merchantKey = importPrivateKey(config.privateKeyText as string, 'LIANLIAN_PRIVATE_KEY');
      lianlianKey = importPublicKey(config.publicKeyText as string, 'LIANLIAN_PUBLIC_KEY');
      assertKeysDiffer(merchantKey, lianlianKey);
      queryUrl = config.queryUrl ?? PREAUTH_QUERY_URL;
    } else {
      const ownKey = config.privateKeyText ? importPrivateKey(config.privateKeyText, 'LIANLIAN_PRIVATE_KEY') : null;
      const givenLianLianKey = config.publicKeyText ? importPublicKey(config.publicKeyText, 'LIANLIAN_PUBLIC_KEY') : null;
      if (ownKey && givenLianLianKey) assertKeysDiffer(ownKey, givenLianLianKey);
      sandbox = await startSandboxParts({ dataDir: config.dataDir, oidPartner: config.oidPartner, merchantKey: ownKey });
      const parts = sandbox;
      stops.push(() => parts.stop());
      oidPartner = sandbox.oidPartner;
      merchantKey = sandbox.merchantKey;
      lianlianKey = givenLianLianKey ?? sandbox.lianlianKey;
      queryUrl = config.queryUrl ?? sandbox.queryUrl;
      // the simulator's settlement files, on an SFTP server of its own (unless an SFTP server is configured)
      // (loaded only here: ssh2 makes a 16 MiB WebAssembly memory as it loads; see src/settlement/ssh2.ts)
      if (!config.settlementSftpUrl) {
        const { startSandboxSettlement } = await import('./sandbox/settlement-sandbox.js');
        const settlement = await startSandboxSettlement({ dataDir: config.dataDir, oidPartner, simulator: sandbox.simulator });
        sandboxSettlement = settlement;
        stops.push(() => settlement.stop());
      }
    }

    const embedded = config.redisUrl ? null : await startEmbeddedRedis(config.dataDir, log);
    if (embedded) stops.push(() => embedded.stop());
    const redisUrl = embedded?.url ?? (config.redisUrl as string);
    const cfg: Config = {
      ...config,
      redisUrl,
      ...(sandboxSettlement
        ? {
            settlementSftpUrl: sandboxSettlement.url,
            settlementSftpHostKey: sandboxSettlement.hostKey,
            settlementSftpPassword: sandboxSettlement.password,
          }
        : {}),
    };

    const { token, generated } = adminTokenFor(cfg);
    const engine = await createEngine({ config: { ...cfg, adminToken: token }, log, oidPartner, merchantKey, lianlianKey, queryUrl });
    stops.push(() => engine.close());

    // listening before Redis answers (see the file head)
    const app = cfg.roles.has('api') ? await buildApp(engine) : await buildHealthApp(engine);
    stops.push(() => app.close());
    await app.listen({ host: cfg.httpHost, port: cfg.httpPort });
    const url = baseUrl(cfg.httpHost, app, cfg.httpPort);
    let notifyUrl: string | null = null;
    if (cfg.roles.has('api') && cfg.notifyHttpPort !== null) {
      const callbacks = await buildNotifyApp(engine);
      stops.push(() => callbacks.close());
      await callbacks.listen({ host: cfg.httpHost, port: cfg.notifyHttpPort });
      notifyUrl = baseUrl(cfg.httpHost, callbacks, cfg.notifyHttpPort);
    }

    if (engine.ctx.redis.status !== 'ready') log.info({ url: maskUrl(redisUrl) }, `waiting for Redis at ${maskUrl(redisUrl)}`);
    await untilRedisAnswers(engine, opts.signal);
    // Redis may go away again while the rest starts: a signal then must not wait for it
    await unlessAborted(checkRedis(engine, log), opts.signal);
    await unlessAborted(engine.start(), opts.signal);

    if (sandbox && cfg.roles.has('api') && (opts.demoOrders ?? 8) > 0) {
      const orders = demoOrders(opts.demoOrders ?? 8, Date.now(), Math.random);
      for (const o of orders)
        sandbox.simulator.addOrder({
          oid_partner: oidPartner,
          ...o,
          oid_paybill: sandboxPaybill(o.no_order),
          notifyUrl: `${notifyUrl ?? url}/notify/lianlian`,
        });
      await unlessAborted(engine.track({ orders }, { source: 'embed', actor: 'sandbox demo' }), opts.signal);
      const settlement = sandboxSettlement;
      if (settlement && engine.settlements) {
        // the simulator publishes the captured demo orders' settlement files; llrecon fetches them over SFTP
        const settled = orders.map((o) => ({ ...o, oid_paybill: sandboxPaybill(o.no_order) }));
        const publish = () => {
          if (settlement.publish(settled))
            void engine.settlements?.fetchNow().catch((err: Error) => log.warn({ err: err.message }, 'sandbox: settlement fetch failed'));
        };
        const timer = setInterval(publish, 15_000);
        timer.unref();
        stops.push(async () => clearInterval(timer));
      }
    }

    const lines = [
      `llrecon ${cfg.env === 'sandbox' ? 'SANDBOX (simulated LianLian; nothing real is queried)' : 'production'} — roles: ${[...cfg.roles].join(',')}`,
      `  merchant (oid_partner): ${oidPartner}`,
      `  querying:               ${queryUrl}`,
      `  redis:                  ${embedded ? `${maskUrl(redisUrl)} (embedded, data in ${embeddedRedisDir(cfg.dataDir)}, password in ${redisPasswordFile(cfg.dataDir)})` : cfg.redisSentinels ? `the primary REDIS_SENTINEL_NAME through REDIS_SENTINELS` : 'REDIS_URL'}`,
    ];
    if (!cfg.roles.has('api')) lines.push(`  health and metrics:     ${url}/healthz ${url}/readyz ${url}/metrics`);
    else {
      lines.push(`  dashboard:              ${url}/admin/orders   (English / 中文: ?lang=zh-CN or the switch; jobs: ${url}/admin/queues)`);
      lines.push(`  metrics:                ${url}/metrics`);
      lines.push(`  API reference:          ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
      if (sandboxSettlement)
        lines.push(`  settlements:            ${url}/admin/settlements   (the simulator's files over ${sandboxSettlement.url})`);
      if (notifyUrl) lines.push(`  callbacks (public):     ${notifyUrl}/notify/lianlian   (this listener serves nothing else)`);
      if (cfg.env === 'sandbox')
        lines.push(
          `  admin token:            ${token}${generated ? '  (generated, kept in ' + join(cfg.dataDir, 'admin_token') + ')' : ''}`,
        );
    }
    if (sandbox) lines.push(`  simulator:              ${sandbox.simulator.queryUrl}`);
    (opts.banner ?? ((l) => process.stdout.write(`${l.join('\n')}\n`)))(lines);

    let stopping: Promise<void> | null = null;
    return {
      engine,
      app,
      url,
      notifyUrl,
      adminToken: token,
      sandbox,
      redis: embedded,
      stop() {
        stopping ??= (async () => {
          for (const s of stops.reverse()) await s().catch((err: Error) => log.error({ err: err.message }, 'shutdown step failed'));
        })();
        return stopping;
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw err;
  }
}

/** How long a stop may take, workers' grace included, before the process exits anyway. */
export const STOP_DEADLINE_MS = 25_000;

/**
 * The daemon as `llrecon start` runs it, until SIGTERM or SIGINT: the first one stops it gracefully (also while it
 * starts, e.g. waits for Redis) and exits 0; a second one, or a stop past STOP_DEADLINE_MS, exits at once (the
 * embedded Redis is then stopped by its watchdog). Start-up failures reject.
 */
export async function runDaemon(config: Config, opts: Omit<DaemonOptions, 'signal'> = {}): Promise<void> {
  const log = opts.log ?? createLogger({ level: config.logLevel, pretty: config.env === 'sandbox' && process.stdout.isTTY === true });
  const starting = new AbortController();
  let daemon: Daemon | null = null;
  let signals = 0;
  const stopAndExit = (d: Daemon) =>
    void d.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: no new work, finishing in-flight jobs');
    setTimeout(() => {
      log.error({ ms: STOP_DEADLINE_MS }, 'shutdown did not finish in time: exiting now');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    if (daemon) stopAndExit(daemon);
    else starting.abort(new Error(`${signal} while starting`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    daemon = await startDaemon(config, { ...opts, log, signal: starting.signal });
  } catch (err) {
    if (starting.signal.aborted) process.exit(0); // what had started is stopped
    throw err;
  }
  if (starting.signal.aborted) stopAndExit(daemon); // the signal came as start-up finished
}
