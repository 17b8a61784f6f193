// Fetches LianLian's settlement files from its SFTP server (SETTLEMENT_SFTP_URL …) into a local directory, with the
// ssh2 client. The server is trusted only by the host key fingerprint the operator configured (`SHA256:…`, as
// `ssh-keygen -lf` and ssh's first-connection prompt print it): any other key ends the connection before anything is
// sent. Each new or changed file is downloaded under a temporary dot-name in the target directory and renamed into
// place once complete, so a directory watcher never sees half a file.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Client, ConnectConfig, FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { LlreconError } from '../errors.js';
import { isSettlementFileName, parseSettlementFileName, type SettlementFileName } from '../lianlian/settlement/file-name.js';
import { loadSsh2 } from './ssh2.js';

export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  /** The remote directory ('.' = the login directory). */
  dir: string;
}

export interface SftpFetchOptions {
  /** `sftp://user@host:port/dir` (`/~/dir` or no path: relative to the login directory). */
  url: string;
  /** The server's host key fingerprint, `SHA256:…` (required). */
  hostKey: string;
  privateKeyFile?: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  /** Where files land (SETTLEMENT_DIR); must exist, on the same file system as its temporary names. */
  targetDir: string;
  /** Which listed settlement files to fetch (default: all). */
  wanted?: (file: SettlementFileName) => boolean;
  /** How long connecting and logging in may take. Default 20 s. */
  readyTimeoutMs?: number;
}

export interface SftpFetchResult {
  /** Files downloaded (new, or changed since the last fetch: a corrected file), by name. */
  downloaded: string[];
  /** Files already here with the remote size and modification time. */
  unchanged: string[];
}

function configError(message: string): LlreconError {
  return new LlreconError('LLRECON_CONFIG', message, { field: 'SETTLEMENT_SFTP_URL' });
}

/** Reads `sftp://user@host[:port][/dir]`. A password in the URL is refused (it would end up in logs). */
export function parseSftpUrl(text: string): SftpTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError('SETTLEMENT_SFTP_URL: not a URL; expected sftp://user@host:port/dir');
  }
  if (url.protocol !== 'sftp:') throw configError(`SETTLEMENT_SFTP_URL: the scheme must be sftp:, got ${url.protocol}`);
  if (url.username === '') throw configError('SETTLEMENT_SFTP_URL: name the user: sftp://user@host:port/dir');
  if (url.password !== '') throw configError('SETTLEMENT_SFTP_URL: put the password in SETTLEMENT_SFTP_PASSWORD, not in the URL');
  const path = decodeURIComponent(url.pathname);
  const dir = path === '' || path === '/' || path === '/~' ? '.' : path.startsWith('/~/') ? path.slice(3) : path;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 22 : Number(url.port),
    username: decodeURIComponent(url.username),
    dir,
  };
}

/** A host key's fingerprint as OpenSSH prints it: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** A configured fingerprint in OpenSSH's form (padding tolerated), or LLRECON_CONFIG. */
export function parseHostKeyFingerprint(text: string): string {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  if (m === null) {
    throw new LlreconError(
      'LLRECON_CONFIG',
      'SETTLEMENT_SFTP_HOST_KEY: expected SHA256:… (43 base64 characters), as `ssh-keygen -lf` prints it',
      {
        field: 'SETTLEMENT_SFTP_HOST_KEY',
      },
    );
  }
  return `SHA256:${m[1] as string}`;
}

/** Downloads the settlement files the server lists that are new or changed. */
export async function fetchSettlementFiles(options: SftpFetchOptions): Promise<SftpFetchResult> {
  const target = parseSftpUrl(options.url);
  const expected = parseHostKeyFingerprint(options.hostKey);
  const privateKey = options.privateKey ?? (options.privateKeyFile === undefined ? undefined : await readFile(options.privateKeyFile));
  if (privateKey === undefined && options.password === undefined) {
    throw new LlreconError('LLRECON_CONFIG', 'SFTP: give SETTLEMENT_SFTP_KEY_FILE or SETTLEMENT_SFTP_PASSWORD', {
      field: 'SETTLEMENT_SFTP_KEY_FILE',
    });
  }
  const ssh2 = await loadSsh2();
  const client = new ssh2.Client();
  let offered: string | null = null;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    readyTimeout: options.readyTimeoutMs ?? 20_000,
    keepaliveInterval: 15_000,
    hostVerifier: (key: Buffer) => {
      offered = hostKeyFingerprint(key);
      return offered === expected;
    },
    ...(privateKey === undefined ? {} : { privateKey, passphrase: options.passphrase }),
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  const where = `${target.username}@${target.host}:${target.port}`;
  try {
    const sftp = await connect(client, config).catch((error: unknown) => {
      if (offered !== null && offered !== expected) {
        throw new LlreconError(
          'LLRECON_CONFIG',
          `SFTP ${where} offered host key ${offered}, not SETTLEMENT_SFTP_HOST_KEY ${expected}: refused, nothing sent (a changed server key or someone in between: ask LianLian before changing the setting)`,
          { field: 'SETTLEMENT_SFTP_HOST_KEY' },
        );
      }
      const level = (error as { level?: string }).level;
      if (level === 'client-authentication')
        throw configError(`SFTP ${where}: login refused (check SETTLEMENT_SFTP_KEY_FILE / SETTLEMENT_SFTP_PASSWORD)`);
      throw transportError(`SFTP ${where}: cannot connect`, error);
    });
    return await fetchNew(sftp, target, options, where);
  } finally {
    client.end();
  }
}

function transportError(what: string, cause: unknown): LlreconError {
  return new LlreconError('LLRECON_TRANSPORT', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function connect(client: Client, config: ConnectConfig): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    // errors after the first (a reset mid-transfer) reach the pending SFTP calls; without a listener they would crash
    client.on('error', reject);
    client.once('ready', () => {
      client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
    });
    client.connect(config);
  });
}

async function fetchNew(sftp: SFTPWrapper, target: SftpTarget, options: SftpFetchOptions, where: string): Promise<SftpFetchResult> {
  const entries = await new Promise<FileEntryWithStats[]>((resolve, reject) => {
    sftp.readdir(target.dir, (error, list) =>
      error ? reject(transportError(`SFTP ${where}: cannot list ${target.dir}`, error)) : resolve(list),
    );
  });
  const result: SftpFetchResult = { downloaded: [], unchanged: [] };
  const files = entries
    .filter((entry) => entry.attrs.isFile() && isSettlementFileName(entry.filename))
    .filter((entry) => {
      const file = nameOf(entry.filename);
      return file !== null && (options.wanted?.(file) ?? true);
    })
    .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  for (const entry of files) {
    const local = join(options.targetDir, entry.filename);
    if (await sameFile(local, entry.attrs.size, entry.attrs.mtime)) {
      result.unchanged.push(entry.filename);
      continue;
    }
    await download(sftp, posix.join(target.dir, entry.filename), local, entry, where);
    result.downloaded.push(entry.filename);
  }
  return result;
}

/** The file's name read, or null for a name that only looks like one (a day that does not exist): not fetched. */
function nameOf(name: string): SettlementFileName | null {
  try {
    return parseSettlementFileName(name);
  } catch {
    return null;
  }
}

async function sameFile(local: string, size: number, mtimeSeconds: number): Promise<boolean> {
  try {
    const info = await stat(local);
    return info.size === size && Math.floor(info.mtimeMs / 1000) === mtimeSeconds;
  } catch {
    return false;
  }
}

/** Downloads under a temporary dot-name beside the target, checks the size, keeps the remote time, then renames. */
async function download(sftp: SFTPWrapper, remote: string, local: string, entry: FileEntryWithStats, where: string): Promise<void> {
  const temporary = join(local, '..', `.${entry.filename}.${randomBytes(6).toString('hex')}.part`);
  try {
    await new Promise<void>((resolve, reject) => {
      sftp.fastGet(remote, temporary, (error) =>
        error ? reject(transportError(`SFTP ${where}: cannot download ${remote}`, error)) : resolve(),
      );
    });
    const got = (await stat(temporary)).size;
    if (got !== entry.attrs.size)
      throw new LlreconError('LLRECON_TRANSPORT', `SFTP ${where}: ${remote} came ${got} bytes long, listed ${entry.attrs.size}`);
    await utimes(temporary, entry.attrs.atime, entry.attrs.mtime);
    await rename(temporary, local);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
