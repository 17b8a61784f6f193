// The llrecon processes of a chaos run (chaos/engine-process.ts children): started, SIGKILLed and started again,
// each incarnation logging to a file of its own; exits the run did not cause are recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHILD_EXEC_ARGV, REPO_ROOT, childEntry } from './child-entry.js';

const ENTRY = childEntry('engine-process');

/** An exit of an engine process that the run did not ask for. */
export interface UnexpectedExit {
  name: string;
  incarnation: number;
  code: number | null;
  signal: string | null;
  /** The end of its stderr. */
  stderr: string;
}

/** A running incarnation: its process, whether the run asked it to exit, and its exit. */
interface Incarnation {
  child: ChildProcess;
  asked: boolean;
  exited: Promise<void>;
}

/** One role's process, across its incarnations. */
export class EngineProcess {
  private current: Incarnation | null = null;
  private count = 0;
  /** SIGKILLs sent to it so far. */
  kills = 0;
  /** When each incarnation was started (epoch ms). */
  readonly startedAt: number[] = [];

  /**
   * @param name e.g. `chaos-1a2b3c-worker-1` (its files are `<name>-<incarnation>.log` and `.stderr`)
   * @param env its environment (PATH and HOME are added; nothing else of this process's is passed on)
   * @param logDir where its log and stderr files go
   * @param unexpected where exits the run did not ask for are recorded (shared by the run's processes)
   */
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly unexpected: UnexpectedExit[],
  ) {}

  /** Incarnations started so far. */
  get starts(): number {
    return this.count;
  }

  /** Whether an incarnation is running. */
  get alive(): boolean {
    return this.current !== null;
  }

  /**
   * Starts a new incarnation. Resolves with what it printed after `ready` (its HTTP URL, or `-`) once it is
   * started; rejects if it exits first (callers that do not wait for it must still handle that).
   */
  start(): Promise<string> {
    if (this.current) throw new Error(`chaos: ${this.name} is already running`);
    const n = ++this.count;
    this.startedAt.push(Date.now());
    const base = join(this.logDir, `${this.name}-${n}`);
    const stderrFd = openSync(`${base}.stderr`, 'w');
    const child = spawn(process.execPath, [...CHILD_EXEC_ARGV, ENTRY], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, CHAOS_LOG_FILE: `${base}.log` },
      // stdin stays open while this process lives: the child exits when it closes (see engine-process.ts)
      stdio: ['pipe', 'pipe', stderrFd],
    });
    closeSync(stderrFd);
    const inc: Incarnation = {
      child,
      asked: false,
      exited: once(child, 'exit').then(([code, signal]) => {
        if (this.current === inc) this.current = null;
        if (inc.asked) return;
        const stderr = readFileSync(`${base}.stderr`, 'utf8').slice(-2000);
        this.unexpected.push({ name: this.name, incarnation: n, code: code as number | null, signal: signal as string | null, stderr });
      }),
    };
    this.current = inc;
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\S+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      void inc.exited.then(() => reject(new Error(`chaos: ${this.name} (incarnation ${n}) exited before it was ready`)));
    });
  }

  /** SIGKILL, as a crash would; resolves once it is gone. */
  async kill(): Promise<void> {
    const inc = this.signal('SIGKILL');
    if (!inc) return;
    this.kills += 1;
    await inc.exited;
  }

  /** SIGTERM (a graceful close), then SIGKILL after `graceMs`; resolves once it is gone. */
  async terminate(graceMs = 15_000): Promise<void> {
    const inc = this.signal('SIGTERM');
    if (!inc) return;
    const timer = setTimeout(() => inc.child.kill('SIGKILL'), graceMs);
    await inc.exited;
    clearTimeout(timer);
  }

  private signal(signal: NodeJS.Signals): Incarnation | null {
    const inc = this.current;
    if (!inc) return null;
    inc.asked = true;
    inc.child.kill(signal);
    return inc;
  }
}
