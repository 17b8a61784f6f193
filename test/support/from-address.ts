// HTTP requests from a chosen loopback source address (any of 127.0.0.0/8 on Linux), answered as a fetch
// Response: the auth throttle counts per source address, so tests that send many wrong tokens on purpose send
// each batch from an address of its own, and the throttle tests compare addresses.
import { request } from 'node:http';

export interface FromInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

let next = 0;

/** A fresh loopback address for this process (127.<pid-derived>.x.y), never 127.0.0.1. */
export function freshLoopback(): string {
  next += 1;
  const salt = (process.pid % 200) + 20;
  return `127.${salt}.${Math.floor(next / 250) % 250}.${(next % 250) + 2}`;
}

/** A fetch-like function whose requests leave from `localAddress`. Redirects are never followed. */
export function fetchFrom(localAddress: string): (url: string, init?: FromInit) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const body = init.body === undefined ? undefined : String(init.body);
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.body instanceof URLSearchParams && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = request(
        { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: init.method ?? 'GET', headers, localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (let i = 0; i < res.rawHeaders.length; i += 2) h.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
            const status = res.statusCode ?? 0;
            const empty = status === 204 || status === 304 || init.method === 'HEAD';
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: h }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
