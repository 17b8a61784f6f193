// The settlement service's rounds: one process at a time (a Redis lease) watches the directory and fetches, and the
// daily SFTP fetch runs after 09:00 UTC+8, once a file has come that day.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { settlementFiles } from '../src/sandbox/settlement-files.js';
import { SettlementService, STABLE_MS } from '../src/settlement/service.js';
import { keyspace } from '../src/store/keyspace.js';
import { defineScripts } from '../src/store/scripts/index.js';
import { startSftpServer, type TestSftpServer } from './settlement-sftp-server.js';
import { tempDir, testDeps } from './support/settlement.js';
import { randomOid } from './support/stack.js';

const redis = new Redis(inject('redisUrl'));
defineScripts(redis);
let server: TestSftpServer;
const remote = tempDir();
beforeAll(async () => {
  mkdirSync(join(remote, 'out'));
  server = await startSftpServer({ root: remote, username: 'recon', password: 'pw' });
});
afterAll(async () => {
  await server.close();
  await redis.quit();
});

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC+8' }).toMillis();
const settings = (dir: string, sftp: boolean) => ({
  settlementDir: dir,
  settlementSftpUrl: sftp ? `sftp://recon@127.0.0.1:${server.port}/out` : null,
  settlementSftpHostKey: sftp ? server.fingerprint : null,
  settlementSftpPassword: sftp ? 'pw' : null,
  settlementSftpKeyFile: null,
  dataDir: tempDir(),
});

describe('the settlement service', () => {
  it('watches the directory in one process at a time', async () => {
    const ks = keyspace(`t${randomBytes(4).toString('hex')}`);
    const oid = randomOid();
    const [dirA, dirB] = [tempDir(), tempDir()];
    const a = new SettlementService(testDeps(redis, ks, oid), settings(dirA, false));
    const b = new SettlementService(testDeps(redis, ks, oid), settings(dirB, false));
    const file = settlementFiles([
      { oid_partner: oid, no_order: 'L1', dt_order: '20260301100000', oid_paybill: '1', money_order: '1.00', settle_date: '20260302' },
    ]).daily[0]!;
    writeFileSync(join(dirA, file.name), file.bytes);
    writeFileSync(join(dirB, file.name.replace('20260302', '20260303')), file.bytes.toString().replaceAll('20260302', '20260303'));
    await a.tick(); // takes the lease; sees the file for the first time
    await b.tick(); // no lease: does nothing
    await new Promise((r) => setTimeout(r, STABLE_MS + 200));
    await a.tick();
    await b.tick();
    expect(await redis.zrange(a.deps.keys.files, 0, -1)).toEqual([file.name]);
    await a.close(); // gives the lease up: b takes over
    await b.tick();
    await new Promise((r) => setTimeout(r, STABLE_MS + 200));
    await b.tick();
    expect(await redis.zcard(a.deps.keys.files)).toBe(2);
    await b.close();
  });

  it('fetches over SFTP after 09:00 UTC+8, and once a file came, not again that day', async () => {
    const ks = keyspace(`t${randomBytes(4).toString('hex')}`);
    const oid = randomOid();
    let now = at('2026-03-05T08:59');
    const dir = tempDir();
    const s = new SettlementService(testDeps(redis, ks, oid, { now: () => now }), settings(dir, true));
    const file = settlementFiles([
      { oid_partner: oid, no_order: 'F1', dt_order: '20260304100000', oid_paybill: '1', money_order: '1.00', settle_date: '20260304' },
    ]).daily[0]!;
    writeFileSync(join(remote, 'out', file.name), file.bytes);
    await s.tick();
    expect(await redis.zcard(s.deps.keys.files)).toBe(0); // before 09:00
    now = at('2026-03-05T09:01');
    const logins = server.logins;
    await s.tick();
    expect(await redis.zrange(s.deps.keys.files, 0, -1)).toEqual([file.name]);
    expect(await redis.get(s.deps.keys.fetched)).toBe('20260305');
    await s.tick();
    expect(server.logins).toBe(logins + 1);
    await s.close();
  });
});
