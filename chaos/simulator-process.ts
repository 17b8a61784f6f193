// The LianLian simulator of a chaos run, in a process of its own (LianLian is another machine: the run's own work
// must not delay the moment a query is seen arriving). Forked by chaos/simulator-client.ts:
//   env  CHAOS_SIM_LIANLIAN_KEY  the simulator's ("LianLian's") private key, PEM
//        CHAOS_SIM_MERCHANT_KEY  the merchant's public key, PEM
//        CHAOS_SIM_OID_PARTNER   the merchant id
//        CHAOS_SIM_FAULT_RATE, CHAOS_SIM_LATENCY_MS  the fault plan (chaos/faults.ts)
//   IPC  see SimulatorCommand / SimulatorReply; `{ type: 'ready', url, queryUrl }` once listening.
import { getPriority, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { planActionFaults } from './actions.js';
import { planFaults, planStale } from './faults.js';

/** What the run asks of this process. */
export type SimulatorCommand = { type: 'add'; orders: NewOrder[] } | { type: 'stats' } | { type: 'arrivals' } | { type: 'stop' };

/** This process's messages. */
export type SimulatorReply =
  | { type: 'ready'; url: string; queryUrl: string }
  | { type: 'added'; count: number }
  | { type: 'stats'; requests: number }
  | { type: 'arrivals'; times: number[]; loop: ObserverLoop };

/** How late this process's event loop ran (it timestamps arrivals: a late loop makes them look bunched), and its priority. */
export interface ObserverLoop {
  maxMs: number;
  p99Ms: number;
  /** The nice value it runs at (-10 when it could raise its priority). */
  nice: number;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`chaos simulator-process: ${name} is not set`);
  return v;
}

const reply = (r: SimulatorReply): void => void process.send?.(r);

// LianLian is another machine: the run's load must not delay the moment this process sees a query arrive, or it
// would see queries bunched that were sent apart. So it runs ahead of llrecon's processes when it may (root).
try {
  setPriority(-10);
} catch {
  // not permitted: it runs at the default priority, and the report says so
}
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const observerLoop = (): ObserverLoop => ({
  maxMs: Math.round(loopDelay.max / 1e6),
  p99Ms: Math.round(loopDelay.percentile(99) / 1e6),
  nice: getPriority(),
});

const simulator = new LianLianSimulator({
  lianlianPrivateKey: importPrivateKey(env('CHAOS_SIM_LIANLIAN_KEY'), 'CHAOS_SIM_LIANLIAN_KEY'),
  merchants: [
    { oid_partner: env('CHAOS_SIM_OID_PARTNER'), publicKey: importPublicKey(env('CHAOS_SIM_MERCHANT_KEY'), 'CHAOS_SIM_MERCHANT_KEY') },
  ],
  // LianLian resends every 2 minutes; here every second, so callbacks refused during an outage come back soon
  notifyIntervalMs: 1000,
  notifyMaxAttempts: 1000,
});
const faultRate = Number(env('CHAOS_SIM_FAULT_RATE'));
planFaults(simulator, faultRate, Number(env('CHAOS_SIM_LATENCY_MS')));
planActionFaults(simulator, faultRate);

// The simulator keeps only its last 100,000 arrivals: collect every one of them here, as they come.
const arrivals: number[] = [];
const harvest = (): void => {
  const all = simulator.queryArrivals;
  const last = arrivals.at(-1) ?? -Infinity;
  let i = all.length;
  while (i > 0 && (all[i - 1] as number) > last) i--;
  for (; i < all.length; i++) arrivals.push(all[i] as number);
};
setInterval(harvest, 500).unref();

const stop = (): void => void simulator.stop().then(() => process.exit(0));
process.on('message', (msg: SimulatorCommand) => {
  switch (msg.type) {
    case 'add':
      for (const o of msg.orders) {
        simulator.addOrder(o);
        planStale(simulator, o, faultRate);
      }
      return reply({ type: 'added', count: msg.orders.length });
    case 'stats':
      return reply({ type: 'stats', requests: simulator.requestCount });
    case 'arrivals':
      harvest();
      return reply({ type: 'arrivals', times: arrivals, loop: observerLoop() });
    case 'stop':
      return stop();
  }
});
// the run going away (killed) must not leave this process behind
process.on('disconnect', stop);
await simulator.start({ host: '127.0.0.1', port: 0 });
reply({ type: 'ready', url: simulator.url, queryUrl: simulator.queryUrl });
