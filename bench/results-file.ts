// bench/RESULTS.md holds the latest full run of each of `npm run bench` and `npm run chaos`, one block each:
// a script replaces its own block and leaves the other's as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: the nearest folder above this file with a package.json (this file may run from dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench/results-file: no package.json above this file');
    dir = up;
  }
  return dir;
}

/** The file both scripts write. */
export const RESULTS_FILE = join(repoRoot(), 'bench', 'RESULTS.md');

const TITLE = '# llrecon: measured results';
const INTRO =
  'The latest full run of `npm run bench`, `npm run chaos` and `npm run bench:flood`, each written by its script (a script replaces ' +
  'its own block). How to reproduce them: bench/README.md.';

/** The blocks, in the order they appear in the file. */
export type ResultsBlock = 'bench' | 'comparison' | 'chaos' | 'flood' | 'settlement';
// `comparison`: `npm run bench` before and after a change, three runs each (its table printed by bench/compare-runs.ts)
const ORDER: readonly ResultsBlock[] = ['bench', 'comparison', 'chaos', 'flood', 'settlement'];

const begin = (b: ResultsBlock): string => `<!-- ${b}:begin -->`;
const end = (b: ResultsBlock): string => `<!-- ${b}:end -->`;

/** `markdown` with each heading one level deeper (outside code fences): a report's `#` becomes a section. */
export function demoteHeadings(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && /^#{1,5} /.test(line) ? `#${line}` : line;
    })
    .join('\n');
}

/** The file's text with `block` set to `report` (its headings demoted), the other block kept. */
export function withBlock(current: string, block: ResultsBlock, report: string): string {
  const blocks = new Map<ResultsBlock, string>();
  for (const b of ORDER) {
    const from = current.indexOf(begin(b));
    const to = current.indexOf(end(b));
    if (from >= 0 && to > from) blocks.set(b, current.slice(from + begin(b).length, to).trim());
  }
  blocks.set(block, demoteHeadings(report.trim()));
  const parts = [TITLE, '', INTRO, ''];
  for (const b of ORDER) {
    const body = blocks.get(b);
    if (body !== undefined) parts.push(begin(b), body, end(b), '');
  }
  return parts.join('\n');
}

/** Replaces `block` of bench/RESULTS.md with `report`. */
export function writeResults(block: ResultsBlock, report: string): void {
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '';
  writeFileSync(RESULTS_FILE, withBlock(current, block, report));
}
