// The Redis Sentinel settings (REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD), a part of the one
// settings table (settings.ts spreads them after REDIS_CLUSTER): kept here so that the table stays readable.
import { text } from './parsers.js';
import { requiredWith, setting, SettingProblem, type Parser, type Setting } from './setting.js';

/** REDIS_URL's value through Sentinel when only REDIS_SENTINELS is set: no credentials, database 0. */
export const SENTINEL_URL_UNSET = 'redis://sentinel/0';

/** `host:port,…` (IPv6 in brackets): the sentinels to ask for the primary. */
const sentinelList: Parser<Array<{ host: string; port: number }>> = {
  parse(value) {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const out = items.map((item) => {
      const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) throw new SettingProblem(`must be a comma list of host:port (got "${item}")`);
      return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
    });
    if (out.length === 0) throw new SettingProblem('must name at least one sentinel as host:port');
    return out;
  },
  format: (v) => v.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(','),
};

export const SENTINEL_SETTINGS: readonly Setting[] = [
  setting({
    name: 'REDIS_SENTINELS',
    field: 'redisSentinels',
    meaning:
      'Redis through Sentinel: the sentinels, `host:port,…` (any of them answering is enough); `REDIS_URL` then gives only the data credentials and database, and a failover is followed within seconds',
    unset: 'no Sentinel',
    parser: sentinelList,
    check: (sentinels, ctx) =>
      sentinels === null
        ? null
        : ctx.raw('REDIS_CLUSTER')?.toLowerCase() === 'true'
          ? 'cannot be used with REDIS_CLUSTER=true (a Cluster fails over by itself)'
          : ctx.raw('REDIS_EMBEDDED')?.toLowerCase() === 'true'
            ? 'cannot be used with REDIS_EMBEDDED=true'
            : null,
  }),
  setting({
    name: 'REDIS_SENTINEL_NAME',
    field: 'redisSentinelName',
    meaning: "the primary's name in the sentinels' configuration (`sentinel monitor <name> …`)",
    unset: 'none (required with `REDIS_SENTINELS`)',
    parser: text((v) => (/^[\x21-\x7e]{1,128}$/.test(v) ? null : `must be 1–128 printable characters without spaces (got "${v}")`)),
    check: requiredWith('REDIS_SENTINELS', 'the name in `sentinel monitor <name> …`, e.g. mymaster'),
  }),
  setting({
    name: 'REDIS_SENTINEL_PASSWORD',
    field: 'redisSentinelPassword',
    meaning: "the sentinels' own password (`requirepass` in sentinel.conf), never printed; the data password is `REDIS_URL`'s",
    unset: 'none',
    file: true,
    secret: true,
    parser: text(),
  }),
];
