// The run's side of chaos/simulator-process.ts: fork it, tell it orders, read what it saw, stop it.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CHILD_EXEC_ARGV, REPO_ROOT, childEntry } from './child-entry.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import type { ObserverLoop, SimulatorCommand, SimulatorReply } from './simulator-process.js';

const ENTRY = childEntry('simulator-process');

/** What the simulator process is started with. */
export interface SimulatorSettings {
  lianlianPrivatePem: string;
  merchantPublicPem: string;
  oidPartner: string;
  faultRate: number;
  latencyMs: number;
}

/** The LianLian simulator running in a child process. */
export class SimulatorProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
    /** Base URL, e.g. `http://127.0.0.1:8900`. */
    readonly url: string,
    /** The pre-auth query endpoint. */
    readonly queryUrl: string,
  ) {}

  /** Forks the simulator process and waits until it listens. */
  static async start(s: SimulatorSettings): Promise<SimulatorProcess> {
    const child = fork(ENTRY, [], {
      cwd: REPO_ROOT,
      execArgv: [...CHILD_EXEC_ARGV],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        CHAOS_SIM_LIANLIAN_KEY: s.lianlianPrivatePem,
        CHAOS_SIM_MERCHANT_KEY: s.merchantPublicPem,
        CHAOS_SIM_OID_PARTNER: s.oidPartner,
        CHAOS_SIM_FAULT_RATE: String(s.faultRate),
        CHAOS_SIM_LATENCY_MS: String(s.latencyMs),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    const ready = await new Promise<Extract<SimulatorReply, { type: 'ready' }>>((resolve, reject) => {
      child.on('message', (m: SimulatorReply) => m.type === 'ready' && resolve(m));
      void exited.then(([code]) => reject(new Error(`chaos: the simulator process exited (${String(code)}) before listening`)));
    });
    return new SimulatorProcess(child, exited, ready.url, ready.queryUrl);
  }

  /** Makes the simulator know these orders. */
  async addOrders(orders: NewOrder[]): Promise<void> {
    await this.ask({ type: 'add', orders }, 'added');
  }

  /** HTTP requests it has received (all of them pre-auth queries in a chaos run). */
  async requests(): Promise<number> {
    return (await this.ask({ type: 'stats' }, 'stats')).requests;
  }

  /**
   * When every pre-auth query arrived so far (epoch ms, sub-ms precision), oldest first; and how late the
   * simulator's event loop ran, which bounds how far off those times can be.
   */
  async arrivals(): Promise<{ times: number[]; loop: ObserverLoop }> {
    const r = await this.ask({ type: 'arrivals' }, 'arrivals');
    return { times: r.times, loop: r.loop };
  }

  /** Stops it (SIGKILL after 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'stop' } satisfies SimulatorCommand);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }

  /** Sends a command and resolves with the first reply of the type it asks for. */
  private ask<T extends SimulatorReply['type']>(cmd: SimulatorCommand, type: T): Promise<Extract<SimulatorReply, { type: T }>> {
    return new Promise((resolve) => {
      const onMessage = (m: SimulatorReply) => {
        if (m.type !== type) return;
        this.child.off('message', onMessage);
        resolve(m as Extract<SimulatorReply, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.send(cmd);
    });
  }
}
