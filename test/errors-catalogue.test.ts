// The error catalogue (src/errors.ts) and its documentation (docs/errors.md) list the same codes, with the same
// status and kind; every code is raised somewhere in src/ or workers/; a retired code stays retired.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, RETIRED_CODES, type ErrorCode } from '../src/errors.js';
import { REPO_ROOT } from './support/repository-paths.js';

const DOC = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
const CODES = Object.keys(ERRORS) as ErrorCode[];
const RETIRED_HEADING = '## Retired codes';

interface DocEntry {
  status: number | null;
  kind: string | null;
  text: string;
}

/** Each `### \`LLRECON_…\`` section of the page before the retired codes: its status line and its text. */
function documentedEntries(doc: string): Map<string, DocEntry> {
  const current = doc.slice(0, doc.indexOf(RETIRED_HEADING) < 0 ? doc.length : doc.indexOf(RETIRED_HEADING));
  const entries = new Map<string, DocEntry>();
  const sections = current.split(/^### /m).slice(1);
  for (const section of sections) {
    const code = /^`(LLRECON_[A-Z0-9_]+)`/.exec(section)?.[1];
    if (code === undefined) continue;
    const line = /^Status (\d{3}) · kind (\w+)$/m.exec(section);
    entries.set(code, { status: line ? Number(line[1]) : null, kind: line?.[2] ?? null, text: section.split(/^## /m)[0] ?? '' });
  }
  return entries;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The sources that raise errors: src/ and workers/, without the catalogue itself. */
const SOURCES = ['src', 'workers']
  .flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)))
  .filter((file) => relative(REPO_ROOT, file) !== join('src', 'errors.ts'))
  .map((file) => readFileSync(file, 'utf8'));

/** Whether some source names `code` as a string literal (a mention in a comment does not count). */
function usedInSources(code: string): boolean {
  return SOURCES.some((text) => text.includes(`'${code}'`) || text.includes(`"${code}"`));
}

describe('the error catalogue and docs/errors.md', () => {
  const entries = documentedEntries(DOC);

  it('documents every code of the catalogue, with its status and kind', () => {
    expect(CODES.filter((code) => !entries.has(code))).toEqual([]);
    for (const code of CODES) {
      expect(entries.get(code), code).toMatchObject({ status: ERRORS[code].status, kind: ERRORS[code].kind });
    }
  });

  it('documents no code that is not in the catalogue', () => {
    expect([...entries.keys()].filter((code) => !(code in ERRORS))).toEqual([]);
    // nor mentions one anywhere on the page, but the retired ones
    const mentioned = new Set(DOC.match(/LLRECON_[A-Z0-9_]*[A-Z0-9]/g) ?? []);
    expect([...mentioned].filter((code) => !(code in ERRORS) && !RETIRED_CODES.includes(code))).toEqual([]);
  });

  it('says for each code when it happens and what to do', () => {
    for (const [code, entry] of entries) {
      expect(entry.text, code).toMatch(/\*\*When:\*\* \S/);
      expect(entry.text, code).toMatch(/\*\*What to do:\*\* \S/);
    }
  });

  it('has every code raised or used somewhere in src/ or workers/', () => {
    expect(SOURCES.length).toBeGreaterThan(50);
    expect(CODES.filter((code) => !usedInSources(code))).toEqual([]);
  });

  it('keeps retired codes retired: out of the catalogue, unused, listed under the retired codes', () => {
    const retiredSection = DOC.slice(DOC.indexOf(RETIRED_HEADING));
    expect(DOC.indexOf(RETIRED_HEADING)).toBeGreaterThan(0);
    for (const code of RETIRED_CODES) {
      expect(code in ERRORS, code).toBe(false);
      expect(usedInSources(code), code).toBe(false);
      expect(retiredSection, code).toContain(`\`${code}\``);
    }
  });
});
