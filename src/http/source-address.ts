// Source addresses of public requests: the allow-list of NOTIFY_ALLOWED_SOURCES (CIDRs, IPv4 and IPv6) and the key a
// sender's failures are counted under. The address given is Fastify's `req.ip`: the peer, or behind TRUST_PROXY's
// proxies the forwarded client, so that a proxy's own address is never what is allowed or throttled.
import { BlockList, isIP } from 'node:net';
import { SettingProblem, type Parser } from '../config/setting.js';

/** One entry of a CIDR list: an address (a /32 or /128) or `address/bits`; the problem with it, or null. */
export function cidrProblem(entry: string): string | null {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an IP address or a CIDR (e.g. 203.0.113.0/24, 2001:db8::/32)`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}": the prefix length must be 0 to ${max}`;
  return null;
}

/** A compiled allow-list: `allows(address)` for IPv4, IPv6 and IPv4-mapped IPv6 addresses. */
export interface SourceList {
  allows(address: string): boolean;
}

/** The allow-list of `entries` (each valid per {@link cidrProblem}); null entries: every source is allowed. */
export function sourceList(entries: readonly string[] | null): SourceList {
  if (entries === null) return { allows: () => true };
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type);
  }
  return {
    allows(address) {
      const family = isIP(address);
      // BlockList matches an IPv4-mapped IPv6 address (::ffff:a.b.c.d) against IPv4 subnets too
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** `::ffff:a.b.c.d` as `a.b.c.d`; anything else unchanged. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m?.[1] ?? address;
}

/** The eight groups of an IPv6 address, expanded (`2001:db8::1` → 2001,db8,0,…,1). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  // an embedded IPv4 tail (::ffff:1.2.3.4 forms other than the plain mapped one) counts as two groups
  const fill = 8 - h.length - t.length - t.filter((g) => g.includes('.')).length;
  return [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The key a sender's failures are counted under: an IPv4 address itself, an IPv6 address's /64 (one subscriber
 * usually holds a whole /64, and would otherwise get 2^64 fresh budgets).
 */
export function sourceKey(address: string): string {
  const a = unmapped(address);
  if (isIP(a) !== 6) return a;
  return `${ipv6Groups(a).slice(0, 4).join(':')}::/64`;
}

/** NOTIFY_ALLOWED_SOURCES: a comma list of addresses and CIDRs, IPv4 or IPv6. */
export const sourceCidrList: Parser<string[]> = {
  parse(value) {
    const entries = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (entries.length === 0) throw new SettingProblem("must list LianLian's source addresses or CIDRs (comma-separated)");
    for (const e of entries) {
      const problem = cidrProblem(e);
      if (problem !== null) throw new SettingProblem(problem);
    }
    return entries;
  },
  format: (entries) => entries.join(','),
};
