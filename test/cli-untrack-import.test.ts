// The operator commands of issue 11 against a running engine: `llrecon untrack` (a reason required; the OS user and
// --actor recorded; one preauth.untracked event), `enqueue` refusing an order posted again with other values, and
// file import reporting every bad line and telling JSON Lines from CSV by content.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_LINES_LISTED, detectFormat } from '../src/cli/order-file.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { runCli } from './support/cli.js';
import { startStack, type Stack, cliEnv } from './support/stack.js';

let stack: Stack;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'llr-cli-untrack-'));
const dt = formatLianLianTime(Date.now());
const me = userInfo().username;

beforeAll(async () => {
  stack = await startStack({ env: { ROLES: 'api' } });
  env = cliEnv(stack, dir);
});
afterAll(async () => {
  await stack?.close();
});

describe('llrecon untrack', () => {
  it('wants a reason; records the OS user with --actor as a claim; untracks once; names unknown orders', async () => {
    const no = `UT${Date.now()}`;
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '3.00' }, { source: 'embed' });

    const bare = await runCli(['untrack', no], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--reason');
    expect(await stack.engine.untrackedAt(no)).toBeNull();

    const r = await runCli(['untrack', no, `${no}-none`, '--reason', 'refunded by hand', '--actor', 'mei'], env);
    expect(r.stdout).toContain(`${no}: untracked (state pending)`);
    expect(r.stdout).toContain(`not tracked: ${no}-none`);
    expect(r.code).toBe(1);
    expect(await stack.engine.untrackedAt(no)).not.toBeNull();
    const history = await stack.engine.store.history(no);
    expect(history).toContainEqual(
      expect.objectContaining({
        kind: 'action',
        action: 'untrack',
        actor: `${me} (on behalf of mei)`,
        reason: 'refunded by hand',
        source: 'cli',
      }),
    );

    const again = await runCli(['untrack', no, '--reason', 'again'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${no}: already untracked`);
    const rows = await stack.engine.ctx.redis.xrange(stack.engine.ctx.ks.events, '-', '+');
    const events = rows.filter(([, f]) => f[1] === 'preauth.untracked' && (f[3] ?? '').includes(`"subject":"${no}"`));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.[1][3] as string).data).toMatchObject({ actor: `${me} (on behalf of mei)`, reason: 'refunded by hand' });

    // a re-query of an untracked order is refused, naming it
    const rq = await runCli(['requery', no, '--reason', 'check'], env);
    expect(rq.code).toBe(1);
    expect(rq.stdout).toContain(`untracked (post them again first): ${no}`);
  });
});

describe('llrecon enqueue', () => {
  it('refuses an order posted again with another amount, naming the field; the same one is a duplicate', async () => {
    const no = `EC${Date.now()}`;
    const args = ['enqueue', '--no_order', no, '--dt_order', dt, '--money_order', '12.50'];
    expect((await runCli(args, env)).stdout).toContain('1 accepted');
    expect((await runCli(args, env)).stdout).toContain('0 accepted, 1 duplicates');
    const other = await runCli(['enqueue', '--no_order', no, '--dt_order', dt, '--money_order', '12.60'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('LLRECON_ORDER_CONFLICT');
    expect(other.stderr).toContain('money_order tracked 12.50, posted 12.60');
    const history = await stack.engine.store.history(no);
    expect(history[0]).toMatchObject({ kind: 'tracked', actor: me, source: 'cli' });
  });

  it('reports every bad line of a file (the first ones listed, all counted) and tracks nothing', async () => {
    const base = `BL${Date.now()}`;
    const lines = [
      JSON.stringify({ no_order: `${base}0`, dt_order: dt }),
      JSON.stringify({ no_order: `${base}1`, dt_order: '20261340250000' }),
      'not json',
      JSON.stringify({ no_order: `${base}3`, dt_order: dt, money_order: '5' }),
      ...Array.from({ length: BAD_LINES_LISTED + 5 }, (_, i) => JSON.stringify({ no_order: `${base}x${i}`, dt_order: dt, colour: 'red' })),
    ];
    const file = join(dir, 'many-bad.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['enqueue', '--file', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 2.dt_order');
    expect(r.stderr).toContain('line 3: not valid JSON');
    expect(r.stderr).toContain('line 4.money_order');
    expect(r.stderr).toContain('line 5.colour');
    expect(r.stderr).toContain('… and 8 more bad lines');
    expect(r.stderr).toContain(`${BAD_LINES_LISTED + 8} bad lines; nothing was tracked`);
    expect(await stack.engine.store.get(`${base}0`)).toBeNull();
  });

  it('tells CSV from JSON Lines by what the file holds, whatever its name', async () => {
    const base = `FMT${Date.now()}`;
    const csvNamedJsonl = join(dir, 'orders-csv.jsonl');
    writeFileSync(csvNamedJsonl, `\uFEFFno_order,dt_order,money_order\n${base}C0,${dt},3.10\n`);
    const jsonlNamedCsv = join(dir, 'orders-jsonl.csv');
    writeFileSync(jsonlNamedCsv, `\n${JSON.stringify({ no_order: `${base}J0`, dt_order: dt, money_order: '4.20' })}\n`);
    expect((await runCli(['enqueue', '--file', csvNamedJsonl], env)).stdout).toContain('1 accepted');
    expect((await runCli(['enqueue', '--file', jsonlNamedCsv], env)).stdout).toContain('1 accepted');
    expect((await stack.engine.store.get(`${base}C0`))?.money_order).toBe('3.10');
    expect((await stack.engine.store.get(`${base}J0`))?.money_order).toBe('4.20');
    // neither a JSON object nor a header naming no_order: the name decides (and the parse names the fault)
    expect(detectFormat(['a;b;c'], 'x.csv')).toBe('csv');
    expect(detectFormat(['a;b;c'], 'x.txt')).toBe('jsonl');
  });
});
