// The daemon: resolves what this process runs with (sandbox or production), starts Redis when none is
// configured, the engine with the workers of ROLES, and the HTTP server; stops all of it gracefully.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createEngine, type RunningEngine } from './engine.js';
import { LlreconError } from './errors.js';
import { buildApp, buildNotifyApp } from './http/app.js';
import { importPrivateKey, importPublicKey, type PrivateKey, type PublicKey } from './lianlian/keys.js';
import { assertMd5Supported } from './lianlian/md5-support.js';
import { PREAUTH_QUERY_URL } from './lianlian/endpoints.js';
import { createLogger, type Logger } from './log.js';
import { checkRedisSafety, createRedis } from './redis/connection.js';
import { redisUrlFile, startRedisServer, type EmbeddedRedis } from './redis/embedded-server.js';
import { demoOrders } from './sandbox/demo-orders.js';
import { startSandboxParts, type SandboxParts } from './sandbox/runtime.js';

export interface Daemon {
  engine: RunningEngine;
  app: FastifyInstance | null;
  /** Base URL of the HTTP server, when this process runs the `api` role. */
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

async function ensureRedis(config: Config, log: Logger): Promise<{ url: string; embedded: EmbeddedRedis | null }> {
  if (config.redisUrl) return { url: config.redisUrl, embedded: null };
  const embedded = await startRedisServer({ dir: join(config.dataDir, 'redis') });
  writeFileSync(redisUrlFile(config.dataDir), `${embedded.url}\n`);
  log.info({ url: embedded.url, dir: join(config.dataDir, 'redis') }, 'embedded redis-server started (append-only, noeviction)');
  return { url: embedded.url, embedded };
}

export interface DaemonOptions {
  log?: Logger;
  /** Demo orders to track in sandbox mode (default 8). */
  demoOrders?: number;
  /** Print the banner (default true). */
  banner?: (lines: string[]) => void;
}

export async function startDaemon(config: Config, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = opts.log ?? createLogger({ level: config.logLevel, pretty: config.env === 'sandbox' && process.stdout.isTTY === true });
  assertMd5Supported();

  const { url: redisUrl, embedded } = await ensureRedis(config, log);
  const cfg: Config = { ...config, redisUrl };
  const stops: Array<() => Promise<void>> = [];
  if (embedded)
    stops.push(async () => {
      await embedded.stop();
      rmSync(redisUrlFile(config.dataDir), { force: true });
    });

  try {
    const probe = createRedis({ redisUrl, redisCluster: cfg.redisCluster }, 'client', { onError: () => undefined });
    const problems = await checkRedisSafety(probe).finally(() => probe.quit().catch(() => undefined));
    const fatal = problems.filter((p) => p.includes('maxmemory-policy'));
    for (const p of problems.filter((x) => !fatal.includes(x))) log.warn(p);
    if (fatal.length > 0) throw new LlreconError('LLRECON_REDIS_EVICTION', fatal.join('\n'));

    let oidPartner: string;
    let merchantKey: PrivateKey;
    let lianlianKey: PublicKey;
    let queryUrl: string;
    let sandbox: SandboxParts | null = null;
    if (cfg.env === 'production') {
      // loadConfig has already checked that these are present
      oidPartner = cfg.oidPartner as string;
      merchantKey = importPrivateKey(cfg.privateKeyText as string, 'LIANLIAN_PRIVATE_KEY');
      lianlianKey = importPublicKey(cfg.publicKeyText as string, 'LIANLIAN_PUBLIC_KEY');
      queryUrl = cfg.queryUrl ?? PREAUTH_QUERY_URL;
    } else {
      sandbox = await startSandboxParts({
        dataDir: cfg.dataDir,
        oidPartner: cfg.oidPartner,
        merchantKey: cfg.privateKeyText ? importPrivateKey(cfg.privateKeyText, 'LIANLIAN_PRIVATE_KEY') : null,
      });
      stops.push(() => sandbox!.stop());
      oidPartner = sandbox.oidPartner;
      merchantKey = sandbox.merchantKey;
      lianlianKey = cfg.publicKeyText ? importPublicKey(cfg.publicKeyText, 'LIANLIAN_PUBLIC_KEY') : sandbox.lianlianKey;
      queryUrl = cfg.queryUrl ?? sandbox.queryUrl;
    }

    const { token, generated } = adminTokenFor(cfg);
    const engine = await createEngine({ config: { ...cfg, adminToken: token }, log, oidPartner, merchantKey, lianlianKey, queryUrl });
    stops.push(() => engine.close());
    await engine.start();

    let app: FastifyInstance | null = null;
    let url: string | null = null;
    let notifyUrl: string | null = null;
    if (cfg.roles.has('api')) {
      app = await buildApp(engine);
      await app.listen({ host: cfg.httpHost, port: cfg.httpPort });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : cfg.httpPort;
      url = `http://${cfg.httpHost.includes(':') ? `[${cfg.httpHost}]` : cfg.httpHost}:${port}`;
      const a = app;
      stops.push(() => a.close());
      if (cfg.notifyHttpPort !== null) {
        const callbacks = await buildNotifyApp(engine);
        stops.push(() => callbacks.close());
        await callbacks.listen({ host: cfg.httpHost, port: cfg.notifyHttpPort });
        const naddr = callbacks.server.address();
        const nport = typeof naddr === 'object' && naddr ? naddr.port : cfg.notifyHttpPort;
        notifyUrl = `http://${cfg.httpHost.includes(':') ? `[${cfg.httpHost}]` : cfg.httpHost}:${nport}`;
      }
    }

    if (sandbox && url && (opts.demoOrders ?? 8) > 0) {
      const orders = demoOrders(opts.demoOrders ?? 8, Date.now(), Math.random);
      for (const o of orders) sandbox.simulator.addOrder({ oid_partner: oidPartner, ...o, notifyUrl: `${notifyUrl ?? url}/notify/lianlian` });
      await engine.track({ orders }, { source: 'embed', actor: 'sandbox demo' });
    }

    const lines = [
      `llrecon ${cfg.env === 'sandbox' ? 'SANDBOX (simulated LianLian; nothing real is queried)' : 'production'} — roles: ${[...cfg.roles].join(',')}`,
      `  merchant (oid_partner): ${oidPartner}`,
      `  querying:               ${queryUrl}`,
      `  redis:                  ${embedded ? `${redisUrl} (embedded, data in ${join(cfg.dataDir, 'redis')})` : 'REDIS_URL'}`,
    ];
    if (url) {
      lines.push(`  dashboard:              ${url}/admin/orders   (jobs: ${url}/admin/queues)`);
      lines.push(`  metrics:                ${url}/metrics`);
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
