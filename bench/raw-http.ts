// A lean HTTP/1.1 client for load generation: pre-rendered request bytes written straight to keep-alive sockets,
// one request in flight per socket, the answer read by Content-Length. It costs a fraction of node:http's CPU
// per request, so a generator sharing the cores with the server takes less of them. Loopback benchmarks only: it
// understands just what llrecon's server sends (a status line, headers with Content-Length, a body).
import { connect, type Socket } from 'node:net';

interface Pending {
  resolve: (r: { status: number; text: string }) => void;
  reject: (err: Error) => void;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;

  constructor(
    readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
    private readonly onClose: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      this.fail(new Error('connection closed'));
      this.onClose(this);
    });
  }

  send(request: Buffer, p: Pending): void {
    this.pending = p;
    this.socket.write(request);
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) return this.fail(new Error(`no Content-Length in: ${head.slice(0, 80)}`));
    if (this.buffer.length < headEnd + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const text = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(headEnd + 4 + length);
    const p = this.pending;
    this.pending = null;
    this.onIdle(this);
    p?.resolve({ status, text });
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }
}

/** Keep-alive connections to one server, opened as needed (at most `maxSockets`), each carrying one request at a time. */
export class RawHttpPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<() => void> = [];
  private open = 0;
  private readonly all: Connection[] = [];

  constructor(
    private readonly url: URL,
    private readonly maxSockets: number,
    /** The local address connections leave from (a loopback alias: requests from many sources). */
    private readonly localAddress?: string,
  ) {}

  /** The bytes of a POST of `body` (JSON) to this pool's URL. */
  render(body: string): Buffer {
    const bytes = Buffer.from(body, 'utf8');
    const head = `POST ${this.url.pathname} HTTP/1.1\r\nhost: ${this.url.host}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
  }

  /** Sends pre-rendered request bytes and resolves with the answer. */
  async send(request: Buffer): Promise<{ status: number; text: string }> {
    const c = await this.connection();
    return new Promise((resolve, reject) => c.send(request, { resolve, reject }));
  }

  /**
   * Opens `count` connections before the load starts, one after another: a burst of connects at the start could
   * overflow the server's accept queue, and a dropped SYN is retried only after a second.
   */
  async warm(count: number): Promise<void> {
    const opened: Connection[] = [];
    while (opened.length < count && this.open < this.maxSockets) opened.push(await this.dial());
    for (const c of opened) this.release(c);
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
  }

  private async dial(): Promise<Connection> {
    this.open++;
    const socket = connect({
      port: Number(this.url.port),
      host: this.url.hostname,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new Connection(
      socket,
      (x) => this.release(x),
      (x) => this.forget(x),
    );
    this.all.push(c);
    return c;
  }

  private async connection(): Promise<Connection> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.open < this.maxSockets) return this.dial();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.connection();
  }

  /** A connection the server closed: never used again, and its place may be dialled anew. */
  private forget(c: Connection): void {
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    this.open--;
    this.waiting.shift()?.();
  }

  private release(c: Connection): void {
    this.idle.push(c);
    this.waiting.shift()?.();
  }
}
