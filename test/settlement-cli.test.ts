// llrecon settle: import with progress, refusals with the line, the report as text, JSON and CSV, and the fetch
// over SFTP from a real server on loopback.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { settlementFiles, type SettledOrder } from '../src/sandbox/settlement-files.js';
import { keyspace } from '../src/store/keyspace.js';
import { runCli } from './support/cli.js';
import { seedOrders, tempDir, writeIn } from './support/settlement.js';
import { randomOid } from './support/stack.js';
import { startSftpServer, type TestSftpServer } from './settlement-sftp-server.js';

const redis = new Redis(inject('redisUrl'));
const prefix = `t${randomBytes(4).toString('hex')}`;
const ks = keyspace(prefix);
const oid = randomOid();
const DAY = '20260310';
let env: Record<string, string>;
let server: TestSftpServer;
const remote = tempDir();

const settled = (no: string, extra: Partial<SettledOrder> = {}): SettledOrder => ({
  oid_partner: oid,
  no_order: no,
  dt_order: '20260309100000',
  oid_paybill: `2026031${no.replace(/\D/g, '')}`,
  money_order: '50.00',
  settle_date: DAY,
  ...extra,
});

beforeAll(async () => {
  await seedOrders(redis, ks, oid, [
    { no_order: 'K1', state: 'captured', oid_paybill: '20260311', money_order: '50.00' },
    { no_order: 'K2', state: 'captured', oid_paybill: '20260312', money_order: '49.00' },
    { no_order: 'K3', state: 'captured', oid_paybill: '20260313', money_order: '50.00' },
  ]);
  server = await startSftpServer({ root: remote, username: 'recon', password: 'sftp secret' });
  env = {
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: prefix,
    LIANLIAN_OID_PARTNER: oid,
    DATA_DIR: tempDir(),
    LOG_LEVEL: 'silent',
    SETTLEMENT_SFTP_URL: `sftp://recon@127.0.0.1:${server.port}/out`,
    SETTLEMENT_SFTP_PASSWORD: 'sftp secret',
    SETTLEMENT_SFTP_HOST_KEY: server.fingerprint,
    SETTLEMENT_DIR: tempDir(),
  };
});
afterAll(async () => {
  await server?.close();
  await redis.quit();
});

describe('llrecon settle', () => {
  it('imports files with progress; the same file again changes nothing', async () => {
    const dir = tempDir();
    const set = settlementFiles([settled('K1'), settled('K2')], { plant: { other: 1 } });
    const daily = writeIn(dir, set.daily[0]!.name, set.daily[0]!.bytes);
    const r = await runCli(['settle', 'import', daily], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${set.daily[0]!.name}: imported, 3 rows (utf-8): matched 1, amount_mismatch 1, other 1\n`);
    expect(r.stderr).toContain(`${set.daily[0]!.name}: 4/4 (100%)`);
    expect((await runCli(['settle', 'import', daily], env)).stdout).toContain(': unchanged, 3 rows');
  });

  it('reports the days, and a day as CSV and JSON', async () => {
    const days = await runCli(['settle', 'report'], env);
    expect(days.stdout).toBe(`${DAY}  summary_ok -  matched 1, amount_mismatch 1, other 1\n`);
    const csv = await runCli(['settle', 'report', '--date', DAY, '--csv'], env);
    expect(csv.stdout.split('\r\n')).toEqual([
      'settle_date,no_order,oid_partner,result,llrecon_state,llrecon_money_order,lianlian_oid_paybill,lianlian_money_order,lianlian_transaction_status,lianlian_line',
      `${DAY},K2,${oid},amount_mismatch,captured,49.00,20260312,50.00,0,3`,
      '',
    ]);
    const json = JSON.parse((await runCli(['settle', 'report', '--date', DAY, '--json'], env)).stdout) as {
      counts: Record<string, number>;
    };
    expect(json.counts).toMatchObject({ matched: 1, amount_mismatch: 1, other: 1 });
  });

  it('refuses a malformed file naming its line and column, with exit code 2', async () => {
    const file = settlementFiles([settled('K1', { settle_date: '20260311' })]).daily[0]!;
    const path = writeIn(tempDir(), file.name, file.bytes.toString('utf8').replace(' | 0 | ', ' | 7x | '));
    const r = await runCli(['settle', 'import', path], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refused: line 2, column transaction_status');
  });

  it('fetches the files over SFTP and imports them', async () => {
    mkdirSync(join(remote, 'out'), { recursive: true });
    const set = settlementFiles([settled('K3', { settle_date: '20260312' })]);
    for (const f of [...set.daily, ...set.summaries]) writeFileSync(join(remote, 'out', f.name), f.bytes);
    // another merchant's file on the same server is left there
    const stranger = settlementFiles([{ ...settled('K1'), oid_partner: randomOid() }]).daily[0]!;
    writeFileSync(join(remote, 'out', stranger.name), stranger.bytes);
    const r = await runCli(['settle', 'fetch'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '2 downloaded, 0 unchanged',
      `${set.daily[0]!.name}: imported, 1 rows (utf-8): matched 1`,
      `${set.summaries[0]!.name}: imported, 1 rows (utf-8)`,
      '',
    ]);
    const day = await runCli(['settle', 'report'], env);
    expect(day.stdout).toContain('20260312  summary_ok true  matched 1');
  });

  it('says what to set when there is no SFTP server to fetch from', async () => {
    const r = await runCli(['settle', 'fetch'], {
      ...env,
      SETTLEMENT_SFTP_URL: undefined as unknown as string,
      SETTLEMENT_SFTP_PASSWORD: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SETTLEMENT_SFTP_URL');
  });
});
