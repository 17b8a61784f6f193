// The LianLian simulator in a process of its own, so that its signing and verifying CPU is not counted in the
// benchmark process's `process.cpuUsage()`. Started with `fork` by startSimulatorProcess() (bench/polls.ts):
//   env   BENCH_SIM_LIANLIAN_KEY  the simulator's ("LianLian's") private key, PEM
//         BENCH_SIM_MERCHANT_KEY  the merchant's public key, PEM (requests must verify with it)
//         BENCH_SIM_OID_PARTNER   the merchant id
//   stdout one line `url <base url>` once listening
//   IPC    { type: 'add', orders: NewOrder[] } → { type: 'added', count }   (orders the simulator knows)
//          { type: 'cpu' }                       → { type: 'cpu', us }      (this process's CPU so far, µs)
//          { type: 'stop' }                      → stops listening and exits
import { importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';

/** A message the benchmark sends to this process. */
export type SimulatorCommand = { type: 'add'; orders: NewOrder[] } | { type: 'cpu' } | { type: 'stop' };

/** This process's answers. */
export type SimulatorReply = { type: 'added'; count: number } | { type: 'cpu'; us: number };

function reply(r: SimulatorReply): void {
  process.send?.(r);
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`simulator-process: ${name} is not set`);
  return v;
}

async function main(): Promise<void> {
  const simulator = new LianLianSimulator({
    lianlianPrivateKey: importPrivateKey(env('BENCH_SIM_LIANLIAN_KEY'), 'BENCH_SIM_LIANLIAN_KEY'),
    merchants: [
      { oid_partner: env('BENCH_SIM_OID_PARTNER'), publicKey: importPublicKey(env('BENCH_SIM_MERCHANT_KEY'), 'BENCH_SIM_MERCHANT_KEY') },
    ],
    seed: 1,
  });
  const { url } = await simulator.start({ host: '127.0.0.1', port: 0 });
  process.on('message', (msg: SimulatorCommand) => {
    if (msg.type === 'add') {
      for (const o of msg.orders) simulator.addOrder(o);
      reply({ type: 'added', count: msg.orders.length });
    } else if (msg.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      reply({ type: 'cpu', us: user + system });
    } else if (msg.type === 'stop') {
      void simulator.stop().then(() => process.exit(0));
    }
  });
  // the parent going away (killed bench) must not leave this process behind
  process.on('disconnect', () => void simulator.stop().then(() => process.exit(0)));
  process.stdout.write(`url ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator-process failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
