// The sandbox's settlement files: the simulator "publishes" a daily file, its summary and the month's file for its
// own orders once they are captured — with a few planted rows (a pre-authorization nobody tracked, the merchant's
// other business, Chinese text in GBK) — on an SFTP server of its own (settlement-sftp.ts) that the daemon is
// configured to fetch from, so that `npm start` shows a settlement page with something on it.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { LIANLIAN_ZONE } from '../lianlian/time.js';
import { settlementFiles, type SettledOrder } from './settlement-files.js';
import { ed25519KeyPair, startSftpServer } from './settlement-sftp.js';
import type { LianLianSimulator } from './simulator.js';

const CAPTURED = 'PR11';
const USER = 'sandbox';

export interface SandboxSettlement {
  /** `sftp://sandbox@127.0.0.1:<port>/out`, with the server's host key fingerprint and the password. */
  url: string;
  hostKey: string;
  password: string;
  /** Writes the files for the captured ones of `orders` (settled today, UTC+8); true when a file changed. */
  publish(orders: readonly SandboxSettledOrder[]): boolean;
  stop(): Promise<void>;
}

export interface SandboxSettledOrder {
  no_order: string;
  dt_order: string;
  money_order: string;
  oid_paybill: string;
}

/** A secret kept under `dir` (created once, private). */
function keptSecret(dir: string, name: string, make: () => string): string {
  const path = join(dir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const value = make();
  writeFileSync(path, value, { mode: 0o600 });
  chmodSync(path, 0o600);
  return value;
}

/** Starts the sandbox's SFTP server over `dataDir/sandbox/sftp` (host key and password kept across restarts). */
export async function startSandboxSettlement(o: {
  dataDir: string;
  oidPartner: string;
  simulator: LianLianSimulator;
}): Promise<SandboxSettlement> {
  const dir = join(o.dataDir, 'sandbox');
  const out = join(dir, 'sftp', 'out');
  mkdirSync(out, { recursive: true });
  const hostKey = keptSecret(dir, 'sftp_host_key', () => ed25519KeyPair().private);
  const password = keptSecret(dir, 'sftp_password', () => randomBytes(18).toString('base64url'));
  const server = await startSftpServer({ root: join(dir, 'sftp'), username: USER, password, hostKey });
  let last = '';
  return {
    url: `sftp://${USER}@127.0.0.1:${server.port}/out`,
    hostKey: server.fingerprint,
    password,
    publish(orders) {
      const today = DateTime.now().setZone(LIANLIAN_ZONE).toFormat('yyyyMMdd');
      const settled: SettledOrder[] = orders
        .filter((d) => o.simulator.order(d.no_order) === CAPTURED)
        .map((d) => ({ oid_partner: o.oidPartner, settle_date: today, ...d }));
      const key = `${today}:${settled.map((s) => s.no_order).join(',')}`;
      if (settled.length === 0 || key === last) return false;
      last = key;
      const set = settlementFiles(settled, { encoding: 'gbk', chineseInfo: true, plant: { unknown: 1, other: 2 } });
      for (const f of [...set.daily, ...set.summaries, ...set.monthly]) {
        // whole files only: a reader never sees one half written
        writeFileSync(join(out, `.${f.name}`), f.bytes);
        renameSync(join(out, `.${f.name}`), join(out, f.name));
      }
      return true;
    },
    stop: () => server.close(),
  };
}
