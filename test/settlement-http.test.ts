// Settlement in a running llrecon: the upload and report routes, a `not_captured` row turning `matched` once its
// confirming query finds the order captured, and the directory watch (a file read once its size stays the same).
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settlementFiles, type SettledOrder } from '../src/sandbox/settlement-files.js';
import { settlementEvents, tempDir } from './support/settlement.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const DAY = '20260305';
const dt = '20260304100000';
let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  stack = await startStack({ http: true, env: { POLL_SCHEDULE: '1h', SETTLEMENT_DIR: dir } });
});
afterAll(() => stack.close());

function auth(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${stack.adminToken}`, ...extra };
}

async function track(no: string, code: string): Promise<void> {
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '88.00',
    oid_paybill: paybill(no),
    timeline: [{ code }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '88.00' }, { source: 'embed' });
}

/** LianLian's number for the order: digits. */
function paybill(no: string): string {
  return `2026${[...no].map((c) => c.charCodeAt(0) % 10).join('')}`.slice(0, 18);
}

function row(no: string): SettledOrder {
  return { oid_partner: stack.oidPartner, no_order: no, dt_order: dt, oid_paybill: paybill(no), money_order: '88.00', settle_date: DAY };
}

async function day(date: string): Promise<Record<string, unknown> & { counts: Record<string, number> }> {
  const r = await fetch(`${stack.url}/settlements/${date}`, { headers: auth() });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown> & { counts: Record<string, number> };
}

describe('settlement routes', () => {
  it('judges an uploaded row not_captured, queries the order at once, and matches it on the answer', async () => {
    const no = `ST${Date.now()}`;
    await track(no, 'PR07');
    // LianLian captured it; llrecon has not polled since (POLL_SCHEDULE 1h)
    stack.simulator.setCode(no, 'PR11');
    const file = settlementFiles([row(no)]).daily[0]!;
    const up = await fetch(`${stack.url}/settlements/files`, {
      method: 'POST',
      headers: auth({ 'x-filename': file.name, 'content-type': 'application/octet-stream' }),
      body: file.bytes,
    });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ file: file.name, status: 'imported', rows: 1, counts: { not_captured: 1 } });
    const matched = await waitFor(async () => {
      const d = await day(DAY);
      return d.counts.matched === 1 ? d : null;
    }, 15_000);
    expect(matched.counts.not_captured).toBe(0);
    expect(matched.items).toEqual([]);
    expect((await stack.engine.store.get(no))?.state).toBe('captured');
    const events = await settlementEvents(stack.engine.ctx.redis, stack.engine.ctx.ks);
    expect(events.filter((e) => e.type === 'settlement.mismatch').map((e) => e.data.result)).toEqual(['not_captured']);

    // the dashboard: the day, its counts, and the CSV of its discrepancies (none left)
    const page = await fetch(`${stack.url}/admin/settlements?date=${DAY}`, { headers: auth({ accept: 'text/html' }) });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('href="/admin/settlements"');
    expect(body).toContain(`/admin/settlements/${DAY}.csv`);
    expect(body).toContain('No discrepancy on this day.');
    const csv = await fetch(`${stack.url}/admin/settlements/${DAY}.csv`, { headers: auth() });
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="settlement-${DAY}.csv"`);
    expect((await csv.text()).split('\r\n')).toHaveLength(2);
    // metrics: rows by result, and the time since the last file
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toContain('llrecon_settlement_rows_total{result="not_captured"} 1');
    expect(metrics).toContain('llrecon_settlement_rows_total{result="matched"} 1');
    expect(metrics).toMatch(/^llrecon_settlement_seconds_since_last_file \d/m);
    const list = await fetch(`${stack.url}/settlements`, { headers: auth() });
    expect(((await list.json()) as { days: unknown[] }).days).toEqual([expect.objectContaining({ settle_date: DAY, summary_ok: null })]);
  });

  it('refuses a malformed upload naming the line, and an upload without a token or a name', async () => {
    const file = settlementFiles([row('BAD1')]).daily[0]!;
    const text = file.bytes.toString('utf8').replace('20260304 10:00:00', '20260304 25:00:00');
    const bad = await fetch(`${stack.url}/settlements/files`, { method: 'POST', headers: auth({ 'x-filename': file.name }), body: text });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'LLRECON_SETTLEMENT_FILE', field: 'line 2.dt_order' } });
    const anon = await fetch(`${stack.url}/settlements/files`, { method: 'POST', headers: { 'x-filename': file.name }, body: text });
    expect(anon.status).toBe(401);
    const unnamed = await fetch(`${stack.url}/settlements/files`, { method: 'POST', headers: auth(), body: file.bytes });
    expect(unnamed.status).toBe(400);
    expect((await day('20260101')).counts).toMatchObject({ matched: 0, untracked: 0 });
  });

  it('imports a file from SETTLEMENT_DIR once its size has stopped changing', async () => {
    const date = '20260306';
    const orders = Array.from({ length: 30 }, (_, i) => ({ ...row(`W${i}`), settle_date: date, pay_type: '1' }));
    const file = settlementFiles(orders, { plant: { unknown: 2 } }).daily[0]!;
    // written in two parts 1.5 s apart: a half file must not be read (it would be refused or counted short)
    const half = Math.floor(file.bytes.length / 2);
    writeFileSync(join(dir, file.name), file.bytes.subarray(0, half));
    await new Promise((r) => setTimeout(r, 1500));
    appendFileSync(join(dir, file.name), file.bytes.subarray(half));
    // a summary renamed into place whole
    const sum = settlementFiles(orders, { plant: { unknown: 2 } }).summaries[0]!;
    writeFileSync(join(dir, `.${sum.name}.part`), sum.bytes);
    renameSync(join(dir, `.${sum.name}.part`), join(dir, sum.name));
    const d = await waitFor(async () => {
      const r = await day(date);
      return r.summary_ok !== null ? r : null;
    }, 20_000);
    expect(d.counts).toMatchObject({ other: 30, untracked: 2 });
    expect(d.summary_ok).toBe(true);
    const page = await (await fetch(`${stack.url}/admin/settlements?date=${date}`, { headers: auth({ accept: 'text/html' }) })).text();
    expect(page).toContain(`UNKNOWN${date}0`);
    expect(page).toContain('a pre-authorization settled for an order llrecon never tracked');
    const csv = (await (await fetch(`${stack.url}/admin/settlements/${date}.csv`, { headers: auth() })).text()).split('\r\n');
    expect(csv.filter((l) => l.includes(',untracked,'))).toHaveLength(2);
    const files = (d.files as { name: string; status: string }[]).map((f) => [f.name, f.status]);
    expect(files).toEqual([
      [file.name, 'done'],
      [sum.name, 'done'],
    ]);
  });
});
