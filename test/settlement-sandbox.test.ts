// The sandbox's settlement files: the simulator publishes its captured orders' files (GBK, planted rows) on its own
// SFTP server, and llrecon's fetch imports them.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { generateKeyPair, importPrivateKey, publicKeyOf } from '../src/lianlian/keys.js';
import { sandboxPaybill } from '../src/sandbox/demo-orders.js';
import { startSandboxSettlement } from '../src/sandbox/settlement-sandbox.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { SettlementService } from '../src/settlement/service.js';
import { settlementDay } from '../src/settlement/reports.js';
import { keyspace } from '../src/store/keyspace.js';
import { defineScripts } from '../src/store/scripts/index.js';
import { seedOrders, tempDir, testDeps } from './support/settlement.js';
import { randomOid } from './support/stack.js';
import { DateTime } from 'luxon';

const redis = new Redis(inject('redisUrl'));
defineScripts(redis);
afterAll(() => redis.quit());

describe('the sandbox settlement files', () => {
  it('are published for captured orders only, served over SFTP and imported by the fetch', async () => {
    const oid = randomOid();
    const merchant = importPrivateKey(generateKeyPair(1024).privatePem);
    const simulator = new LianLianSimulator({
      lianlianPrivateKey: importPrivateKey(generateKeyPair(1024).privatePem),
      merchants: [{ oid_partner: oid, publicKey: publicKeyOf(merchant) }],
    });
    const dataDir = tempDir();
    const sandbox = await startSandboxSettlement({ dataDir, oidPartner: oid, simulator });
    try {
      const orders = ['SBX1', 'SBX2'].map((no) => ({
        no_order: no,
        dt_order: '20260301100000',
        money_order: '12.30',
        oid_paybill: sandboxPaybill(no),
      }));
      for (const o of orders) simulator.addOrder({ oid_partner: oid, ...o, timeline: [{ code: 'PR07' }] });
      expect(sandbox.publish(orders)).toBe(false); // nothing captured yet
      simulator.setCode('SBX1', 'PR11');
      expect(sandbox.publish(orders)).toBe(true);
      expect(sandbox.publish(orders)).toBe(false); // unchanged

      const ks = keyspace(`t${randomBytes(4).toString('hex')}`);
      await seedOrders(redis, ks, oid, [
        { no_order: 'SBX1', state: 'captured', money_order: '12.30', oid_paybill: sandboxPaybill('SBX1') },
      ]);
      const service = new SettlementService(testDeps(redis, ks, oid), {
        settlementDir: null,
        settlementSftpUrl: sandbox.url,
        settlementSftpHostKey: sandbox.hostKey,
        settlementSftpPassword: sandbox.password,
        settlementSftpKeyFile: null,
        dataDir,
      });
      const r = await service.fetchNow();
      expect(r.refused).toEqual([]);
      expect(r.imported.map((i) => [i.kind, i.encoding])).toEqual([
        ['daily', 'gbk'],
        ['monthly', 'gbk'],
        ['summary', 'utf-8'],
      ]);
      const today = DateTime.now().setZone('UTC+8').toFormat('yyyyMMdd');
      const day = await settlementDay({ redis, ks, oidPartner: oid }, today);
      expect(day?.counts).toMatchObject({ matched: 1, untracked: 1, other: 2 });
      expect(day?.summary_ok).toBe(true);
      // the monthly file repeats the daily one's rows: counted once, no disagreement
      expect(day?.disagreements).toEqual([]);
    } finally {
      await sandbox.stop();
      await simulator.stop();
    }
  });
});
