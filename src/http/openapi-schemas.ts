// The JSON shapes the API reference describes, shared by the routes' schemas (src/http/openapi-routes.ts). Each
// response object lists every key it carries, all required, and no other (`additionalProperties: false`): the
// OpenAPI test validates real answers against them, so a key added to an answer without being documented fails it.
// These schemas document; they never shape an answer (see documentOnlySchemas in src/http/openapi.ts).
import { SETTLEMENT_RESULTS } from '../reconcile/settlement-match.js';
import { ORDER_STATES } from '../reconcile/states.js';

type Schema = Record<string, unknown>;

/** An object with exactly these keys, all present. */
export function closed(properties: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false, ...extra };
}

/** `schema`, or null. */
export function orNull(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

export const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
export const nstr = (description?: string): Schema => ({ type: ['string', 'null'], ...(description ? { description } : {}) });

/** RFC 3339 UTC, as every time llrecon itself writes in JSON. */
export const time: Schema = { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
export const ntime: Schema = orNull(time);

/** Money: a string with exactly two decimals. */
export const money: Schema = { type: 'string', pattern: '^\\d{1,9}\\.\\d{2}$', examples: ['12.50'] };
export const nmoney: Schema = orNull(money);

/** LianLian's own time format, UTC+8. */
export const dtOrder: Schema = { type: 'string', pattern: '^\\d{14}$', description: 'yyyyMMddHHmmss, UTC+8', examples: ['20261203153000'] };

export const state: Schema = { type: 'string', enum: [...ORDER_STATES] };
export const nstate: Schema = orNull(state);
export const via: Schema = { type: ['string', 'null'], enum: ['poll', 'notify', 'requery', 'horizon', 'capture', 'void', null] };

/** `{"error":{"code","message","field"?}}`, every error's shape. */
export const errorBody: Schema = closed({
  error: {
    type: 'object',
    properties: {
      code: { type: 'string', pattern: '^LLRECON_[A-Z0-9_]+$', description: 'stable code (docs/errors.md)' },
      message: str(),
      field: str('the input at fault, e.g. `orders[1].dt_order`'),
    },
    required: ['code', 'message'],
    additionalProperties: false,
  },
});

/** One order to track (`POST /orders`). Documented; the route's own parser checks it and names the field at fault. */
export const orderInput: Schema = {
  type: 'object',
  properties: {
    no_order: { type: 'string', minLength: 1, maxLength: 32 },
    dt_order: dtOrder,
    oid_paybill: { type: 'string', pattern: '^\\d{1,18}$', description: "LianLian's transaction number, if known" },
    pay_type: { type: 'string', enum: ['F', 'G'], default: 'F' },
    money_order: { ...money, description: '0.01 to 100000000.00, exactly two decimals' },
    valid_order: { type: 'integer', minimum: 1, maximum: 525600, default: 10080, description: 'minutes' },
    platform: { type: 'string', maxLength: 32, description: 'sent with every query of the order' },
    oid_partner: { type: 'string', pattern: '^\\d{18}$', description: 'required when several merchants are configured' },
    user_id: { type: 'string', maxLength: 32, description: "the payer's id in the merchant's system (needed to capture or void)" },
    on_hold_expiry: { type: 'string', enum: ['none', 'void', 'capture'], default: 'none' },
  },
  required: ['no_order', 'dt_order'],
  additionalProperties: false,
};

/** An order as `GET /orders` lists it: every key present, null when unknown. */
export const orderSummaryProps: Record<string, Schema> = {
  no_order: str(),
  state,
  ret_code: nstr("LianLian's last ret_code"),
  ret_msg: nstr("LianLian's last ret_msg, as it came"),
  money_order: nmoney,
  oid_paybill: nstr("LianLian's transaction number, once an answer carried it"),
  dt_order: dtOrder,
  polls: { type: 'integer', minimum: 0 },
  next_poll_at: ntime,
  final: { type: 'boolean' },
  tracked_at: ntime,
  untracked: { type: 'boolean' },
  untracked_at: ntime,
};

/** One entry of an order's history: a change of state (or the start of tracking), or an operator action. */
export const historyEntry: Schema = {
  oneOf: [
    closed({ time: ntime, kind: { const: 'action' }, action: nstr(), actor: nstr(), reason: nstr() }),
    closed({
      time: ntime,
      kind: { const: 'change' },
      state: nstate,
      previous_state: nstate,
      ret_code: nstr(),
      ret_msg: nstr(),
      via,
    }),
    closed({
      time: ntime,
      kind: { const: 'tracked' },
      state: nstate,
      previous_state: nstate,
      ret_code: nstr(),
      ret_msg: nstr(),
      via,
      actor: nstr(),
    }),
  ],
};

export const orderSummary: Schema = closed(orderSummaryProps);
export const orderDetail: Schema = closed({ ...orderSummaryProps, history: { type: 'array', items: historyEntry } });

/** The optional note of a re-query, the required one of an untrack. */
export const noteProps: Record<string, Schema> = {
  reason: { type: 'string', maxLength: 200 },
  actor: { type: 'string', maxLength: 200, description: 'recorded as a claim after the signed-in name' },
};

export const actionStatus: Schema = {
  type: 'string',
  enum: ['recorded', 'sending', 'answered', 'lost', 'done', 'failed', 'refused', 'not_taken', 'superseded', 'not_sent'],
};

/** A capture or void as `GET /orders/:no_order/actions/:action_id` shows it. */
export const actionView: Schema = closed({
  action_id: str(),
  kind: { type: 'string', enum: ['capture', 'void'] },
  no_order: str(),
  money_order: money,
  status: actionStatus,
  actor: str(),
  reason: str(),
  requested_at: time,
  sent_at: ntime,
  answered_at: ntime,
  ret_code: nstr(),
  ret_msg: nstr(),
  answer_signed: { type: 'boolean' },
  error: nstr('why the answer is lost or untrusted (an LLRECON_ code, or `crash`)'),
  settled_at: ntime,
});

const count: Schema = { type: 'integer', minimum: 0 };
export const settlementCounts: Schema = closed(Object.fromEntries(SETTLEMENT_RESULTS.map((r) => [r, count])));
const settleDate: Schema = { type: 'string', pattern: '^\\d{6}(\\d{2})?$', description: 'yyyyMMdd (a monthly file: yyyyMM)' };

/** What an upload of one settlement file did. */
export const importResult: Schema = closed({
  file: str(),
  kind: { type: 'string', enum: ['daily', 'monthly', 'summary'] },
  oid_partner: str(),
  settle_date: settleDate,
  status: { type: 'string', enum: ['imported', 'replaced', 'resumed', 'unchanged'] },
  rows: count,
  encoding: { type: 'string', enum: ['utf-8', 'gbk'] },
  counts: settlementCounts,
  confirming: { ...count, description: 'orders given a confirming query (not_captured)' },
});

const daySummaryProps: Record<string, Schema> = {
  settle_date: settleDate,
  counts: settlementCounts,
  summary_ok: { type: ['boolean', 'null'], description: "null until both the day's daily and summary files are imported" },
};
export const daySummary: Schema = closed(daySummaryProps);

const rowRef: Schema = closed({ file: str(), line: count, money_order: str(), oid_paybill: str() });

/** One settle date in full. */
export const dayReport: Schema = closed({
  ...daySummaryProps,
  files: {
    type: 'array',
    items: closed({
      name: str(),
      kind: str(),
      status: str(),
      rows: count,
      encoding: nstr(),
      imported_at: ntime,
    }),
  },
  items: {
    type: 'array',
    items: closed({
      no_order: str(),
      oid_partner: str(),
      result: { type: 'string', enum: [...SETTLEMENT_RESULTS] },
      llrecon: orNull(closed({ state, money_order: nmoney })),
      lianlian: orNull(closed({ oid_paybill: str(), money_order: str(), transaction_status: str(), line: count })),
    }),
  },
  disagreements: {
    type: 'array',
    items: closed({ no_order: str(), oid_partner: str(), counted: rowRef, other: rowRef, fields: { type: 'array', items: str() } }),
  },
  summary_differences: { type: 'array', items: closed({ field: str(), summary: str(), file: str() }) },
});

export const readiness: Schema = closed(
  {
    ready: { type: 'boolean' },
    checks: { type: 'object', additionalProperties: { type: 'boolean' } },
    reasons: { type: 'array', items: str(), description: 'why not ready, one line per failed check (absent when ready)' },
  },
  { required: ['ready', 'checks'] },
);
