// llrecon export: orders (record + history) or events (the stream) as JSON Lines or CSV, for finance and audits.
// Read from Redis in batches and written as they come (waiting for the output to drain), so the size of the
// export never sits in memory. With --out the file appears only once complete (written as FILE.part, then
// renamed): a failed export never leaves a file that looks whole.
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadConfig } from '../../config.js';
import { fieldError } from '../../errors.js';
import { LIANLIAN_ZONE } from '../../lianlian/time.js';
import { ORDER_STATES, isOrderState } from '../../reconcile/states.js';
import { assertReadableFormat } from '../../store/data-format.js';
import {
  DEFAULT_BATCH,
  exportEvents,
  exportOrders,
  type ExportFilter,
  type ExportedEvent,
  type ExportedOrder,
} from '../../store/export.js';
import { openOps } from '../ops.js';

interface ExportFlags {
  what: string;
  format: string;
  state?: string;
  since?: string;
  until?: string;
  out?: string;
  batch: string;
  bom?: boolean;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, quotes doubled; null is empty. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record with its CRLF. */
export function csvLine(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Orders' CSV columns: the record's fields in order, then the history as JSON text. */
export const ORDER_COLUMNS = [
  'no_order',
  'oid_partner',
  'state',
  'final',
  'money_order',
  'money_captured',
  'dt_order',
  'oid_paybill',
  'pay_type',
  'valid_order',
  'platform',
  'ret_code',
  'ret_msg',
  'last_seen_code',
  'version',
  'polls',
  'tracked_at',
  'tracked_by',
  'tracked_source',
  'changed_at',
  'untracked_at',
  'next_poll_at',
  'deadline',
  'horizon_at',
  'not_found_since',
  'history',
] as const satisfies ReadonlyArray<keyof ExportedOrder>;

/** Events' CSV columns: the stream's, the CloudEvent's, the common keys of its data, then the whole data as JSON. */
export const EVENT_COLUMNS = [
  'stream_id',
  'added_at',
  'type',
  'id',
  'time',
  'subject',
  'no_order',
  'oid_partner',
  'oid_paybill',
  'dt_order',
  'money_order',
  'state',
  'previous_state',
  'via',
  'ret_code',
  'ret_msg',
  'data',
] as const;

function orderRow(o: ExportedOrder): string {
  return csvLine(ORDER_COLUMNS.map((c) => (c === 'history' ? JSON.stringify(o.history) : o[c])));
}

function eventRow(e: ExportedEvent): string {
  const data = (e.event?.data ?? {}) as unknown as Record<string, unknown>;
  const scalar = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return csvLine(
    EVENT_COLUMNS.map((c) => {
      if (c === 'stream_id' || c === 'added_at' || c === 'type') return e[c];
      if (c === 'id' || c === 'time' || c === 'subject') return scalar(e.event?.[c]);
      if (c === 'data') return e.event ? JSON.stringify(e.event.data) : null;
      return scalar(data[c]);
    }),
  );
}

/** An RFC 3339 time or date (`2026-01-05`, `2026-01-05T10:00:00+08:00`); without an offset it is UTC+8's. */
export function parseExportTime(text: string, flag: string): number {
  const at = DateTime.fromISO(text.trim(), { zone: LIANLIAN_ZONE });
  if (!at.isValid)
    throw fieldError(flag, `not an RFC 3339 time or date (e.g. 2026-01-05 or 2026-01-05T10:00:00+08:00): ${JSON.stringify(text)}`);
  return at.toMillis();
}

function filterOf(flags: ExportFlags): ExportFilter {
  const f: ExportFilter = {};
  if (flags.state !== undefined) {
    if (!isOrderState(flags.state)) throw fieldError('--state', `one of ${ORDER_STATES.join(', ')}`);
    f.state = flags.state;
  }
  if (flags.since !== undefined) f.since = parseExportTime(flags.since, '--since');
  if (flags.until !== undefined) f.until = parseExportTime(flags.until, '--until');
  if (f.since !== undefined && f.until !== undefined && f.until <= f.since) throw fieldError('--until', 'must be after --since');
  const batch = Number(flags.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw fieldError('--batch', 'a whole number from 1 to 10000');
  f.batch = batch;
  return f;
}

/** Writes `text`, waiting for the stream to drain when its buffer is full (memory stays bounded). */
async function put(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      'write orders (record and history) or events to JSON Lines or CSV, for finance and audits; secrets and card data are never exported',
    )
    .option('--what <what>', 'orders or events', 'orders')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--state <state>', 'orders now in this state; events bringing an order to it')
    .option('--since <time>', 'orders tracked, events added, at or after this RFC 3339 time or date (UTC+8 when no offset)')
    .option('--until <time>', 'and before this one')
    .option('--out <file>', 'write to this file (it appears once complete) instead of standard output')
    .option('--batch <n>', 'orders or events read from Redis at a time', String(DEFAULT_BATCH))
    .option('--bom', 'begin a CSV with a UTF-8 byte order mark (for spreadsheets that need one to read Chinese)')
    .addHelpText(
      'after',
      "\nMoney is a string with two decimals; times are RFC 3339 in UTC+8 (LianLian's zone), dt_order as LianLian wrote it.\n" +
        'Examples:\n  llrecon export --what orders --format csv --state captured --since 2026-01-01 --until 2026-02-01 --out january.csv\n' +
        '  llrecon export --what events --since 2026-01-05T00:00:00+08:00 > events.jsonl',
    )
    .action(async (flags: ExportFlags) => {
      if (flags.what !== 'orders' && flags.what !== 'events') throw fieldError('--what', 'orders or events');
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw fieldError('--format', 'jsonl or csv');
      const filter = filterOf(flags);
      const csv = flags.format === 'csv';
      const ops = await openOps(loadConfig());
      const part = flags.out === undefined ? null : `${flags.out}.part`;
      let out: Writable = process.stdout;
      let count = 0;
      try {
        await assertReadableFormat(ops);
        if (part !== null) {
          out = createWriteStream(part, { mode: 0o600 });
          await once(out, 'open');
        }
        if (csv) await put(out, `${flags.bom ? '\uFEFF' : ''}${csvLine(flags.what === 'orders' ? ORDER_COLUMNS : EVENT_COLUMNS)}`);
        if (flags.what === 'orders')
          for await (const batch of exportOrders(ops, filter)) {
            await put(out, batch.map((o) => (csv ? orderRow(o) : `${JSON.stringify(o)}\n`)).join(''));
            count += batch.length;
          }
        else
          for await (const batch of exportEvents(ops, filter)) {
            await put(out, batch.map((e) => (csv ? eventRow(e) : `${JSON.stringify(e)}\n`)).join(''));
            count += batch.length;
          }
        if (part !== null && flags.out !== undefined) {
          const file = out;
          await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
          renameSync(part, flags.out);
        }
        process.stderr.write(`exported ${count} ${flags.what}${flags.out === undefined ? '' : ` to ${flags.out}`}\n`);
      } catch (err) {
        if (part !== null) {
          out.destroy();
          rmSync(part, { force: true });
        }
        throw err;
      } finally {
        await ops.close();
      }
    });
}
