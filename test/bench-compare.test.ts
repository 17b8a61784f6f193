// bench/compare-runs.ts: figures read from `npm run bench` reports, and whether two sets of runs overlap.
import { describe, expect, it } from 'vitest';
import { compareTable, figuresOf, median } from '../bench/compare-runs.js';

const report = (polls: string, bytes: string) =>
  [
    'Run 2026-12-03T16:54:25.580Z, 518 s. Reproduce: `npm run bench` (see bench/README.md).',
    'load:   1-min average 1.87 at start, 3.69 at end',
    `| 1024 | ${polls} | 713.9 (618.9 + 95.0) | ≥ 2,000 polls/s on 2 cores ✗ |`,
    `**${bytes} bytes per order** (INFO used_memory after − before)`,
  ].join('\n');

describe('bench comparison', () => {
  it('reads the figures of a report, thousands separators and all', () => {
    const f = figuresOf(report('1,482', '1,499'));
    expect(f.get('polls/s, 1024-bit keys')).toBe(1482);
    expect(f.get('llrecon CPU µs/poll, 1024-bit keys')).toBe(713.9);
    expect(f.get('Redis bytes per waiting order (20,000 orders)')).toBe(1499);
    expect(f.get('whole run, s')).toBe(518);
    expect(f.has('polls/s, 2048-bit keys')).toBe(false);
  });

  it('says whether the runs after fall within the spread of the runs before', () => {
    const before = [report('1,400', '1,499'), report('1,500', '1,499'), report('1,450', '1,499')].map(figuresOf);
    const after = [report('1,480', '1,499'), report('1,520', '1,499'), report('1,490', '1,499')].map(figuresOf);
    const slower = [report('900', '1,499'), report('950', '1,499'), report('920', '1,499')].map(figuresOf);
    const row = (table: string, name: string) => table.split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
    expect(row(compareTable(before, after), 'polls/s, 1024-bit keys')).toMatch(/1,450 → 1,490 \(\+2\.8 %\) \| yes \|$/);
    expect(row(compareTable(before, slower), 'polls/s, 1024-bit keys')).toMatch(/\| \*\*no\*\* \|$/);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
