// What one entry of the settings table (settings.ts) says about an environment variable. Everything else is
// derived from the table: reading and checking (load.ts), the banner summary (describe.ts), the README's
// configuration table (readme.ts).
import type { Config } from './types.js';

/** What a setting's parser and checks may look at besides its own text. */
export interface ReadContext {
  /** The variable being read. */
  readonly name: string;
  /** LIANLIAN_ENV is `production` (the first setting, so every other one sees it). */
  readonly production: boolean;
  /** Where relative paths start. */
  readonly cwd: string;
  /** Any variable's trimmed text; undefined when unset or blank. */
  raw(name: string): string | undefined;
  /** The value of a setting read earlier in the table; null when it was unset or had a problem. */
  value(name: string): unknown;
}

/** How a setting's text becomes a value, and how the banner shows that value. */
export interface Parser<T> {
  /** Reads trimmed, non-blank text; throws SettingProblem when it is not acceptable. */
  parse(text: string, ctx: ReadContext): T;
  /** The value as the banner shows it (never a secret: secret settings are not formatted). */
  format(value: T): string;
}

/** One problem with a setting's text: the message, which the loader prefixes with the variable's name. */
export class SettingProblem extends Error {}

export interface Setting<T = unknown> {
  /** The environment variable. */
  readonly name: string;
  /** The Config property it sets; none when it only feeds a later setting (which reads it with `ctx.value`). */
  readonly field?: keyof Config;
  /** What it means: the README's "meaning" column (markdown). */
  readonly meaning: string;
  /** The value when unset, written as a person would write it: parsed like one, shown in the README as code. */
  readonly default?: string;
  /** When there is no such value: what being unset means, in words (markdown; the README's default column). */
  readonly unset?: string;
  readonly parser: Parser<T>;
  /** The value when unset and there is no `default` (else null), e.g. production's LianLian endpoint. */
  readonly whenUnset?: (ctx: ReadContext) => T | null;
  /** Also given as a file that `<name>_FILE` names; given inline on one line, `\n` escapes become newlines. */
  readonly file?: boolean;
  /** Never echoed: the banner shows only "(set, masked)", and the parser's messages do not quote the text. */
  readonly secret?: boolean;
  /** Production refuses to start while it is unset; what to give (ends the problem line). */
  readonly requiredInProduction?: string;
  /** A check against the mode or other settings once read, also when unset: a problem message, or null. */
  readonly check?: (value: T | null, ctx: ReadContext) => string | null;
  /** The banner's text, where the generic one (formatted value, "(set, masked)", or the unset text) does not fit. */
  readonly describe?: (config: Config) => string;
}

/** The Config properties a value of type T may set. */
type FieldsTaking<T> = { [K in keyof Config]-?: [T] extends [Config[K]] ? K : never }[keyof Config];

/** Declares one setting; the field, when given, must be able to hold what the parser makes. */
export function setting<T>(s: Setting<T> & { field?: FieldsTaking<T> }): Setting {
  return s as Setting;
}

/** A check for two settings that make sense only together: `name` is required once `other` is set. */
export function requiredWith(other: string, hint?: string): (value: unknown, ctx: ReadContext) => string | null {
  return (_value, ctx) =>
    ctx.raw(ctx.name) === undefined && ctx.raw(other) !== undefined ? `required when ${other} is set${hint ? ` (${hint})` : ''}` : null;
}
