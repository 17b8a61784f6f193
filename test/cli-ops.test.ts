// The operator commands against a running engine: enqueue (flags, JSONL, CSV), status, requery, events.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { cliProcess, runCli } from './support/cli.js';
import { startStack, waitFor, type Stack, cliEnv } from './support/stack.js';

let stack: Stack;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'llr-cli-'));
const dt = formatLianLianTime(Date.now());

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '50ms' } });
  env = cliEnv(stack, dir);
});
afterAll(async () => {
  await probe?.quit();
  await stack?.close();
});

let probe: Redis | undefined;

/**
 * The ids of llrecon's connections blocked in XREAD: only `events --follow` reads the stream so (the engine's
 * readers use XREADGROUP, and other test files' XREADs are not on llrecon-named connections).
 */
async function followersBlocked(): Promise<Set<string>> {
  probe ??= new Redis(stack.config.redisUrl as string);
  const clients = String(await probe.call('CLIENT', 'LIST')).split('\n');
  const fields = (line: string) => new Map(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return new Set(
    clients
      .map(fields)
      .filter((c) => c.get('cmd') === 'xread' && (c.get('flags') ?? '').includes('b') && (c.get('name') ?? '').startsWith('llrecon:'))
      .map((c) => c.get('id') as string),
  );
}

describe('llrecon enqueue', () => {
  it('tracks one order from flags and reports a re-track as a duplicate', async () => {
    const no = `CLI${Date.now()}`;
    const args = ['enqueue', '--no_order', no, '--dt_order', dt, '--money_order', '12.50'];
    const first = await runCli(args, env);
    expect(first.stdout).toContain('1 accepted, 0 duplicates');
    expect(first.code).toBe(0);
    expect((await runCli(args, env)).stdout).toContain('0 accepted, 1 duplicates');
    expect((await stack.engine.store.get(no))?.money_order).toBe('12.50');
  });

  it('tracks a JSONL file and a CSV file', async () => {
    const base = `F${Date.now()}`;
    const jsonl = join(dir, 'orders.jsonl');
    writeFileSync(
      jsonl,
      [0, 1, 2].map((i) => JSON.stringify({ no_order: `${base}J${i}`, dt_order: dt, money_order: `${i + 1}.00` })).join('\n') + '\n',
    );
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, `no_order,dt_order,money_order,pay_type\n${base}C0,${dt},3.10,F\n"${base}C1",${dt},4.20,G\n`);
    expect((await runCli(['enqueue', '--file', jsonl], env)).stdout).toContain('3 accepted');
    expect((await runCli(['enqueue', '--file', csv], env)).stdout).toContain('2 accepted');
    expect((await stack.engine.store.get(`${base}C1`))?.pay_type).toBe('G');
    expect((await stack.engine.store.get(`${base}J2`))?.money_order).toBe('3.00');
  });

  it('refuses a file with a bad line whole, naming the line and field', async () => {
    const base = `BAD${Date.now()}`;
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ no_order: `${base}0`, dt_order: dt })}\n${JSON.stringify({ no_order: `${base}1`, dt_order: '20261340250000' })}\n`,
    );
    const r = await runCli(['enqueue', '--file', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 2');
    expect(r.stderr).toContain('dt_order');
    expect(await stack.engine.store.get(`${base}0`)).toBeNull();
  });

  it('refuses an amount without exactly two decimals, from flags and from files, naming the field', async () => {
    const base = `AMT${Date.now()}`;
    const flags = await runCli(['enqueue', '--no_order', `${base}F`, '--dt_order', dt, '--money_order', '1.5'], env);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('money_order');
    expect(flags.stderr).toContain('exactly two decimals');
    const jsonl = join(dir, 'amount.jsonl');
    writeFileSync(
      jsonl,
      `${JSON.stringify({ no_order: `${base}J0`, dt_order: dt, money_order: '1.50' })}\n${JSON.stringify({ no_order: `${base}J1`, dt_order: dt, money_order: '5' })}\n`,
    );
    const csv = join(dir, 'amount.csv');
    writeFileSync(csv, `no_order,dt_order,money_order\n${base}C0,${dt},1.5\n`);
    for (const file of [jsonl, csv]) {
      const r = await runCli(['enqueue', '--file', file], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('line 2.money_order');
    }
    for (const no of [`${base}F`, `${base}J0`, `${base}J1`, `${base}C0`]) expect(await stack.engine.store.get(no)).toBeNull();
  });
});

describe('llrecon status, requery and events', () => {
  it('shows the timeline, records a re-query with its reason, and prints the events', async () => {
    const no = `OPS${Date.now()}`;
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '7.00',
      timeline: [{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }],
    });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '7.00' }, { source: 'embed' });
    await waitFor(async () => (await stack.engine.store.get(no))?.state === 'captured');

    const rq = await runCli(['requery', no, '--reason', 'month-end check', '--actor', 'alice'], env);
    expect(rq.code).toBe(0);
    expect(rq.stdout).toContain('1 re-queried');
    await waitFor(async () => stack.simulator.queryCount(no) >= 3);

    const st = await runCli(['status', no], env);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain(`order ${no}: captured (final)`);
    expect(st.stdout).toContain('authorized → captured');
    // the OS user runs the command; --actor is kept as a claim beside it
    expect(st.stdout).toContain(`requery by ${userInfo().username} (on behalf of alice): month-end check`);

    const unknown = await runCli(['requery', `NOPE${Date.now()}`], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('not tracked');

    const ev = await runCli(['events', '--count', '10000'], env);
    const lines = ev.stdout.trim().split('\n');
    for (const l of lines) expect(JSON.parse(l), l).toHaveProperty('event.subject'); // stdout holds events only
    const mine = lines.map((l) => JSON.parse(l) as { type: string; event: { subject: string } }).filter((e) => e.event.subject === no);
    expect(mine.map((e) => e.type)).toEqual(['preauth.authorized', 'preauth.captured']);
  });

  it('events --follow prints new events as they come, and stops on SIGINT', { timeout: 60_000 }, async () => {
    const before = await followersBlocked();
    const child = cliProcess(['events', '--follow'], env);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // `--follow` starts at `$` (only new events): the order must change only once the command is blocked on the
    // stream, however long tsx takes to start it
    await waitFor(async () => [...(await followersBlocked())].some((id) => !before.has(id)), 30_000);
    const no = `FOL${Date.now()}`;
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '1.00',
      timeline: [{ code: 'PR07', after: { queries: 1 } }, { code: 'PR14' }],
    });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '1.00' }, { source: 'embed' });
    await waitFor(() => out.split('\n').filter((l) => l.includes(no)).length >= 2, 15_000);
    expect(
      out
        .split('\n')
        .filter((l) => l.includes(no))
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toEqual(['preauth.authorized', 'preauth.voided']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('every command has --help', async () => {
    for (const cmd of ['start', 'enqueue', 'requery', 'status', 'events', 'keygen', 'verify-notify', 'sandbox']) {
      const r = await runCli([cmd, '--help'], {});
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`llrecon ${cmd}`);
    }
  });
});
