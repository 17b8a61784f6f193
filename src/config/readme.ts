// The README's configuration table, derived from the settings table: `npm run docs:config` writes it between the
// markers, test/config-readme.test.ts fails while the README and the table disagree.
import type { Setting } from './setting.js';
import { SETTINGS } from './settings.js';

export const README_BEGIN = '<!-- config:begin -->';
export const README_END = '<!-- config:end -->';

/** A markdown table cell: pipes escaped. */
function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

function row(s: Setting): string {
  const variable = s.file ? `\`${s.name}\` / \`${s.name}_FILE\`` : `\`${s.name}\``;
  const unset = s.default !== undefined ? `\`${s.default}\`` : (s.unset ?? 'unset');
  const byDefault = s.requiredInProduction === undefined ? unset : `${unset}; production: required`;
  return `| ${variable} | ${cell(s.meaning)} | ${cell(byDefault)} |`;
}

/** The table's markdown lines. */
export function configTable(settings: readonly Setting[] = SETTINGS): string[] {
  return ['| variable | meaning | default |', '|---|---|---|', ...settings.map(row)];
}

/** `readme` with the text between the markers replaced by the table; throws when the markers are missing. */
export function withConfigTable(readme: string, settings: readonly Setting[] = SETTINGS): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README: the configuration table needs the markers ${README_BEGIN} … ${README_END}`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${configTable(settings).join('\n')}\n${readme.slice(end)}`;
}
