// ssh2 is loaded only by a process that speaks SFTP (src/settlement/ssh2.ts): loading it makes a 16 MiB WebAssembly
// memory, which a daemon that never fetches settlement files must not carry. A fresh process imports what a
// production daemon runs (the daemon, the engine, the CLI's start and settle) and looks in the module cache; then it fetches over SFTP
// (from a closed port: loading happens before connecting) and looks again.
import { describe, expect, it } from 'vitest';
import { launchTs } from './support/launch.js';

const CHECK = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const loaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/ssh2/'));
await import('./src/daemon.ts');
await import('./src/engine.ts');
await import('./src/cli/commands/start.ts');
await import('./src/cli/commands/settle.ts');
const { fetchSettlementFiles } = await import('./src/settlement/sftp-fetch.ts');
const before = loaded();
await fetchSettlementFiles({
  url: 'sftp://llrecon@127.0.0.1:9/outbox',
  hostKey: 'SHA256:' + 'A'.repeat(43),
  password: 'x',
  targetDir: '.',
  readyTimeoutMs: 2000,
}).catch(() => undefined);
console.log(JSON.stringify({ before, after: loaded() }));
`;

describe('ssh2 is loaded on first use', () => {
  it("importing the daemon, the engine and the CLI's start and settle commands does not load it; an SFTP fetch does", async () => {
    const p = launchTs({ code: CHECK }, { env: { PATH: process.env.PATH ?? '' }, input: null });
    expect(await p.exited).toBe(0);
    expect(JSON.parse(p.stdout.trim().split('\n').at(-1) ?? '')).toEqual({ before: false, after: true });
  }, 60_000);
});
