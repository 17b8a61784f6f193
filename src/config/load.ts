// Reading the settings: once, from the environment (and a `.env` file in the working directory, which real
// environment variables override), every setting of the table in order, all problems collected and reported
// together, one line each naming the variable. Keys stay text here: importing them is the daemon's job.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { SettingProblem, type ReadContext, type Setting } from './setting.js';
import { SETTINGS } from './settings.js';
import { ConfigError, type Config, type LoadConfigOptions } from './types.js';

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Reads the `.env` file of `cwd` when there is one: its variables, or a problem line. */
function readDotEnv(cwd: string, problems: string[]): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return {};
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`.env: cannot read ${file} (${reason(err)})`);
    return {};
  }
}

/** Accepts `\n` escapes in a PEM given on one line (common in container environments). */
function unescapePem(text: string): string {
  return text.includes('-----BEGIN') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
}

type Text = { kind: 'unset' } | { kind: 'text'; text: string } | { kind: 'problem'; line: string };

/** The setting's text: its variable, or for a `file` setting the file that `<name>_FILE` names (never both). */
function textOf(s: Setting, raw: (name: string) => string | undefined, cwd: string): Text {
  const inline = raw(s.name);
  const fileName = `${s.name}_FILE`;
  const path = s.file ? raw(fileName) : undefined;
  if (inline !== undefined && path !== undefined)
    return { kind: 'problem', line: `${s.name}: set either ${s.name} or ${fileName}, not both` };
  if (inline !== undefined) return { kind: 'text', text: s.file ? unescapePem(inline) : inline };
  if (path === undefined) return { kind: 'unset' };
  const file = resolve(cwd, path);
  try {
    const content = readFileSync(file, 'utf8').trim();
    return content ? { kind: 'text', text: content } : { kind: 'problem', line: `${fileName}: ${file} is empty` };
  } catch (err) {
    return { kind: 'problem', line: `${fileName}: cannot read ${file} (${reason(err)})` };
  }
}

/** One setting's value, or null with its problems added to `problems`. */
function read(s: Setting, text: Text, ctx: ReadContext, problems: string[]): unknown {
  const report = (message: string) => {
    for (const line of message.split('\n')) problems.push(line.startsWith(s.name) ? line : `${s.name}: ${line}`);
  };
  if (text.kind === 'problem') {
    problems.push(text.line);
    return null;
  }
  let value: unknown;
  try {
    if (text.kind === 'text') value = s.parser.parse(text.text, ctx);
    else if (s.default !== undefined) value = s.parser.parse(s.default, ctx);
    else value = s.whenUnset?.(ctx) ?? null;
  } catch (err) {
    if (!(err instanceof SettingProblem)) throw err;
    report(err.message);
    return null;
  }
  if (text.kind === 'unset' && s.requiredInProduction !== undefined && ctx.production)
    report(`required in production (${s.file ? `set it or ${s.name}_FILE: ` : ''}${s.requiredInProduction})`);
  const problem = s.check?.(value, ctx);
  if (problem) report(problem);
  return value;
}

/**
 * Reads and checks every setting. Throws a ConfigError listing all problems at once (one line each, naming the
 * variable); values of secret variables never appear in it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadConfigOptions = {}): Config {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const problems: string[] = [];
  const vars = { ...readDotEnv(cwd, problems), ...env };
  const raw = (name: string): string | undefined => vars[name]?.trim() || undefined;
  const values = new Map<string, unknown>();
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const ctx: ReadContext = {
      name: s.name,
      production: values.get('LIANLIAN_ENV') === 'production',
      cwd,
      raw,
      value: (name) => values.get(name) ?? null,
    };
    const value = read(s, textOf(s, raw, cwd), ctx, problems);
    values.set(s.name, value);
    if (s.field !== undefined) config[s.field] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as Config;
}
