// Fetching settlement files over SFTP from a real server on loopback (test/settlement-sftp-server.ts: the ssh2
// package's SSH server serving a real directory): the host key is checked against the configured fingerprint and a
// wrong one is refused before logging in; new and changed files land whole (temporary name, then rename); files
// already fetched are not fetched again; key and password logins.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { settlementFiles } from '../src/sandbox/settlement-files.js';
import { fetchSettlementFiles, hostKeyFingerprint, parseHostKeyFingerprint, parseSftpUrl } from '../src/settlement/sftp-fetch.js';
import { ed25519KeyPair, parsedKey, startSftpServer, type TestSftpServer } from './settlement-sftp-server.js';

const P = '201408071000001546';
const base = mkdtempSync(join(tmpdir(), 'llrecon-sftp-'));
const remote = join(base, 'remote');
const outbox = join(remote, 'outbox');
const userKey = ed25519KeyPair();
const keyFile = join(base, 'id_ed25519');
let server: TestSftpServer;
let target = 0;

function newTarget(): string {
  target += 1;
  const dir = join(base, `local-${target}`);
  mkdirSync(dir);
  return dir;
}

function url(): string {
  return `sftp://llrecon@127.0.0.1:${server.port}/outbox`;
}

beforeAll(async () => {
  mkdirSync(outbox, { recursive: true });
  writeFileSync(keyFile, userKey.private, { mode: 0o600 });
  const order = {
    oid_partner: P,
    no_order: 'A1',
    dt_order: '20240501101010',
    oid_paybill: '2024050100001',
    money_order: '12.50',
    settle_date: '20240502',
  };
  const set = settlementFiles([order, { ...order, no_order: 'A2', settle_date: '20240503' }], { encoding: 'gbk', chineseInfo: true });
  for (const file of [...set.daily, ...set.summaries, ...set.monthly]) writeFileSync(join(outbox, file.name), file.bytes);
  writeFileSync(join(outbox, 'README.txt'), 'not a settlement file');
  writeFileSync(join(outbox, `JYMX_${P}_20240231.txt`), 'a name with a day that does not exist');
  server = await startSftpServer({ root: remote, username: 'llrecon', password: 'correct horse', authorizedKey: userKey.public });
});

afterAll(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('fetching over SFTP', () => {
  it('downloads every settlement file, byte for byte, and nothing else', async () => {
    const dir = newTarget();
    const result = await fetchSettlementFiles({ url: url(), hostKey: server.fingerprint, privateKeyFile: keyFile, targetDir: dir });
    const names = [
      `JYMXSUM_${P}_20240502.txt`,
      `JYMXSUM_${P}_20240503.txt`,
      `JYMX_${P}_20240502.txt`,
      `JYMX_${P}_20240503.txt`,
      `JYMX_${P}_202405.txt`,
    ].sort();
    expect(result).toEqual({ downloaded: names, unchanged: [] });
    expect(readdirSync(dir).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(outbox, name))), name).toBe(true);
      expect(Math.floor(statSync(join(dir, name)).mtimeMs / 1000)).toBe(Math.floor(statSync(join(outbox, name)).mtimeMs / 1000));
    }
  });

  it('fetches again only what is new or changed (a corrected file keeps its name)', async () => {
    const dir = newTarget();
    const options = { url: url(), hostKey: server.fingerprint, password: 'correct horse', targetDir: dir };
    await fetchSettlementFiles(options);
    const corrected = join(outbox, `JYMX_${P}_20240502.txt`);
    const before = readFileSync(corrected);
    writeFileSync(corrected, Buffer.concat([before, Buffer.from('\n')]));
    utimesSync(corrected, new Date(), new Date(Date.now() + 5000));
    try {
      const again = await fetchSettlementFiles(options);
      expect(again.downloaded).toEqual([`JYMX_${P}_20240502.txt`]);
      expect(again.unchanged).toHaveLength(4);
      expect(readFileSync(join(dir, `JYMX_${P}_20240502.txt`)).length).toBe(before.length + 1);
      expect(readdirSync(dir).filter((name) => name.startsWith('.'))).toEqual([]);
    } finally {
      writeFileSync(corrected, before);
    }
  });

  it('fetches only the files wanted (e.g. this merchant, this day)', async () => {
    const dir = newTarget();
    const result = await fetchSettlementFiles({
      url: url(),
      hostKey: server.fingerprint,
      privateKeyFile: keyFile,
      targetDir: dir,
      wanted: (file) => file.settle_date === '20240503',
    });
    expect(result.downloaded).toEqual([`JYMXSUM_${P}_20240503.txt`, `JYMX_${P}_20240503.txt`]);
  });

  it('refuses a server whose host key is not the configured one: no login, nothing written', async () => {
    const dir = newTarget();
    const logins = server.logins;
    const other = hostKeyFingerprint(parsedKey(ed25519KeyPair().public).getPublicSSH());
    const error = await fetchSettlementFiles({ url: url(), hostKey: other, privateKeyFile: keyFile, targetDir: dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLlreconError(error, 'LLRECON_CONFIG')).toBe(true);
    expect((error as Error).message).toContain(`offered host key ${server.fingerprint}, not SETTLEMENT_SFTP_HOST_KEY ${other}`);
    expect(server.logins).toBe(logins);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a wrong password is a refused login, not a host key problem', async () => {
    const error = await fetchSettlementFiles({ url: url(), hostKey: server.fingerprint, password: 'wrong', targetDir: newTarget() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLlreconError(error, 'LLRECON_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('login refused');
    expect((error as Error).message).not.toContain('wrong');
  });

  it('a closed port is a transport error', async () => {
    const closed = await startSftpServer({ root: remote, username: 'x' });
    const port = closed.port;
    await closed.close();
    const error = await fetchSettlementFiles({
      url: `sftp://llrecon@127.0.0.1:${port}/outbox`,
      hostKey: server.fingerprint,
      password: 'x',
      targetDir: newTarget(),
      readyTimeoutMs: 5000,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLlreconError(error, 'LLRECON_TRANSPORT')).toBe(true);
  });
});

describe('settings', () => {
  it.each([
    ['sftp://user@sftp.example.com:2222/outbox', { host: 'sftp.example.com', port: 2222, username: 'user', dir: '/outbox' }],
    ['sftp://user@sftp.example.com', { port: 22, dir: '.' }],
    ['sftp://user@sftp.example.com/~/reports', { dir: 'reports' }],
    ['sftp://user@[::1]:22/x', { host: '::1' }],
  ])('%s', (text, expected) => {
    expect(parseSftpUrl(text)).toMatchObject(expected);
  });

  it.each(['https://user@host/dir', 'sftp://host/dir', 'sftp://user:secret@host/dir', 'not a url'])('refuses %s', (text) => {
    let error: unknown = null;
    try {
      parseSftpUrl(text);
    } catch (e) {
      error = e;
    }
    expect(isLlreconError(error, 'LLRECON_CONFIG')).toBe(true);
    expect(String((error as Error).message)).not.toContain('secret');
  });

  it('fingerprints a host key as OpenSSH prints it (vectors from ssh-keygen -lf)', () => {
    const vectors = [
      [
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICxQ/XWhMU0YkhJiuNNMZoupSwTwv9cuRpyo5cyW34L4 vector',
        'SHA256:6Wqvq/bUB79wWGZONwMfkWxNQ6gZSrz3C6xRyXluVfM',
      ],
      [
        'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDAQpLGFpddoYCePFKc/zmMuQRgq1X2hHInz2eoFb1cd1nslwduhIzo8aivt53QOhB1/GwFL1N/pIn2gQywJibVOkEZ4jWbbmLjonBp0UrsmCFgK3tMzSdkaEuuVVM1ZJl9dcYb+TXtuTB/p2jmpZLDjZQnzHFSXv9AxKe0qqQUxQ== vector',
        'SHA256:q+vjfVulSA1hncZa/IGE+sYNzo+YAhUBWm9F205T1us',
      ],
    ];
    for (const [key, fingerprint] of vectors) expect(hostKeyFingerprint(parsedKey(key!).getPublicSSH())).toBe(fingerprint);
  });

  it('reads a configured fingerprint, padding tolerated, and refuses other forms', () => {
    expect(parseHostKeyFingerprint(' SHA256:6Wqvq/bUB79wWGZONwMfkWxNQ6gZSrz3C6xRyXluVfM= ')).toBe(
      'SHA256:6Wqvq/bUB79wWGZONwMfkWxNQ6gZSrz3C6xRyXluVfM',
    );
    for (const text of ['MD5:16:27:ac', '6Wqvq/bUB79wWGZONwMfkWxNQ6gZSrz3C6xRyXluVfM', 'SHA256:short']) {
      expect(() => parseHostKeyFingerprint(text)).toThrow(/SETTLEMENT_SFTP_HOST_KEY/);
    }
  });
});

describe('the sandbox SFTP server keys', () => {
  it('makes ed25519 pairs that ssh2 reads back, every time (ssh2 alone fails about one in 256)', () => {
    for (let i = 0; i < 1500; i += 1) {
      const pair = ed25519KeyPair();
      expect(parsedKey(pair.private).type).toBe('ssh-ed25519');
      expect(parsedKey(pair.public).type).toBe('ssh-ed25519');
    }
  });
});
