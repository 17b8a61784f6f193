// The run's side of chaos/grant-watch-process.ts: the grants the rate cap made, seen often enough to miss none.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CHILD_EXEC_ARGV, REPO_ROOT, childEntry } from './child-entry.js';
import type { WatchCommand, WatchReply } from './grant-watch-process.js';

/** The grants seen, and the longest time the watch went without looking while Redis was up. */
export interface GrantsSeen {
  /** Grant times (epoch ms on Redis's clock), oldest first. */
  times: number[];
  longestGapMs: number;
}

export class GrantWatch {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
  ) {}

  /** Forks the watch on `key` (the rate log) of the Redis at `url`; it starts looking at once. */
  static async start(url: string, key: string): Promise<GrantWatch> {
    const child = fork(childEntry('grant-watch-process'), [], {
      cwd: REPO_ROOT,
      execArgv: [...CHILD_EXEC_ARGV],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CHAOS_WATCH_REDIS_URL: url, CHAOS_WATCH_KEY: key },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: WatchReply) => m.type === 'ready' && resolve());
      void exited.then(([code]) => reject(new Error(`chaos: the grant watch exited (${String(code)}) before it was ready`)));
    });
    return new GrantWatch(child, exited);
  }

  /** Takes in the log now. Before Redis is stopped, pause its writers first (CLIENT PAUSE … WRITE) and look once more. */
  async look(): Promise<void> {
    await this.ask({ type: 'look' }, 'looked');
  }

  /** Looks a last time, stops the watch and returns what it saw. */
  async stop(): Promise<GrantsSeen> {
    const r = await this.ask({ type: 'stop' }, 'grants');
    await this.exited;
    return { times: r.times, longestGapMs: r.longestGapMs };
  }

  /** Ends the watch at once (the run broke). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private ask<T extends WatchReply['type']>(cmd: WatchCommand, type: T): Promise<Extract<WatchReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WatchReply) => {
        if (m.type !== type) return;
        this.child.off('message', onMessage);
        resolve(m as Extract<WatchReply, { type: T }>);
      };
      this.child.on('message', onMessage);
      void this.exited.then(() => reject(new Error('chaos: the grant watch is gone')));
      this.child.send(cmd);
    });
  }
}
