// llrecon sandbox: the LianLian simulator on its own, with generated (and reused) keys and merchant id, for
// trying llrecon — or anything else that speaks LianLian's pre-auth API — without LianLian.
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { fieldError } from '../../errors.js';
import { importPrivateKey, importPublicKey } from '../../lianlian/keys.js';
import { demoOrders } from '../../sandbox/demo-orders.js';
import { ensureSandboxKeys, SANDBOX_KEY_FILES } from '../../sandbox/keys.js';
import { LianLianSimulator } from '../../sandbox/simulator.js';
import { mulberry32 } from '../../sandbox/timeline.js';

function integerFlag(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw fieldError(name, `must be an integer from ${min} to ${max}`);
  return n;
}

interface SandboxFlags {
  port: string;
  host: string;
  orders: string;
  keysDir: string;
  notifyUrl?: string;
  seed?: string;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run the LianLian simulator on its own (pre-auth query, Verify API, WEB Payment, notifications)')
    .option('--port <port>', 'port to listen on (0: any free port)', '8900')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--orders <n>', 'demo orders to create, with random timelines', '5')
    .option('--keys-dir <dir>', 'where the generated keys and merchant id are kept (reused)', './.data/sandbox')
    .option('--notify-url <url>', "send the demo orders' asynchronous notifications here")
    .option('--seed <n>', 'seed of the random timelines (reproducible runs)')
    .action(async (flags: SandboxFlags) => {
      const port = integerFlag(flags.port, '--port', 0, 65_535);
      const count = integerFlag(flags.orders, '--orders', 0, 10_000);
      const seed = flags.seed === undefined ? undefined : integerFlag(flags.seed, '--seed', 0, 2 ** 32 - 1);
      if (flags.notifyUrl !== undefined && !/^https?:\/\//.test(flags.notifyUrl))
        throw fieldError('--notify-url', 'must be an http(s) URL');
      const dir = resolve(flags.keysDir);
      const keys = ensureSandboxKeys(dir);
      const simulator = new LianLianSimulator({
        lianlianPrivateKey: importPrivateKey(keys.lianlianPrivate, 'sandbox LianLian key'),
        merchants: [{ oid_partner: keys.oidPartner, publicKey: importPublicKey(keys.merchantPublic, 'sandbox merchant public key') }],
        ...(seed === undefined ? {} : { seed }),
      });
      const { url } = await simulator.start({ host: flags.host, port });
      const orders = demoOrders(count, Date.now(), mulberry32(seed ?? randomInt(2 ** 32)));
      for (const o of orders)
        simulator.addOrder({ oid_partner: keys.oidPartner, ...o, ...(flags.notifyUrl ? { notifyUrl: flags.notifyUrl } : {}) });

      const file = (name: string) => join(dir, name);
      const lines = [
        `LianLian simulator listening on ${url} (nothing real is charged or queried)`,
        `  pre-auth query:  ${simulator.queryUrl}`,
        `  Verify API:      ${simulator.verifyUrl}`,
        `  WEB Payment:     ${simulator.gatewayUrl}`,
        `  oid_partner:     ${keys.oidPartner}`,
        `  merchant key:    ${file(SANDBOX_KEY_FILES.merchantPrivate)} (its public half: ${file(SANDBOX_KEY_FILES.merchantPublic)})`,
        `  LianLian key:    ${file(SANDBOX_KEY_FILES.lianlianPublic)} (verifies answers and notifications)`,
        'point llrecon at it with:',
        `  LIANLIAN_ENV=production LIANLIAN_QUERY_URL=${simulator.queryUrl} LIANLIAN_OID_PARTNER=${keys.oidPartner} \\`,
        `  LIANLIAN_PRIVATE_KEY_FILE=${file(SANDBOX_KEY_FILES.merchantPrivate)} LIANLIAN_PUBLIC_KEY_FILE=${file(SANDBOX_KEY_FILES.lianlianPublic)} \\`,
        '  ADMIN_TOKEN=$(openssl rand -base64 32) llrecon start',
        ...(orders.length > 0
          ? ['demo orders (no_order dt_order money_order):', ...orders.map((o) => `  ${o.no_order} ${o.dt_order} ${o.money_order}`)]
          : []),
        'Ctrl-C stops it.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);

      const shutdown = () => {
        void simulator.stop();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
