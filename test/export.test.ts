// llrecon export against a real engine, simulator and Redis: orders tracked through the engine and moved by
// LianLian's (simulated) answers, exported by the real command as JSON Lines and CSV (read back with a parser of
// this file's own, so quoting is checked, not assumed); events from the stream; filters; secrets never leave;
// a newer data format refused; 10,000 orders read in batches, exactly once even while the index changes.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, csvLine, EVENT_COLUMNS, ORDER_COLUMNS } from '../src/cli/commands/export.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { SECRET_FIELDS } from '../src/secret-fields.js';
import { DATA_FORMAT } from '../src/store/data-format.js';
import { exportOrders, type ExportedOrder } from '../src/store/export.js';
import { runCli } from './support/cli.js';
import { startStack, waitFor, type Stack, cliEnv } from './support/stack.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/;
const TRICKY_ACTOR = 'Mei, "ops"\nteam';
const dir = mkdtempSync(join(tmpdir(), 'llr-export-'));
let stack: Stack;
let plantedEventId: string | null = null;
let env: Record<string, string>;
const dt = formatLianLianTime(Date.now());
const run = Date.now().toString(36);
const AUTH = `EXA${run}`;
const CAPT = `EXC${run}`;
const NEVER = `EXN${run}`;

/** RFC 4180, written here independently of the exporter: records of fields, quotes doubled inside quoted fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  expect(quoted).toBe(false);
  expect(field === '' && row.length === 0).toBe(true); // ends with a record's CRLF
  return rows;
}

function keysDeep(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysDeep(v, out);
    }
  return out;
}

const exportCli = (args: string[]) => runCli(['export', ...args], env, '', 60_000);

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '50ms' } });
  env = cliEnv(stack, dir);
  const sim = stack.simulator;
  sim.addOrder({ oid_partner: stack.oidPartner, no_order: AUTH, dt_order: dt, money_order: '12.30', timeline: [{ code: 'PR07' }] });
  sim.addOrder({
    oid_partner: stack.oidPartner,
    no_order: CAPT,
    dt_order: dt,
    money_order: '1000.00',
    timeline: [{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }],
  });
  await stack.engine.track({ no_order: AUTH, dt_order: dt, money_order: '12.30' }, { source: 'api', actor: TRICKY_ACTOR });
  await stack.engine.track({ orders: [{ no_order: CAPT, dt_order: dt, money_order: '1000.00' }] }, { source: 'cli', actor: 'ops' });
  await stack.engine.track({ no_order: NEVER, dt_order: dt }, { source: 'api', actor: 'ops' });
  await waitFor(async () => (await stack.engine.store.get(AUTH))?.state === 'authorized');
  await waitFor(async () => (await stack.engine.store.get(CAPT))?.state === 'captured');
  // something that must never leave even were it stored: secret and card fields in a history entry and an event
  const { redis, ks } = stack.engine.ctx;
  await redis.rpush(
    ks.history(NEVER),
    JSON.stringify({ at: Date.now(), kind: 'action', action: 'note', card_no: '6222020200112233445', token: 'tok' }),
  );
  plantedEventId = await redis.xadd(
    ks.events,
    '*',
    'type',
    'test.secret',
    'event',
    JSON.stringify({ id: 'x', data: { state: 'pending', sign: 'abc', password: 'p' } }),
  );
}, 60_000);

afterAll(async () => {
  // the planted entry is no event llrecon wrote: the suite-wide check of every emitted event (test/after) must not see it
  if (plantedEventId) await stack.engine.ctx.redis.xdel(stack.engine.ctx.ks.events, plantedEventId);
  await stack?.close();
});

describe('csv quoting', () => {
  it('quotes a field with a comma, a quote, CR or LF, doubling quotes, and leaves others bare', () => {
    expect(csvField('plain 预授权成功')).toBe('plain 预授权成功');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
    expect(csvLine(['x', null, 'y,z'])).toBe('x,,"y,z"\r\n');
  });
});

describe('llrecon export', { timeout: 90_000 }, () => {
  it('writes every order with its history as JSON Lines: money as strings, times RFC 3339 with their offset', async () => {
    const r = await exportCli([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('exported 3 orders');
    const orders = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportedOrder);
    expect(orders.map((o) => o.no_order)).toEqual([AUTH, CAPT, NEVER]);
    const [auth, capt, never] = orders as [ExportedOrder, ExportedOrder, ExportedOrder];
    expect(Object.keys(auth)).toEqual(ORDER_COLUMNS);
    expect(auth).toMatchObject({
      state: 'authorized',
      money_order: '12.30',
      oid_partner: stack.oidPartner,
      tracked_by: TRICKY_ACTOR,
      tracked_source: 'api',
      final: false,
    });
    expect(capt).toMatchObject({ state: 'captured', money_order: '1000.00', final: true, next_poll_at: null, ret_code: 'PR11' });
    for (const t of [auth.tracked_at, auth.changed_at, auth.horizon_at, auth.deadline, ...auth.history.map((h) => h.at)])
      expect(t).toMatch(RFC3339);
    expect(Date.parse(auth.tracked_at)).toBe((await stack.engine.store.get(AUTH))?.tracked_at);
    expect(capt.history.map((h) => [h.kind, h.to ?? h.state])).toEqual([
      ['tracked', 'pending'],
      ['change', 'authorized'],
      ['change', 'captured'],
    ]);
    expect(never.history.map((h) => h.kind)).toEqual(['tracked', 'action']);
    const keys = keysDeep(orders);
    expect(SECRET_FIELDS.filter((k) => keys.has(k))).toEqual([]);
    expect(r.stdout).not.toContain('6222020200112233445');
  });

  it('writes CSV that a parser reads back field for field, to a file that appears once complete', async () => {
    const file = join(dir, 'orders.csv');
    const r = await exportCli(['--format', 'csv', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(`${file}.part`)).toBe(false);
    const rows = parseCsv(readFileSync(file, 'utf8'));
    expect(rows[0]).toEqual(ORDER_COLUMNS);
    expect(rows).toHaveLength(4);
    const col = (row: string[], name: string) => row[ORDER_COLUMNS.indexOf(name as (typeof ORDER_COLUMNS)[number])];
    const auth = rows.find((row) => col(row, 'no_order') === AUTH) as string[];
    expect(col(auth, 'tracked_by')).toBe(TRICKY_ACTOR);
    expect(col(auth, 'money_order')).toBe('12.30');
    expect(col(auth, 'platform')).toBe('');
    expect(JSON.parse(col(auth, 'history') as string)[0]).toMatchObject({ kind: 'tracked', actor: TRICKY_ACTOR });
    expect(col(rows.find((row) => col(row, 'no_order') === CAPT) as string[], 'final')).toBe('true');
  });

  it('filters orders by state and by when they were tracked', async () => {
    const only = await exportCli(['--state', 'authorized']);
    expect(
      only.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as ExportedOrder).no_order),
    ).toEqual([AUTH]);
    const neverAt = (await stack.engine.store.get(NEVER))?.tracked_at as number;
    const since = await exportCli(['--since', new Date(neverAt).toISOString()]);
    expect(
      since.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as ExportedOrder).no_order),
    ).toEqual([NEVER]);
    const until = await exportCli(['--until', new Date(neverAt).toISOString()]);
    expect(
      until.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as ExportedOrder).no_order),
    ).toEqual([AUTH, CAPT]);
    const bad = await exportCli(['--state', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('LLRECON_INVALID_FIELD');
    const badTime = await exportCli(['--since', 'yesterday']);
    expect(badTime.code).toBe(2);
  });

  it('exports events from the stream as JSON Lines and CSV, by state and time, without secret fields', async () => {
    const r = await exportCli(['--what', 'events', '--batch', '2']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { stream_id: string; added_at: string; type: string; event: { id: string; data: Record<string, unknown> } },
      );
    const ids = events.map((e) => e.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // oldest first: stream ids strictly increasing, read across batches of two
    const idKey = (id: string) => id.split('-').map(BigInt) as [bigint, bigint];
    events.slice(1).forEach((e, i) => {
      const [a, b] = [idKey((events[i] as (typeof events)[number]).stream_id), idKey(e.stream_id)];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    });
    expect(ids).toContain(`${stack.oidPartner}:${CAPT}:2:captured`);
    for (const e of events) expect(e.added_at).toMatch(RFC3339);
    const captured = events.find((e) => e.event.id.endsWith(':captured')) as (typeof events)[number];
    expect(captured.event.data.money_order).toBe('1000.00');
    expect(SECRET_FIELDS.filter((k) => keysDeep(events).has(k))).toEqual([]);

    const byState = await exportCli(['--what', 'events', '--state', 'captured', '--format', 'csv']);
    const rows = parseCsv(byState.stdout);
    expect(rows[0]).toEqual(EVENT_COLUMNS);
    expect(
      rows
        .slice(1)
        .map((row) => [
          row[EVENT_COLUMNS.indexOf('no_order')],
          row[EVENT_COLUMNS.indexOf('money_order')],
          row[EVENT_COLUMNS.indexOf('state')],
        ]),
    ).toEqual([[CAPT, '1000.00', 'captured']]);

    const at = Number(captured.stream_id.split('-')[0]);
    const window = await exportCli(['--what', 'events', '--since', new Date(at).toISOString(), '--until', new Date(at + 1).toISOString()]);
    expect(
      window.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).stream_id),
    ).toContain(captured.stream_id);
    for (const l of window.stdout.trim().split('\n')) expect(Number(JSON.parse(l).stream_id.split('-')[0])).toBe(at);
  });

  it('refuses data in a newer format than it knows', async () => {
    const { redis, ks } = stack.engine.ctx;
    await redis.hset(ks.meta, 'format', String(DATA_FORMAT + 1));
    try {
      const r = await exportCli([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('LLRECON_DATA_FORMAT');
      expect(r.stdout).toBe('');
    } finally {
      await redis.hset(ks.meta, 'format', String(DATA_FORMAT));
    }
  });
});

describe('10,000 orders', () => {
  let big: Stack;
  const N = 10_000;
  beforeAll(async () => {
    // no query role: nothing polls them; tracking goes through the engine all the same
    big = await startStack({ env: { ROLES: 'api' } });
    for (let b = 0; b < N / 1000; b += 1) {
      const orders = Array.from({ length: 1000 }, (_, i) => ({
        no_order: `BIG${String(b * 1000 + i).padStart(5, '0')}`,
        dt_order: dt,
        money_order: `${b + 1}.${String(i % 100).padStart(2, '0')}`,
      }));
      await big.engine.track({ orders }, { source: 'api', actor: 'bulk' });
    }
  }, 120_000);
  afterAll(async () => {
    await big?.close();
  });

  it('are read in batches, each once, in tracked order', async () => {
    const seen = new Set<string>();
    let batches = 0;
    let last = '';
    for await (const batch of exportOrders(big.engine.ctx, { batch: 700 })) {
      batches += 1;
      expect(batch.length).toBeLessThanOrEqual(700);
      for (const o of batch) {
        expect(o.tracked_at >= last).toBe(true);
        last = o.tracked_at;
        seen.add(o.no_order);
        expect(o.money_order).toMatch(/^\d+\.\d\d$/);
      }
    }
    expect(seen.size).toBe(N);
    expect(batches).toBe(Math.ceil(N / 700));
  });

  it('stay exactly once when orders before the cursor are removed while it reads', async () => {
    const { redis, ks } = big.engine.ctx;
    const removed = new Set<string>();
    const seen: string[] = [];
    for await (const batch of exportOrders(big.engine.ctx, { batch: 1000 })) {
      seen.push(...batch.map((o) => o.no_order));
      if (removed.size === 0) {
        // the index loses 300 orders already read, the page's last one among them: ranks move under the cursor
        const gone = batch.slice(-300).map((o) => o.no_order);
        await redis.zrem(ks.allOrders, ...gone);
        for (const no of gone) removed.add(no);
      }
    }
    try {
      expect(seen).toHaveLength(N);
      expect(new Set(seen).size).toBe(N);
    } finally {
      await redis.zadd(ks.allOrders, ...[...removed].flatMap((no) => [Date.now(), no]));
    }
  });

  it('export through the command to CSV, one line per order', async () => {
    const file = join(dir, 'big.csv');
    const r = await runCli(
      ['export', '--format', 'csv', '--batch', '1000', '--out', file],
      {
        REDIS_URL: big.config.redisUrl as string,
        REDIS_PREFIX: big.prefix,
        LIANLIAN_OID_PARTNER: big.oidPartner,
        DATA_DIR: dir,
        LOG_LEVEL: 'silent',
      },
      '',
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`exported ${N} orders`);
    const rows = parseCsv(readFileSync(file, 'utf8'));
    expect(rows).toHaveLength(N + 1);
    expect(new Set(rows.slice(1).map((row) => row[0])).size).toBe(N);
  }, 120_000);
});
