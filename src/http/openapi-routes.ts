// Each JSON API route's schema: what it takes and every answer it gives, for the API reference (`/openapi.json`,
// `/docs`). The routes attach these (`{ schema: ROUTE_SCHEMAS.… }`); the routes' own parsers stay the judges of
// their input (their errors name the field at fault), so the request parts here describe, and never refuse.
import {
  actionView,
  closed,
  dayReport,
  daySummary,
  errorBody,
  importResult,
  money,
  noteProps,
  nstr,
  ntime,
  orderDetail,
  orderInput,
  orderSummary,
  readiness,
  state,
  str,
} from './openapi-schemas.js';

import type { FastifySchema } from 'fastify';

type Schema = Record<string, unknown>;
type Security = Array<Record<string, string[]>>;

const BEARER: Security = [{ bearerAuth: [] }];
const PUBLIC: Security = [];

const err = (description: string): Schema => ({ description, ...errorBody });

/** The error answers a bearer-token route may give besides its own. */
const AUTH_ERRORS: Record<string, Schema> = {
  401: err('no credentials'),
  403: err('a wrong token, or a viewer asking for a change'),
  503: err('Redis did not answer in time'),
};

/** Answers of a route behind the token: its own, the auth errors, and a 400 for bad input. */
function guarded(own: Record<string, Schema>): Record<string, Schema> {
  return { ...own, 400: err('invalid input (`field` names it)'), ...AUTH_ERRORS };
}

const noOrder = closed({ no_order: { type: 'string', description: "the merchant's order number" } });
const jsonBody = (schema: Schema, required = true): Schema => ({ content: { 'application/json': { schema } }, required });

export const ROUTE_SCHEMAS = {
  track: {
    tags: ['orders'],
    summary: 'Start tracking one order, or up to 1000',
    description:
      'Re-posting a tracked order is a duplicate, never a second poller; with different fields it is a 409 naming them. ' +
      'A batch with an invalid item is refused whole, `field` naming the item by its index (`orders[1].dt_order`).',
    security: BEARER,
    headers: { type: 'object', properties: { 'x-llrecon-actor': { type: 'string', maxLength: 200 } } },
    body: {
      oneOf: [orderInput, closed({ orders: { type: 'array', items: orderInput, minItems: 1, maxItems: 1000 } })],
    },
    response: guarded({
      202: {
        description: 'tracked',
        ...closed({ accepted: { type: 'array', items: str() }, duplicates: { type: 'array', items: str() } }),
      },
      409: err('LLRECON_ORDER_CONFLICT: a tracked order posted again with other fields'),
      413: err('body too large'),
      415: err('not application/json'),
    }),
  },
  list: {
    tags: ['orders'],
    summary: 'Tracked orders, newest first, paged by an opaque cursor',
    security: BEARER,
    querystring: {
      type: 'object',
      properties: {
        state: { type: 'string', description: 'one state, or several separated by commas' },
        since: { type: 'string', format: 'date-time', description: 'tracked at or after (RFC 3339)' },
        cursor: { type: 'string', description: "the previous page's next_cursor" },
        limit: { type: 'integer', minimum: 1, default: 50 },
      },
      additionalProperties: false,
    },
    response: guarded({
      200: {
        description: 'one page',
        ...closed({ orders: { type: 'array', items: orderSummary }, next_cursor: nstr('null on the last page') }),
      },
    }),
  },
  get: {
    tags: ['orders'],
    summary: 'One order with its history',
    security: BEARER,
    params: noOrder,
    response: guarded({ 200: { description: 'the order', ...orderDetail }, 404: err('not tracked') }),
  },
  untrack: {
    tags: ['orders'],
    summary: 'Stop tracking an order on purpose (operator)',
    description: 'The record stays (`untracked: true`); posting the order again tracks it again. Event `preauth.untracked`.',
    security: BEARER,
    params: noOrder,
    body: jsonBody(closed(noteProps, { required: ['reason'] })),
    response: guarded({
      200: {
        description: 'untracked (or it already was: `already`)',
        ...closed({
          no_order: str(),
          state,
          untracked: { const: true },
          untracked_at: ntime,
          already: { type: 'boolean' },
          event_id: nstr('the preauth.untracked event, null when it already was untracked'),
        }),
      },
      404: err('not tracked'),
    }),
  },
  requery: {
    tags: ['orders'],
    summary: 'Query LianLian about the order now (operator)',
    description: 'Also for a final order: a one-off confirming query (a different answer is recorded and alerted, never emitted).',
    security: BEARER,
    params: noOrder,
    body: jsonBody(closed(noteProps, { required: [] }), false),
    response: guarded({
      202: { description: 'queued', ...closed({ requeued: str() }) },
      404: err('not tracked'),
      409: err('the order was untracked'),
    }),
  },
} satisfies Record<string, FastifySchema>;

const idempotency = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', maxLength: 255, description: 'kept 24 h per order; the same key returns the same action' },
  },
};

/** `POST /orders/:no_order/capture` or `/void` (operator). */
function actionSchema(kind: 'capture' | 'void'): FastifySchema {
  const props: Record<string, Schema> =
    kind === 'capture'
      ? { money_order: { ...money, description: 'at most the authorized amount (default: all of it)' }, ...noteProps, risk_item: str() }
      : { ...noteProps };
  return {
    tags: ['actions'],
    summary: kind === 'capture' ? 'Capture an authorized order (operator)' : 'Void an authorized order (operator)',
    description: 'Sent to LianLian at most once; a lost answer is confirmed by query. Needs ACTIONS_ENABLED=true.',
    security: BEARER,
    params: noOrder,
    headers: idempotency,
    body: jsonBody(closed(props, { required: ['reason'] })),
    response: guarded({
      202: { description: 'recorded', ...closed({ action_id: str() }) },
      404: err('not tracked'),
      409: err('LLRECON_ACTION_NOT_ALLOWED, or the Idempotency-Key with another body'),
    }),
  };
}

export const ACTION_SCHEMAS = {
  capture: actionSchema('capture'),
  void: actionSchema('void'),
  get: {
    tags: ['actions'],
    summary: 'Where a capture or void stands',
    security: BEARER,
    params: closed({ no_order: str(), action_id: str() }),
    response: guarded({ 200: { description: 'the action', ...actionView }, 404: err('no such action on that order') }),
  },
} satisfies Record<string, FastifySchema>;

const settleDateParam = closed({ settle_date: { type: 'string', pattern: '^\\d{8}$' } });

export const SETTLEMENT_SCHEMAS = {
  upload: {
    tags: ['settlements'],
    summary: "Import one of LianLian's settlement files (operator)",
    description: 'The body is the file as LianLian wrote it; a malformed file is refused whole (400 naming the line and the column).',
    security: BEARER,
    headers: {
      type: 'object',
      properties: { 'x-filename': { type: 'string', pattern: '^JYMX(SUM)?_\\d{18}_\\d{6}(\\d{2})?\\.txt$' } },
      required: ['x-filename'],
    },
    body: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }, required: true },
    response: guarded({ 200: { description: "the file's counts", ...importResult } }),
  },
  days: {
    tags: ['settlements'],
    summary: 'The settle dates, newest first, with their counts',
    security: BEARER,
    response: guarded({ 200: { description: 'the days', ...closed({ days: { type: 'array', items: daySummary } }) } }),
  },
  day: {
    tags: ['settlements'],
    summary: 'One settle date: its files, counts and every row or order not matched',
    security: BEARER,
    params: settleDateParam,
    response: guarded({ 200: { description: 'the day (every count 0 when nothing is known of it)', ...dayReport } }),
  },
} satisfies Record<string, FastifySchema>;

const callbackErrors: Record<string, Schema> = {
  400: err('not JSON, not an object, or it does not verify'),
  403: err('a source not in NOTIFY_ALLOWED_SOURCES'),
  413: err('body over 64 KiB'),
  415: err('content type not accepted'),
  429: err('too many refused callbacks from this address (Retry-After)'),
  503: err('not queued now: send it again'),
};
const callbackBody = { type: 'object', additionalProperties: true, required: ['sign'], properties: { sign: str() } };

export const NOTIFY_SCHEMAS = {
  async: {
    tags: ['callbacks'],
    summary: "LianLian's asynchronous notification (public)",
    security: PUBLIC,
    body: { content: { 'application/json': { schema: callbackBody }, 'text/json': { schema: callbackBody } }, required: true },
    response: {
      200: {
        description: 'durably queued',
        ...closed({ ret_code: { const: '0000' }, ret_msg: { const: '交易成功' } }),
      },
      ...callbackErrors,
    },
  },
  return: {
    tags: ['callbacks'],
    summary: "The synchronous url_return form, forwarded by the merchant's site (public)",
    security: PUBLIC,
    body: {
      content: {
        'application/x-www-form-urlencoded': { schema: callbackBody },
        'application/json': { schema: callbackBody },
        'text/json': { schema: callbackBody },
      },
      required: true,
    },
    response: { 200: { description: 'queued (a hint only)', ...closed({ ok: { const: true } }) }, ...callbackErrors },
  },
} satisfies Record<string, FastifySchema>;

export const HEALTH_SCHEMAS = {
  healthz: {
    tags: ['health'],
    summary: 'Liveness (public)',
    security: PUBLIC,
    response: { 200: { description: 'the process runs', ...closed({ status: { const: 'ok' } }) } },
  },
  readyz: {
    tags: ['health'],
    summary: 'Readiness: Redis reachable and accepting writes, workers running (public)',
    security: PUBLIC,
    response: { 200: { description: 'ready', ...readiness }, 503: { description: 'not ready, with its reasons', ...readiness } },
  },
} satisfies Record<string, FastifySchema>;
