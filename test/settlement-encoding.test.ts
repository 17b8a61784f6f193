// Settlement files in UTF-8 or GBK: `auto` reads UTF-8 unless some byte of the file is not UTF-8, then GBK — even
// when that byte comes late, after lines whose GBK bytes happened to be valid UTF-8 too. On disk the decision is a
// first pass over the bytes; on a one-pass stream, lines are held (bounded) until a byte decides.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { SettlementFileError, Utf8Validator, type DetailRow, type EncodingSetting } from '../src/lianlian/settlement/index.js';
import { CHINESE_INFO, settlementFiles } from '../src/sandbox/settlement-files.js';
import { detectFileEncoding, readSettlementFile, readSettlementStream } from '../src/settlement/read-file.js';

const P = '201408071000001546';
const NAME = `JYMX_${P}_20240502.txt`;
const dir = mkdtempSync(join(tmpdir(), 'llrecon-settlement-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GBK text whose bytes (C4A3 C4A5 C4A7) are valid UTF-8 too ("ģĥħ"): only a later byte can tell. */
const AMBIGUOUS = '模磨魔';
/** GBK text that is not UTF-8 (D6D0 CEC4). */
const PLAIN_GBK = '中文';

function line(noOrder: string, info: string): string {
  return `${noOrder}|${P}|20240501 10:10:10|101001|2024050100001|20240502|CNY|12.50|CNY|12.50|CNY|12.43|1.0000|0|20240502 09:00:00|0.07|1|F|${info}\n`;
}

/** Ambiguous first line, `fill` ASCII lines, then a line only GBK can be. */
function lateGbkFile(fill: number): Buffer {
  const lines = [line('A0', AMBIGUOUS)];
  for (let i = 1; i <= fill; i += 1) lines.push(line(`A${i}`, 'plain'));
  lines.push(line('LAST', PLAIN_GBK));
  return iconv.encode(lines.join(''), 'gbk');
}

async function fromDisk(bytes: Buffer, encoding: EncodingSetting = 'auto') {
  const path = join(dir, NAME);
  writeFileSync(path, bytes);
  const rows: DetailRow[] = [];
  let decided: string | null = null;
  for await (const batch of readSettlementFile(path, { encoding })) {
    rows.push(...batch.details);
    if (batch.done) decided = batch.encoding;
  }
  return { rows, decided };
}

async function fromStream(bytes: Buffer, options: { encoding?: EncodingSetting; holdBytes?: number; chunk?: number } = {}) {
  const chunk = options.chunk ?? 4096;
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  }
  const rows: DetailRow[] = [];
  let decided: string | null = null;
  for await (const batch of readSettlementStream(chunks(), { name: NAME, encoding: options.encoding, holdBytes: options.holdBytes })) {
    rows.push(...batch.details);
    if (batch.done) decided = batch.encoding;
  }
  return { rows, decided };
}

describe('both encodings, from the simulator', () => {
  const order = {
    oid_partner: P,
    no_order: 'A1',
    dt_order: '20240501101010',
    oid_paybill: '2024050100001',
    money_order: '12.50',
    settle_date: '20240502',
  };
  it.each(['utf-8', 'gbk'] as const)('%s: auto and forced read the Chinese text', async (encoding) => {
    const [file] = settlementFiles([order], { encoding, chineseInfo: true }).daily;
    for (const setting of ['auto', encoding] as const) {
      const disk = await fromDisk(file!.bytes, setting);
      const stream = await fromStream(file!.bytes, { encoding: setting, chunk: 3 });
      expect([disk.decided, disk.rows[0]?.info_order]).toEqual([encoding, CHINESE_INFO]);
      expect([stream.decided, stream.rows[0]?.info_order]).toEqual([encoding, CHINESE_INFO]);
    }
  });

  it('forced utf-8 refuses GBK bytes, naming the line and the column', async () => {
    const bytes = iconv.encode(line('A1', 'ok') + line('A2', PLAIN_GBK), 'gbk');
    const error = await fromDisk(bytes, 'utf-8').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SettlementFileError);
    expect([(error as SettlementFileError).line, (error as SettlementFileError).column]).toEqual([2, 'info_order']);
  });

  it('forced gbk refuses bytes that are not GBK, naming the line and the column', async () => {
    const bytes = Buffer.concat([Buffer.from(line('A1', 'ok')), Buffer.from(line('A2', 'x').replace('|1|F|', '|1|F\xff|'), 'latin1')]);
    const error = await fromStream(bytes, { encoding: 'gbk' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SettlementFileError);
    expect([(error as SettlementFileError).line, (error as SettlementFileError).column]).toEqual([2, 'pay_type']);
  });
});

describe('a late non-UTF-8 byte makes the whole file GBK', () => {
  const bytes = lateGbkFile(3000);

  it('the early lines really are valid UTF-8 (the case is real)', () => {
    const firstLine = bytes.subarray(0, bytes.indexOf(0x0a) + 1);
    expect(new Utf8Validator().push(firstLine)).toBe(true);
    expect(firstLine.toString('utf8')).toContain('ģĥħ');
  });

  it('on disk: the first pass decides GBK; line 1 reads as GBK', async () => {
    const { rows, decided } = await fromDisk(bytes);
    expect(await detectFileEncoding(join(dir, NAME))).toBe('gbk');
    expect(decided).toBe('gbk');
    expect(rows).toHaveLength(3002);
    expect([rows[0]?.info_order, rows.at(-1)?.info_order]).toEqual([AMBIGUOUS, PLAIN_GBK]);
  });

  it('on a stream: lines are held from the first non-ASCII one until the deciding byte', async () => {
    const { rows, decided } = await fromStream(bytes, { chunk: 1000 });
    expect(decided).toBe('gbk');
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 3002 }, (_, i) => i + 1));
    expect([rows[0]?.info_order, rows.at(-1)?.info_order]).toEqual([AMBIGUOUS, PLAIN_GBK]);
  });

  it('on a stream whose hold is used up: refused at the deciding line, never read in the wrong encoding', async () => {
    const error = await fromStream(bytes, { holdBytes: 10_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SettlementFileError);
    expect((error as SettlementFileError).line).toBe(3002);
  });

  it('a UTF-8 file with Chinese text throughout streams through the hold (decided UTF-8 at the end)', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => line(`U${i}`, '中文 UTF-8')).join('');
    const { rows, decided } = await fromStream(Buffer.from(text), { chunk: 999 });
    expect(decided).toBe('utf-8');
    expect(rows).toHaveLength(2000);
    expect(rows[1999]?.info_order).toBe('中文 UTF-8');
  });
});

describe('Utf8Validator', () => {
  it('carries a character split across chunks', () => {
    const bytes = Buffer.from('a中b😀c');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const validator = new Utf8Validator();
      expect(validator.push(bytes.subarray(0, cut)) && validator.push(bytes.subarray(cut)) && validator.end(), `cut at ${cut}`).toBe(true);
    }
  });

  it('refuses a character cut off by the end, and a bad byte anywhere', () => {
    const cut = new Utf8Validator();
    cut.push(Buffer.from('a中').subarray(0, 3));
    expect(cut.end()).toBe(false);
    const bad = new Utf8Validator();
    expect(bad.push(Buffer.from('abc'))).toBe(true);
    expect(bad.push(Buffer.from([0x61, 0xd6, 0xd0]))).toBe(false);
  });
});
