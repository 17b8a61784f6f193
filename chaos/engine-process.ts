// One llrecon process of the chaos suite (chaos/child-entry.ts says how it is started), configured by the
// environment like the daemon (LIANLIAN_*, REDIS_URL, REDIS_PREFIX, ROLES, QUERY_*, POLL_SCHEDULE, HTTP_*,
// ADMIN_TOKEN, LOG_LEVEL), plus:
//   CHAOS_LOCK_MS   BullMQ lock duration (short, so that the jobs of a SIGKILLed process come back quickly)
//   CHAOS_LOG_FILE  where its log lines go (synchronous writes: a SIGKILL loses none); no file: silent
//   CHAOS_DIR       where `.env` is looked for (a scratch directory: nothing of the working tree leaks in)
// Runs the workers of ROLES and, with the `api` role, the HTTP server; prints `ready <http url or ->` on stdout
// once started; SIGTERM closes it gracefully; stdin closing (the run is gone) ends it at once.
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { buildApp } from '../src/http/app.js';
import { importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { createLogger } from '../src/log.js';

// how long each part of the start took (process start → modules loaded → engine created → started → ready): a
// process SIGKILLed before it is ready does no work, so a slow start shows in the run as orders that do not move
const loadedMs = Math.round(performance.now());

const config = loadConfig(process.env, { cwd: process.env.CHAOS_DIR ?? process.cwd() });
const logFile = process.env.CHAOS_LOG_FILE;
const log = logFile
  ? createLogger({ level: config.logLevel, destination: pino.destination({ dest: logFile, sync: true }) })
  : createLogger({ level: 'silent' });
const engine = await createEngine({
  config,
  log,
  oidPartner: config.oidPartner as string,
  merchantKey: importPrivateKey(config.privateKeyText as string, 'LIANLIAN_PRIVATE_KEY'),
  lianlianKey: importPublicKey(config.publicKeyText as string, 'LIANLIAN_PUBLIC_KEY'),
  queryUrl: config.queryUrl as string,
  tuning: { lockDurationMs: Number(process.env.CHAOS_LOCK_MS ?? 2000) },
});
const createdMs = Math.round(performance.now());
await engine.start();
const startedMs = Math.round(performance.now());
const app = config.roles.has('api') ? await buildApp(engine) : null;
let url = '-';
if (app) url = await app.listen({ host: config.httpHost, port: config.httpPort });
log.info(
  {
    roles: [...config.roles],
    url,
    startup_ms: { loaded: loadedMs, created: createdMs, started: startedMs, ready: Math.round(performance.now()) },
  },
  'chaos engine process ready',
);
process.stdout.write(`ready ${url}\n`);

// The run holds our stdin open: when it goes away, even SIGKILLed, stdin ends, and we do not outlive it.
process.stdin.once('close', () => process.exit(1));
process.stdin.resume();

process.once('SIGTERM', () => {
  void (async () => {
    await app?.close();
    await engine.close();
    process.exit(0);
  })();
});
