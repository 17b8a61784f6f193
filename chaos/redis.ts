// The chaos run's own redis-server: append-only in a directory of its own, which can be killed or stopped and
// started again on the same port and directory (what it had written comes back from its AOF).
import { startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';

/** A redis-server that comes and goes on one port and directory. */
export class RestartableRedis {
  private server: EmbeddedRedis | null = null;
  private portNumber: number | null = null;

  /** @param dir its data directory (AOF files) */
  constructor(private readonly dir: string) {}

  /** Starts it (the first time on a free port, then on the same one again). */
  async start(): Promise<void> {
    if (this.server) throw new Error('chaos: redis-server is already running');
    this.server = await startRedisServer({ dir: this.dir, ...(this.portNumber === null ? {} : { port: this.portNumber }) });
    this.portNumber = this.server.port;
  }

  /** Its URL (the same across restarts). */
  get url(): string {
    if (this.portNumber === null) throw new Error('chaos: redis-server never started');
    return `redis://127.0.0.1:${this.portNumber}`;
  }

  /** Whether it is up now. */
  get running(): boolean {
    return this.server !== null;
  }

  /** `SIGTERM` (a clean shutdown: redis-server fsyncs its AOF) or `SIGKILL` (a crash), and waits for the exit. */
  async halt(how: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await (how === 'SIGKILL' ? s.kill() : s.stop());
  }
}
