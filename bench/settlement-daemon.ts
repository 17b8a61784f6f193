// The daemon side of the settlement benchmark (bench/settlement-import.ts): an llrecon engine with ROLES=query whose
// SETTLEMENT_DIR watch imports the file the benchmark moves in. Started with `fork`:
//   env    BENCH_REDIS_URL, BENCH_PREFIX, BENCH_OID_PARTNER, BENCH_SETTLEMENT_DIR, BENCH_DATA_DIR
//   stdout `ready`, then one JSON line every 200 ms: {"at","rss"} (bytes, as the OS counts them: no forced GC)
// Nothing is queried: every order is captured (final), the query URL a closed port.
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { generateKeyPair, importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { createLogger } from '../src/log.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`settlement-daemon: ${name} is not set`);
  return v;
}

const config = loadConfig(
  {
    LIANLIAN_ENV: 'sandbox',
    REDIS_URL: env('BENCH_REDIS_URL'),
    REDIS_PREFIX: env('BENCH_PREFIX'),
    LIANLIAN_OID_PARTNER: env('BENCH_OID_PARTNER'),
    ROLES: 'query',
    POLL_SCHEDULE: '1h',
    SETTLEMENT_DIR: env('BENCH_SETTLEMENT_DIR'),
    DATA_DIR: env('BENCH_DATA_DIR'),
    LOG_LEVEL: 'warn',
  },
  { cwd: env('BENCH_DATA_DIR') },
);
const merchant = generateKeyPair(1024);
const lianlian = generateKeyPair(1024);
const engine = await createEngine({
  config,
  log: createLogger({ level: 'warn', destination: process.stderr }),
  oidPartner: env('BENCH_OID_PARTNER'),
  merchantKey: importPrivateKey(merchant.privatePem),
  lianlianKey: importPublicKey(lianlian.publicPem),
  queryUrl: 'http://127.0.0.1:9/',
});
await engine.start();
process.stdout.write('ready\n');
const timer = setInterval(() => process.stdout.write(`${JSON.stringify({ at: Date.now(), rss: process.memoryUsage.rss() })}\n`), 200);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void engine.close().then(() => process.exit(0));
});
