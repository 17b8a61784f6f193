// The settings as the start-up banner and `--help`-style output show them, derived from the table: secrets
// (keys, tokens, the webhook secret, passwords in URLs) are masked; nothing secret is in it.
import type { Setting } from './setting.js';
import { SETTINGS } from './settings.js';
import type { Config } from './types.js';

/** Markdown as plain text: code spans and links lose their marks. */
function plainText(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
}

function describeOne(s: Setting, config: Config): string {
  if (s.describe) return s.describe(config);
  const value = s.field === undefined ? null : config[s.field];
  if (value === null || value === undefined) return plainText(s.unset ?? '(unset)');
  return s.secret ? '(set, masked)' : s.parser.format(value);
}

/** A summary of the settings keyed by variable name, in the table's order. */
export function describeConfig(config: Config): Record<string, string> {
  return Object.fromEntries(SETTINGS.map((s) => [s.name, describeOne(s, config)]));
}
