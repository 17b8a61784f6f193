// The README's configuration table is derived from the settings table (src/config/settings.ts): this fails while
// they disagree (fix: npm run docs:config), and checks what the derivation promises.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, README_BEGIN, README_END, withConfigTable } from '../src/config/readme.js';
import { SETTINGS } from '../src/config/settings.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The variables a table row names (`A` / `A_FILE` rows name both). */
function variablesOf(row: string): string[] {
  const first = row.split(' | ')[0] ?? '';
  return [...first.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!);
}

describe('README configuration table', () => {
  it('is what the settings table makes (run npm run docs:config after changing a setting)', () => {
    expect(readme).toContain(README_BEGIN);
    expect(readme).toContain(README_END);
    const between = readme.slice(readme.indexOf(README_BEGIN) + README_BEGIN.length, readme.indexOf(README_END)).trim();
    expect(between.split('\n')).toEqual(configTable());
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per setting, in the table order, naming the file variant of file settings', () => {
    const rows = configTable().slice(2);
    expect(rows.map(variablesOf)).toEqual(SETTINGS.map((s) => (s.file ? [s.name, `${s.name}_FILE`] : [s.name])));
  });

  it('shows a default exactly as it is written in the table, and production requirements', () => {
    const rows = new Map(
      configTable()
        .slice(2)
        .map((r) => [variablesOf(r)[0]!, r]),
    );
    expect(rows.get('QUERY_TIMEOUT')).toMatch(/\| `10s` \|$/);
    expect(rows.get('ROLES')).toMatch(/\| `api,query,notify` \|$/);
    for (const s of SETTINGS.filter((x) => x.requiredInProduction !== undefined))
      expect(rows.get(s.name)).toMatch(/production: required \|$/);
  });

  it('is refused without its markers', () => {
    expect(() => withConfigTable('# no markers here\n')).toThrow(/config:begin/);
  });
});
