// The sandbox's stand-in for LianLian's SFTP server (and the settlement fetch tests' server): SSH (key exchange, host
// key, user authentication by key or password) by the ssh2 package's Server, and the read-only part of SFTP
// (realpath, stat, list, open, read, close) served from a real directory. Loopback, a free port unless given, no
// root, nothing installed.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { posix, resolve } from 'node:path';
import ssh2, { type Attributes, type ParsedKey, type SFTPWrapper } from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE, OPEN_MODE } = utils.sftp;

export interface SandboxSftpServer {
  port: number;
  /** The host key's OpenSSH fingerprint (SHA256:…). */
  fingerprint: string;
  /** Connections that passed authentication. */
  logins: number;
  close(): Promise<void>;
}

export interface SandboxSftpServerOptions {
  /** The directory served as `/` (paths outside it are refused). */
  root: string;
  username: string;
  password?: string;
  /** The client's public key (OpenSSH format) allowed to log in. */
  authorizedKey?: string;
  /** The host key (OpenSSH private key); generated when absent. */
  hostKey?: string;
  /** The port (default: a free one). */
  port?: number;
}

export function parsedKey(text: string): ParsedKey {
  const key = utils.parseKey(text);
  if (key instanceof Error) throw key;
  return key;
}

/**
 * An ed25519 key pair (OpenSSH text) that ssh2 can read back. ssh2's generateKeyPairSync strips leading zero bytes
 * from the public key, so about one pair in 256 cannot be parsed (mscdex/ssh2#1390, #1513): such a pair is made
 * again rather than failing the server's start — or, kept as the sandbox's host key, every start after it.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

function attributesOf(info: Stats): Attributes {
  return {
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    atime: Math.floor(info.atimeMs / 1000),
    mtime: Math.floor(info.mtimeMs / 1000),
  };
}

export async function startSftpServer(options: SandboxSftpServerOptions): Promise<SandboxSftpServer> {
  const hostKey = options.hostKey ?? ed25519KeyPair().private;
  const allowed = options.authorizedKey === undefined ? null : parsedKey(options.authorizedKey);
  const state = { logins: 0 };
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.username !== options.username) return ctx.reject();
      if (ctx.method === 'password' && options.password !== undefined && ctx.password === options.password) return ctx.accept();
      if (ctx.method === 'publickey' && allowed !== null && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
        return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
      }
      return ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      state.logins += 1;
      client.on('session', (acceptSession) => {
        acceptSession().on('sftp', (acceptSftp) => serveFiles(acceptSftp(), resolve(options.root)));
      });
    });
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const hostPublic = parsedKey(hostKey).getPublicSSH();
  return {
    port: (server.address() as AddressInfo).port,
    fingerprint: `SHA256:${createHash('sha256').update(hostPublic).digest('base64').replace(/=+$/, '')}`,
    get logins() {
      return state.logins;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Read-only SFTP over `root`: each request answered from the real directory, open files by real descriptors. */
function serveFiles(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<string, { fd: number } | { entries: string[] | null; dir: string }>();
  let serial = 0;
  const local = (path: string): string | null => {
    const inside = posix.normalize(posix.join('/', path));
    const full = resolve(root, `.${inside}`);
    return full === root || full.startsWith(`${root}/`) ? full : null;
  };
  const newHandle = (value: { fd: number } | { entries: string[] | null; dir: string }): Buffer => {
    serial += 1;
    const handle = Buffer.from(String(serial));
    handles.set(handle.toString(), value);
    return handle;
  };
  const failed = (reqId: number): void => {
    sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
  };
  sftp.on('REALPATH', (reqId, path) => {
    const normal = posix.normalize(posix.join('/', path === '.' ? '' : path));
    sftp.name(reqId, [{ filename: normal, longname: normal, attrs: {} as Attributes }]);
  });
  const onStat = (reqId: number, path: string): void => {
    const full = local(path);
    if (full === null) return void failed(reqId);
    try {
      sftp.attrs(reqId, attributesOf(statSync(full)));
    } catch {
      failed(reqId);
    }
  };
  sftp.on('STAT', onStat);
  sftp.on('LSTAT', onStat);
  sftp.on('OPENDIR', (reqId, path) => {
    const full = local(path);
    if (full === null) return void failed(reqId);
    try {
      sftp.handle(reqId, newHandle({ entries: readdirSync(full), dir: full }));
    } catch {
      failed(reqId);
    }
  });
  sftp.on('READDIR', (reqId, handle) => {
    const open = handles.get(handle.toString());
    if (open === undefined || !('dir' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
    if (open.entries === null) return void sftp.status(reqId, STATUS_CODE.EOF);
    const names = open.entries.map((name) => ({ filename: name, longname: name, attrs: attributesOf(statSync(resolve(open.dir, name))) }));
    open.entries = null;
    sftp.name(reqId, names);
  });
  sftp.on('OPEN', (reqId, filename, flags) => {
    const full = local(filename);
    if (full === null || flags !== OPEN_MODE.READ) return void sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    try {
      sftp.handle(reqId, newHandle({ fd: openSync(full, 'r') }));
    } catch {
      failed(reqId);
    }
  });
  sftp.on('FSTAT', (reqId, handle) => {
    const open = handles.get(handle.toString());
    if (open === undefined || !('fd' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
    sftp.attrs(reqId, attributesOf(fstatSync(open.fd)));
  });
  sftp.on('READ', (reqId, handle, offset, length) => {
    const open = handles.get(handle.toString());
    if (open === undefined || !('fd' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
    const buffer = Buffer.alloc(length);
    const read = readSync(open.fd, buffer, 0, length, offset);
    if (read === 0) sftp.status(reqId, STATUS_CODE.EOF);
    else sftp.data(reqId, buffer.subarray(0, read));
  });
  sftp.on('CLOSE', (reqId, handle) => {
    const open = handles.get(handle.toString());
    handles.delete(handle.toString());
    if (open !== undefined && 'fd' in open) closeSync(open.fd);
    sftp.status(reqId, STATUS_CODE.OK);
  });
}
