// The HTTP server: the orders API, LianLian's callbacks, health and metrics, and the admin pages; and, with
// NOTIFY_HTTP_PORT, a second server with LianLian's callbacks only. Every error, ours or Fastify's, is answered as
// `{"error":{"code","message","field"?}}` with the status of its code. Behind TRUST_PROXY's proxies, the client's
// address, scheme and host are taken from their X-Forwarded-For/-Proto/-Host (Fastify's trustProxy).
// Request bodies and credentials are never logged: Fastify's own request logging (which would log the whole
// request object) is off, and one line per request (method, route pattern, status, time) is logged at debug
// level instead.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Engine } from '../engine-types.js';
import { LlreconError, isLlreconError } from '../errors.js';
import { Access } from './access.js';
import { adminPlugin } from './admin/index.js';
import { documentOnlySchemas, registerOpenApi } from './openapi.js';
import { faviconRoute } from './routes/favicon.js';
import { healthRoutes } from './routes/health.js';
import { notifyRoutes } from './routes/notify.js';
import { orderRoutes } from './routes/orders.js';
import { actionRoutes } from './routes/actions.js';
import { settlementRoutes } from './routes/settlements.js';

/** Default body limit: a batch of 1000 orders fits. The notify routes set their own, smaller one. */
const API_BODY_LIMIT = 1024 * 1024;

/** How long a client has to send a whole request, headers and body: stalled or trickling senders get a 408. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (malformed HTTP, headers too large, a request not
 * received in time), answered in our error shape. Only the parser's code is logged: the error carries the raw bytes.
 */
function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new LlreconError('LLRECON_REQUEST_TIMEOUT')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new LlreconError('LLRECON_HEADERS_TOO_LARGE')
        : new LlreconError('LLRECON_BAD_REQUEST', 'malformed HTTP request');
  this.log.debug({ code: err.code, status: e.status }, 'client error');
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: e.toJSON() });
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nconnection: close\r\ncache-control: no-store\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export interface BuildAppOptions {
  /** Log through `engine.log` (default true); false: no logging at all. */
  logger?: boolean;
}

/** Methods tried when a path exists for other methods than the one asked (405 with `Allow`). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

/** Fastify's own errors (body parsing, URLs, routing) as ours; anything unknown is an internal error. */
function asLlreconError(err: FastifyError, req: FastifyRequest): LlreconError {
  if (isLlreconError(err)) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new LlreconError(
        'LLRECON_BODY_TOO_LARGE',
        `body too large: at most ${req.routeOptions.bodyLimit ?? API_BODY_LIMIT} bytes here`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new LlreconError('LLRECON_UNSUPPORTED_MEDIA_TYPE', 'content type not accepted here');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new LlreconError('LLRECON_INVALID_JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new LlreconError('LLRECON_INVALID_JSON', 'empty body: expected JSON');
  }
  const status = err.statusCode ?? 500;
  if (status === 404) return new LlreconError('LLRECON_ROUTE_NOT_FOUND');
  if (status === 413) return new LlreconError('LLRECON_BODY_TOO_LARGE');
  if (status === 415) return new LlreconError('LLRECON_UNSUPPORTED_MEDIA_TYPE');
  // Fastify's 4xx messages describe the request (bad URL encoding, wrong Content-Length), never its body
  if (status >= 400 && status < 500) return new LlreconError('LLRECON_BAD_REQUEST', err.message);
  return new LlreconError('LLRECON_INTERNAL', undefined, { cause: err });
}

/** Answer unknown paths with 404 and known paths asked with the wrong method with 405 and `Allow`. */
function installNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler(async (req, reply) => {
    const path = pathOf(req);
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    if (allowed.length === 0) throw new LlreconError('LLRECON_ROUTE_NOT_FOUND', `no route ${req.method} ${shown}`);
    reply.header('allow', allowed.join(', '));
    throw new LlreconError('LLRECON_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${shown} (allowed: ${allowed.join(', ')})`);
  });
}

/** TRUST_PROXY: the proxies whose X-Forwarded-* headers are believed (none: the peer is the client). */
function trustProxyOf(engine: Engine): string[] | false {
  const list = engine.config.trustProxy;
  return list !== null && list.length > 0 ? [...list] : false;
}

/**
 * What a request is logged as: its route pattern (`/orders/:no_order`, never the order number or anything else a
 * caller put in the path), or `(no route)`: an unknown path is whatever a stranger typed, a token or a card number
 * included.
 */
function loggedRoute(req: FastifyRequest): string {
  return req.routeOptions.url ?? '(no route)';
}

/** A Fastify server with our limits, error shape, 404/405 answers and request log line, and no route yet. */
function createServer(engine: Engine, opts: BuildAppOptions): FastifyInstance {
  const sendError = (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const e = asLlreconError(err, req);
    if (e.status >= 500) req.log.error({ err: e.code === 'LLRECON_INTERNAL' ? err : e, path: loggedRoute(req) }, 'request failed');
    return reply.code(e.status).header('cache-control', 'no-store').send({ error: e.toJSON() });
  };
  const app = Fastify({
    bodyLimit: API_BODY_LIMIT,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Node ignores requestTimeout while headersTimeout (60 s by default) is longer, and looks only every
    // connectionsCheckingInterval (30 s by default)
    http: { headersTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    clientErrorHandler,
    logController: new LogController({ disableRequestLogging: true }),
    // errors raised before routing (a malformed URL) do not reach the error handler
    frameworkErrors: sendError,
    trustProxy: trustProxyOf(engine),
    ...(opts.logger === false ? {} : { loggerInstance: engine.log.child({ component: 'http' }) as FastifyBaseLogger }),
  });

  app.setErrorHandler(sendError);
  documentOnlySchemas(app);
  installNotFound(app);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug(
      { method: req.method, path: loggedRoute(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http request',
    );
  });
  return app;
}

/**
 * The Fastify app serving `engine`: `/orders…` (a user's bearer token), `/notify/lianlian…` (public),
 * `/healthz`, `/readyz`, `/metrics` (public) and `/admin…`. Not listening yet: call `listen()` on it.
 */
export async function buildApp(engine: Engine, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = createServer(engine, opts);
  // one for the API and the pages: they share the users, the sessions and the throttle on failed sign-ins
  const access = Access.for(engine);
  // first: the document collects the routes registered after it (/openapi.json, /docs)
  await registerOpenApi(app);
  await app.register(healthRoutes, { engine });
  await app.register(orderRoutes, { engine, access });
  await app.register(actionRoutes, { engine, access });
  if (engine.settlements) await app.register(settlementRoutes, { engine, access });
  await app.register(notifyRoutes, { engine });
  await app.register(adminPlugin, { engine, access });
  await app.register(faviconRoute);
  return app;
}

/**
 * The public listener of NOTIFY_HTTP_PORT: LianLian's callbacks (`POST /notify/lianlian`, `POST
 * /notify/lianlian/return`) and nothing else — no API, no pages, no metrics or probes (404) — so that only it need
 * be reachable from the Internet. Not listening yet.
 */
export async function buildNotifyApp(engine: Engine, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = createServer(engine, opts);
  await app.register(notifyRoutes, { engine });
  return app;
}

/**
 * The listener of a process without the `api` role (ROLES=query, ROLES=notify): `/healthz`, `/readyz` and
 * `/metrics` only, so that every process can be probed and scraped. Not listening yet.
 */
export async function buildHealthApp(engine: Engine, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = createServer(engine, opts);
  await app.register(healthRoutes, { engine });
  return app;
}
