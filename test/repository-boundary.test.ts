// The suite runs on any clone: no test, bench or chaos source names a file outside the repository, and the
// runtime guard (test/support/fs-guard.ts, a setup file) refuses a test process that opens one anyway.
import fs, { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { takeRefusals } from './support/fs-guard.js';
import { REPO_ROOT, isWithin, outsideRepository } from './support/repository-paths.js';

const SCANNED_DIRS = ['test', 'bench', 'chaos'];
const THIS_FILE = fileURLToPath(import.meta.url);

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** A string literal's text, for the literals of a source (quotes of any kind; template holes left as they are). */
function stringLiterals(source: string): string[] {
  return [...source.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * What in `source` (the text of `file`) names a path outside the repository: a relative path (`../…`) that climbs
 * above the root from the file's directory, a run of `'..'` arguments that does, a `shared/` workspace path, or an
 * absolute path of the workspace.
 */
function escapes(file: string, source: string): string[] {
  const found: string[] = [];
  const dir = dirname(file);
  for (const text of stringLiterals(source)) {
    if (/^(?:\.\.\/)+/.test(text) && !isWithin(resolve(dir, text), REPO_ROOT)) found.push(`'${text}' climbs out of the repository`);
    if (/(?:^|\/)shared\/(?:vectors|spec|seeds)\b/.test(text)) found.push(`'${text}' names the workspace's shared directory`);
    if (/^\/work\//.test(text)) found.push(`'${text}' is an absolute workspace path`);
  }
  const depth = relative(REPO_ROOT, dir).split(sep).filter(Boolean).length;
  for (const run of source.matchAll(/(?:(['"])\.\.\1\s*,\s*)+(?:(['"])\.\.\2)?/g)) {
    const ups = (run[0].match(/\.\./g) ?? []).length;
    if (ups > depth) found.push(`${run[0].trim()} climbs ${ups} levels from ${relative(REPO_ROOT, dir)}/`);
  }
  return found;
}

describe('tests read nothing outside the repository', () => {
  it('no test, bench or chaos source names a path outside the repository', () => {
    const problems = SCANNED_DIRS.flatMap((d) => sourcesUnder(join(REPO_ROOT, d)))
      .filter((file) => file !== THIS_FILE)
      .flatMap((file) => escapes(file, readFileSync(file, 'utf8')).map((what) => `${relative(REPO_ROOT, file)}: ${what}`));
    expect(problems).toEqual([]);
  });

  it('the scan sees each way of climbing out', () => {
    const file = join(REPO_ROOT, 'test', 'x.test.ts');
    // the samples are assembled so that this file's own text names no outside path
    const sibling = ['..', '..', 'shared', 'vectors', 'a.json'].join('/');
    const workspace = ['', 'work', 'notes', 'x.md'].join('/');
    expect(escapes(file, `new URL('${sibling}', import.meta.url)`)).toHaveLength(2);
    expect(escapes(file, `join(__dirname, '..', '..', 'data')`)).toHaveLength(1);
    expect(escapes(file, `readFileSync("${workspace}")`)).toHaveLength(1);
    // inside: the root itself, and the repository's own files
    expect(escapes(file, `new URL('..', import.meta.url); join(__dirname, '..', 'src'); '../src/errors.js'`)).toEqual([]);
    expect(escapes(join(REPO_ROOT, 'test', 'support', 'x.ts'), `new URL('../..', import.meta.url); '../../src/a.js'`)).toEqual([]);
  });

  it('the runtime guard refuses, in every form, a test that opens a file outside, and lets the rest through', async () => {
    // beside the clone, unless the clone itself sits in an allowed place (a temp dir): then the file system's root
    const name = `not-in-the-repository-${process.pid}.json`;
    const outside = [resolve(REPO_ROOT, '..', name), join('/', name)].find((p) => outsideRepository(p)) ?? '';
    expect(outsideRepository(outside)).toBe(true);
    expect(() => readFileSync(outside)).toThrow(/outside the repository/);
    expect(() => fs.readFileSync(new URL(`file://${outside}`))).toThrow(/outside the repository/);
    await expect(readFile(outside)).rejects.toThrow(/outside the repository/);
    const viaCallback = await new Promise<unknown>((done) => fs.readFile(outside, (err) => done(err)));
    expect(viaCallback).toMatchObject({ code: 'ERR_TEST_OUTSIDE_REPOSITORY' });
    expect(() => fs.writeFileSync(outside, '{}')).toThrow(/outside the repository/);
    expect(takeRefusals()).toHaveLength(5);
    // the repository, the temp directory and the system's files stay readable
    expect(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).toContain('"name"');
    expect(readdirSync(join(REPO_ROOT, 'node_modules')).length).toBeGreaterThan(0);
    expect(readFileSync('/proc/self/status', 'utf8')).toContain('Pid:');
    expect(takeRefusals()).toEqual([]);
  });
});
