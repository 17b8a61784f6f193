// The one HTTP client shape llrecon talks to LianLian with: got, keep-alive, a hard timeout, no hidden retries
// (the queue owns retries), and bodies read as text so signatures are checked over the bytes received.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import got, { RequestError, type Got } from 'got';
import { isLlreconError, LlreconError } from '../errors.js';
import type { PrivateKey, PublicKey } from '../lianlian/keys.js';
import { httpStatusError, transportError } from './transport-errors.js';

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** How long one request may take, connection included, before it fails with `LLRECON_TIMEOUT`. */
  timeoutMs: number;
  userAgent?: string;
}

const DEFAULT_USER_AGENT = 'llrecon (lianlian-reconciler)';

/** A got instance with its own keep-alive agents; close it with {@link closeHttpClient}. */
export function createHttpClient(opts: HttpClientOptions): Got {
  return got.extend({
    agent: {
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    },
    retry: { limit: 0 },
    timeout: { request: opts.timeoutMs },
    throwHttpErrors: false,
    responseType: 'text',
    headers: {
      'content-type': 'application/json;charset=utf-8',
      'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT,
    },
  });
}

/** Destroys the keep-alive agents of a client made by {@link createHttpClient} (open sockets included). */
export function closeHttpClient(client: Got): void {
  const { agent } = client.defaults.options;
  if (agent.http) agent.http.destroy();
  if (agent.https) agent.https.destroy();
}

/**
 * POSTs a JSON object and returns the 2xx answer's body as text. Throws `LLRECON_TIMEOUT`,
 * `LLRECON_TRANSPORT` or `LLRECON_HTTP_STATUS`.
 */
export async function postJson(
  client: Got,
  url: string,
  body: Record<string, string>,
  timeoutMs: number,
  sendBy?: number,
): Promise<string> {
  let res;
  try {
    res = await client.post(url, {
      body: JSON.stringify(body),
      timeout: { request: timeoutMs },
      responseType: 'text',
      // the last moment before the request is written: a rate-cap slot held too long is not used (rate-limiter.ts)
      hooks: sendBy === undefined ? {} : { beforeRequest: [() => assertSlotFresh(sendBy)] },
    });
  } catch (err) {
    if (err instanceof RequestError && isLlreconError(err.cause, 'LLRECON_SLOT_EXPIRED')) throw err.cause;
    throw transportError(err, url, timeoutMs);
  }
  if (res.statusCode < 200 || res.statusCode > 299) throw httpStatusError(res.statusCode, url);
  return res.body;
}

/** Throws `LLRECON_SLOT_EXPIRED` once `sendBy` (performance.now()) has passed: the request must not leave. */
function assertSlotFresh(sendBy: number): void {
  const late = performance.now() - sendBy;
  if (late > 0)
    throw new LlreconError('LLRECON_SLOT_EXPIRED', `the query's rate-cap slot expired ${late.toFixed(1)} ms before it could leave`);
}

/** What every client of a LianLian endpoint is given: where, as whom, and the key on each side. */
export interface EndpointClientOptions {
  /** The endpoint: `PREAUTH_QUERY_URL`, `VERIFY_API_URL`, or the simulator's `queryUrl` / `verifyUrl`. */
  url: string;
  oidPartner: string;
  /** The merchant's key, which signs the requests. */
  privateKey: PrivateKey;
  /** LianLian's key, which the answers must verify with. */
  lianlianPublicKey: PublicKey;
  timeoutMs: number;
  /** A shared client; without one the endpoint client makes (and closes) its own. */
  http?: Got;
}

/** A client of one LianLian endpoint, over a keep-alive HTTP client it shares or owns. */
export abstract class EndpointClient<O extends EndpointClientOptions> {
  private readonly http: Got;
  private readonly ownsHttp: boolean;

  constructor(protected readonly opts: O) {
    this.ownsHttp = opts.http === undefined;
    this.http = opts.http ?? createHttpClient({ timeoutMs: opts.timeoutMs });
  }

  /** POSTs a signed request to the endpoint (by `sendBy`, when given): the 2xx answer's body as text (see {@link postJson}). */
  protected post(request: Record<string, string>, sendBy?: number): Promise<string> {
    return postJson(this.http, this.opts.url, request, this.opts.timeoutMs, sendBy);
  }

  /** Releases the keep-alive connections (only those of a client it made itself). */
  close(): void {
    if (this.ownsHttp) closeHttpClient(this.http);
  }
}
