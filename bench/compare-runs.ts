// Compares `npm run bench` reports before and after a change: `node --import tsx bench/compare-runs.ts <dir>` reads
// <dir>/before-*.txt and <dir>/after-*.txt (each the stdout of one `node dist/bench/run.js`, run one after the other
// on one machine, interleaved) and prints a markdown table: each figure's runs, medians, and whether the two sets of
// runs overlap (a change within the spread of the runs is noise). bench/README.md says how to make the reports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Figures = Map<string, number>;

const num = (s: string): number => Number(s.replace(/,/g, ''));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The figures of one report, by name. */
export function figuresOf(text: string): Figures {
  const f: Figures = new Map();
  const set = (name: string, v: string | undefined) => v !== undefined && v !== '—' && f.set(name, num(v));
  for (const bits of ['1024', '2048']) {
    const m = new RegExp(`^\\| ${bits} \\| ([\\d,]+) \\| ([\\d.]+) \\(`, 'm').exec(text);
    set(`polls/s, ${bits}-bit keys`, m?.[1]);
    set(`llrecon CPU µs/poll, ${bits}-bit keys`, m?.[2]);
  }
  const ratio = /\*\*ratio\*\* llrecon \/ sum.*?\| \*\*([\d.]+)\*\*.*?\| \*\*([\d.]+)\*\*/.exec(text);
  set('llrecon / sum of its parts, 1024-bit', ratio?.[1]);
  set('llrecon / sum of its parts, 2048-bit', ratio?.[2]);
  set('Redis bytes per waiting order (20,000 orders)', /\*\*([\d,]+) bytes per order\*\*/.exec(text)?.[1]);
  set('daemon peak RSS MB (up to 100,000 orders)', /Peak RSS ([\d.]+) MB/.exec(text)?.[1]);
  set('daemon RSS growth 25k → 100k orders, MB', /Growth from 25,000 to 100,000 orders: ([\d.]+) MB/.exec(text)?.[1]);
  const closed = /^\| as fast as it goes \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \|/m.exec(text);
  set('callback ingest, closed loop: acknowledged/s', closed?.[1]);
  set('callback ingest, closed loop: p99 ms', closed?.[3]);
  const rounds = [...text.matchAll(/^\| 3,000\/s on schedule, round \d \| ([\d,]+) \|/gm)].map((m) => num(m[1] as string));
  if (rounds.length > 0) f.set('callback ingest, 3,000/s scheduled: median round acknowledged/s', median(rounds));
  const toEvent = /^\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| p99 ≤ 100 ms/m.exec(text);
  set('verified callback → event: p50 ms', toEvent?.[1]);
  set('verified callback → event: p99 ms', toEvent?.[2]);
  for (const size of ['0', '100,000', '1,000,000']) {
    const m = new RegExp(`^\\| ${esc(size)} \\| ([\\d,—]+) \\| ([\\d.]+) \\| ([\\d.]+) \\| ([\\d.]+) \\| ([\\d,]+) \\|`, 'm').exec(text);
    set(`scale ${size} orders: Redis bytes/order`, m?.[1]);
    set(`scale ${size} orders: daemon RSS MB`, m?.[2]);
    set(`scale ${size} orders: CPU µs/poll`, m?.[4]);
    set(`scale ${size} orders: polls/s`, m?.[5]);
  }
  set('whole run, s', /^Run .*?, (\d+) s\./m.exec(text)?.[1]);
  const load = /load:\s+1-min average ([\d.]+) at start, ([\d.]+) at end/.exec(text);
  set('load average (1 min) at start', load?.[1]);
  set('load average (1 min) at end', load?.[2]);
  return f;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1);

/** The markdown table comparing the two sets of runs, figure by figure (those every run reports). */
export function compareTable(before: readonly Figures[], after: readonly Figures[]): string {
  const names = [...(before[0]?.keys() ?? [])].filter((k) => [...before, ...after].every((f) => f.has(k)));
  const rows = names.map((k) => {
    const b = before.map((f) => f.get(k) as number);
    const a = after.map((f) => f.get(k) as number);
    const [bm, am] = [median(b), median(a)];
    const within = Math.min(...a) <= Math.max(...b) && Math.min(...b) <= Math.max(...a);
    const change = bm === 0 ? '' : ` (${am >= bm ? '+' : ''}${(((am - bm) / bm) * 100).toFixed(1)} %)`;
    return `| ${k} | ${b.map(fmt).join(' · ')} | ${a.map(fmt).join(' · ')} | ${fmt(bm)} → ${fmt(am)}${change} | ${within ? 'yes' : '**no**'} |`;
  });
  return [
    `| figure | before (${before.length} runs) | after (${after.length} runs) | median before → after | ranges overlap |`,
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node --import tsx bench/compare-runs.ts <dir with before-*.txt and after-*.txt>');
  const read = (side: string) =>
    readdirSync(dir)
      .filter((n) => n.startsWith(`${side}-`) && n.endsWith('.txt'))
      .sort()
      .map((n) => figuresOf(readFileSync(join(dir, n), 'utf8')));
  process.stdout.write(`${compareTable(read('before'), read('after'))}\n`);
}
