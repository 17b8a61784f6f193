// A Redis Lua script as one value: its command name, how many of its arguments are KEYS, and its source. Each
// script's module declares it together with a typed caller that builds KEYS, from the keyspace, in the order the
// script reads them; defineScripts() (scripts/index.ts) puts every one of them on a connection.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { LlreconError } from '../../errors.js';

export interface RedisScript {
  /** The command ioredis defines on a connection (and on the pipelines made from it). */
  readonly name: string;
  /** How many leading arguments are KEYS (the rest are ARGV). */
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** A script argument. */
export type ScriptArg = string | number;

/** A connection, or a pipeline made from one after the scripts were defined (its replies come with exec()). */
export type ScriptTarget = Redis | Cluster | ChainableCommander;

/** `''` stands for null in script arguments (null fields are absent from the hash). */
export const orEmpty = (v: string | number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/**
 * Runs `script` on `target` with `keys` (exactly numberOfKeys of them) then `args`. On a pipeline the returned
 * value is not the reply: read that from exec().
 */
export function callScript(
  target: ScriptTarget,
  script: RedisScript,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  if (keys.length !== script.numberOfKeys)
    throw new LlreconError('LLRECON_INTERNAL', `Redis script ${script.name} takes ${script.numberOfKeys} keys, not ${keys.length}`);
  const fn = (target as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[script.name];
  if (typeof fn !== 'function') throw new LlreconError('LLRECON_INTERNAL', `Redis script ${script.name} is not defined`);
  return fn.call(target, ...keys, ...args);
}
