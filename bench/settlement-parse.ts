// Settlement file parsing throughput (issue 14's target: a 1,000,000-row monthly file at ≥ 50,000 rows/s on 2 cores,
// memory flat): writes a monthly JYMX file of the simulator's rows into a temporary directory, then reads it with
// readSettlementFile (encoding `auto`: the UTF-8 first pass included) and reports rows/s and the process's RSS before,
// at its highest while reading, and after. Parsing only: no Redis, no matching.
//   node --import tsx bench/settlement-parse.ts [--rows 1000000] [--encoding utf-8|gbk] [--chinese]
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import iconv from 'iconv-lite';
import { DETAIL_FIELDS } from '../src/lianlian/settlement/fields.js';
import { formatSettlementLine, orderRows } from '../src/sandbox/settlement-files.js';
import { readSettlementFile } from '../src/settlement/read-file.js';

const OID_PARTNER = '201408071000001546';
const MB = 1024 * 1024;

export interface SettlementParseResult {
  rows: number;
  fileBytes: number;
  encoding: string;
  seconds: number;
  rowsPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}

/** Writes a monthly file of `rows` rows (one refund per 50 orders) with backpressure; returns its path. */
export async function writeMonthlyFile(dir: string, rows: number, encoding: 'utf-8' | 'gbk', chinese: boolean): Promise<string> {
  const path = join(dir, `JYMX_${OID_PARTNER}_202405.txt`);
  const out = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!out.write(encoding === 'gbk' ? iconv.encode(text, 'gbk') : text)) await once(out, 'drain');
  };
  await write(`${formatSettlementLine(DETAIL_FIELDS)}\n`);
  let written = 0;
  let lines: string[] = [];
  for (let i = 0; written < rows; i += 1) {
    const day = String(1 + (i % 31)).padStart(2, '0');
    const order = {
      oid_partner: OID_PARTNER,
      no_order: `BENCH${String(i).padStart(10, '0')}`,
      dt_order: `202405${day}${String(i % 24).padStart(2, '0')}1530`,
      oid_paybill: `2024050${String(i).padStart(10, '0')}`,
      money_order: `${(i % 9000) + 1}.${String(i % 100).padStart(2, '0')}`,
      settle_date: `202405${day}`,
      ...(i % 50 === 49 && written + 2 <= rows ? { refund: { no_order: `REFUND${i}`, money_order: '1.00' } } : {}),
    };
    for (const fields of orderRows(order, false, { chineseInfo: chinese })) {
      lines.push(formatSettlementLine(fields, i % 2 === 0));
      written += 1;
    }
    if (lines.length >= 2000) {
      await write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) await write(`${lines.join('\n')}\n`);
  out.end();
  await once(out, 'close');
  return path;
}

export async function benchSettlementParse(
  rows = 1_000_000,
  encoding: 'utf-8' | 'gbk' = 'utf-8',
  chinese = false,
): Promise<SettlementParseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'llrecon-bench-settlement-'));
  try {
    const path = await writeMonthlyFile(dir, rows, encoding, chinese);
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 50);
    const started = process.hrtime.bigint();
    let read = 0;
    let decided = '';
    for await (const batch of readSettlementFile(path)) {
      read += batch.details.length;
      if (batch.done) decided = batch.encoding ?? '';
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    if (read !== rows) throw new Error(`benchmark: read ${read} rows of ${rows}`);
    return {
      rows: read,
      fileBytes: (await stat(path)).size,
      encoding: decided,
      seconds,
      rowsPerSecond: Math.round(read / seconds),
      rssBeforeMb: Math.round(rssBefore / MB),
      rssPeakMb: Math.round(peak / MB),
      rssAfterMb: Math.round(process.memoryUsage.rss() / MB),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, encoding: { type: 'string' }, chinese: { type: 'boolean' } } });
  const encoding = values.encoding === 'gbk' ? 'gbk' : 'utf-8';
  const result = await benchSettlementParse(Number(values.rows ?? 1_000_000), encoding, values.chinese === true);
  const target = result.rowsPerSecond >= 50_000 ? '✓' : '✗';
  console.log(
    `settlement parse: ${result.rows} rows (${Math.round(result.fileBytes / MB)} MB, ${result.encoding}) in ${result.seconds.toFixed(2)} s = ${result.rowsPerSecond} rows/s ${target} (target ≥ 50000); RSS ${result.rssBeforeMb} → peak ${result.rssPeakMb} → ${result.rssAfterMb} MB`,
  );
}
