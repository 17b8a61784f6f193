// The parsers of the access settings in the settings table (src/config/settings.ts): ADMIN_USERS_FILE (read and
// checked at start-up, so that a malformed file stops production with one clear line) and TRUST_PROXY.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { SettingProblem, type Parser } from '../config/setting.js';
import { isLlreconError } from '../errors.js';
import { combineUsers, readUsersFile } from './users.js';

/** ADMIN_USERS_FILE: the file's absolute path, once it reads as a valid users list. */
export const usersFile: Parser<string> = {
  parse(value, ctx) {
    const path = resolve(ctx.cwd, value);
    try {
      const users = readUsersFile(path);
      const adminToken = ctx.value('ADMIN_TOKEN');
      combineUsers(typeof adminToken === 'string' ? adminToken : null, users);
    } catch (err) {
      if (isLlreconError(err)) throw new SettingProblem(err.message);
      throw err;
    }
    return path;
  },
  format: (path) => path,
};

/** The named ranges of proxy-addr (Fastify's trustProxy) accepted besides addresses and CIDRs. */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function proxyEntryProblem(entry: string): string | null {
  if (NAMED.has(entry)) return null;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an IP address, a CIDR, or one of ${[...NAMED].join(', ')}`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}": the prefix length must be 1 to ${max}`;
  if (Number(bits) === 0) return `"${entry}" trusts every address: any client could then choose its own address and scheme`;
  return null;
}

/** TRUST_PROXY: a comma list of the reverse proxies' addresses, CIDRs, or `loopback`/`linklocal`/`uniquelocal`. */
export const proxyList: Parser<string[]> = {
  parse(value) {
    const entries = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (entries.length === 0) throw new SettingProblem('must list the addresses of your reverse proxies (comma-separated)');
    for (const e of entries) {
      const problem = proxyEntryProblem(e);
      if (problem !== null) throw new SettingProblem(problem);
    }
    return entries;
  },
  format: (entries) => entries.join(','),
};
