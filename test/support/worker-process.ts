// A query-worker process for crash tests: `node --import tsx test/support/worker-process.ts`, configured by
// the environment like the daemon (REDIS_URL, REDIS_PREFIX, LIANLIAN_* …, ROLES). TEST_LOCK_MS shortens the
// BullMQ lock so a killed process's jobs come back within a second or two.
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine.js';
import { importPrivateKey, importPublicKey } from '../../src/lianlian/keys.js';
import { testLogger } from './log-capture.js';

const config = loadConfig(process.env);
const engine = await createEngine({
  config,
  log: testLogger('worker'),
  oidPartner: config.oidPartner as string,
  merchantKey: importPrivateKey(config.privateKeyText as string),
  lianlianKey: importPublicKey(config.publicKeyText as string),
  queryUrl: config.queryUrl as string,
  tuning: { lockDurationMs: Number(process.env.TEST_LOCK_MS ?? 1000) },
});
await engine.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
