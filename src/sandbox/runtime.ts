// Sandbox mode: everything llrecon needs to run with nothing configured — generated merchant and LianLian
// keys, a merchant id, and the LianLian simulator on loopback standing in for LianLian.
import { join } from 'node:path';
import { importPrivateKey, importPublicKey, publicKeyOf, type PrivateKey, type PublicKey } from '../lianlian/keys.js';
import { ensureSandboxKeys } from './keys.js';
import { LianLianSimulator } from './simulator.js';

export interface SandboxParts {
  oidPartner: string;
  merchantKey: PrivateKey;
  lianlianKey: PublicKey;
  simulator: LianLianSimulator;
  queryUrl: string;
  stop(): Promise<void>;
}

/**
 * Provision the sandbox under `dataDir/sandbox` (keys are reused across restarts) and start the simulator.
 * Settings the user gave win over generated ones (their merchant id and key are then registered with the simulator).
 */
export async function startSandboxParts(opts: {
  dataDir: string;
  oidPartner?: string | null;
  merchantKey?: PrivateKey | null;
  host?: string;
  port?: number;
  notifyIntervalMs?: number;
}): Promise<SandboxParts> {
  const keys = ensureSandboxKeys(join(opts.dataDir, 'sandbox'));
  const oidPartner = opts.oidPartner ?? keys.oidPartner;
  const merchantKey = opts.merchantKey ?? importPrivateKey(keys.merchantPrivate, 'sandbox merchant key');
  const lianlianPrivate = importPrivateKey(keys.lianlianPrivate, 'sandbox LianLian key');
  const simulator = new LianLianSimulator({
    lianlianPrivateKey: lianlianPrivate,
    merchants: [{ oid_partner: oidPartner, publicKey: publicKeyOf(merchantKey) }],
    notifyIntervalMs: opts.notifyIntervalMs ?? 120_000,
  });
  await simulator.start({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  return {
    oidPartner,
    merchantKey,
    lianlianKey: importPublicKey(keys.lianlianPublic, 'sandbox LianLian public key'),
    simulator,
    queryUrl: simulator.queryUrl,
    stop: () => simulator.stop(),
  };
}
