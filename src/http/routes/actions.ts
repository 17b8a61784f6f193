// Capture and void over the API (operator): `POST /orders/:no_order/capture` {money_order?, reason, actor?,
// risk_item?} and `POST /orders/:no_order/void` {reason, actor?}, answered `202 {"action_id"}` once the action is
// recorded (a query process sends it, at most once); an `Idempotency-Key` header returns the action it recorded
// before. `GET /orders/:no_order/actions/:action_id` (viewer) shows where an action stands.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ActionKind } from '../../clients/preauth-action-client.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError, fieldError } from '../../errors.js';
import { riskItem } from '../../lianlian/preauth-complete.js';
import type { ActionRecord } from '../../store/action-record.js';
import { Access, principalOf, recordedActor } from '../access.js';
import { requireUser } from '../auth.js';
import { ACTION_SCHEMAS } from '../openapi-routes.js';
import { withinRedisDeadline } from '../redis-deadline.js';

const MAX_NOTE = 200;
const MAX_IDEMPOTENCY_KEY = 255;

const BODY_FIELDS: Readonly<Record<ActionKind, readonly string[]>> = {
  capture: ['money_order', 'reason', 'actor', 'risk_item'],
  void: ['reason', 'actor'],
};

/** The body of a capture or void: a reason is required; the rest as the contract says. */
export function actionBody(kind: ActionKind, body: unknown): { reason: string; actor?: string; money_order?: string; risk_item?: string } {
  if (body === undefined || body === null)
    throw new LlreconError('LLRECON_MISSING_FIELD', 'reason: say why, in a body {"reason":"…"}', { field: 'reason' });
  if (typeof body !== 'object' || Array.isArray(body)) throw new LlreconError('LLRECON_NOT_AN_OBJECT', 'expected a JSON object body');
  const f = body as Record<string, unknown>;
  for (const key of Object.keys(f))
    if (!BODY_FIELDS[kind].includes(key)) throw fieldError(key, `unknown field (expected ${BODY_FIELDS[kind].join(', ')})`);
  const text = (name: string): string | undefined => {
    const v = f[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw fieldError(name, 'must be a string');
    if (v.length > MAX_NOTE) throw fieldError(name, `at most ${MAX_NOTE} characters`);
    return v;
  };
  const reason = text('reason');
  if (reason === undefined || reason.trim() === '')
    throw new LlreconError('LLRECON_MISSING_FIELD', `reason: say why the ${kind} is sent`, { field: 'reason' });
  const out: { reason: string; actor?: string; money_order?: string; risk_item?: string } = { reason };
  const actor = text('actor');
  if (actor !== undefined) out.actor = actor;
  if (kind === 'capture') {
    if (f.money_order !== undefined && f.money_order !== null) {
      if (typeof f.money_order !== 'string') throw fieldError('money_order', 'must be a string amount such as "12.50"');
      out.money_order = f.money_order;
    }
    if (f.risk_item !== undefined && f.risk_item !== null) out.risk_item = riskItem(f.risk_item);
  }
  return out;
}

function idempotencyKey(req: FastifyRequest): string | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw.join(',') : raw;
  if (key === '' || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key))
    throw fieldError('Idempotency-Key', `1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters`);
  return key;
}

const rfc3339 = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** An action as the API shows it. */
export function actionView(a: ActionRecord): Record<string, unknown> {
  return {
    action_id: a.id,
    kind: a.kind,
    no_order: a.no_order,
    money_order: a.money_order,
    status: a.status,
    actor: a.actor,
    reason: a.reason,
    requested_at: rfc3339(a.at),
    sent_at: rfc3339(a.sent_at),
    answered_at: rfc3339(a.answered_at),
    ret_code: a.ret_code,
    ret_msg: a.ret_msg,
    answer_signed: a.signed,
    error: a.error,
    settled_at: rfc3339(a.settled_at),
  };
}

export const actionRoutes: FastifyPluginAsync<{ engine: Engine; access?: Access }> = async (app, { engine, access }) => {
  app.addHook('onRequest', requireUser(access ?? Access.for(engine)));
  const actions = () => {
    if (!engine.actions) throw new LlreconError('LLRECON_ACTION_NOT_ALLOWED', 'this llrecon has no actions');
    return engine.actions;
  };

  for (const kind of ['capture', 'void'] as const) {
    app.post<{ Params: { no_order: string } }>(`/orders/:no_order/${kind}`, { schema: ACTION_SCHEMAS[kind] }, async (req, reply) => {
      const body = actionBody(kind, req.body);
      const key = idempotencyKey(req);
      const p = principalOf(req);
      const actor = p === null ? (body.actor ?? '?') : recordedActor(p, body.actor);
      const r = await withinRedisDeadline(engine.redisReady, `the ${kind}`, () =>
        actions().request({
          kind,
          no_order: req.params.no_order,
          reason: body.reason,
          actor,
          source: 'api',
          idempotencyKey: key,
          ...(body.money_order === undefined ? {} : { money_order: body.money_order }),
          ...(body.risk_item === undefined ? {} : { risk_item: body.risk_item }),
        }),
      );
      return reply.code(202).header('cache-control', 'no-store').send({ action_id: r.action_id });
    });
  }

  app.get<{ Params: { no_order: string; action_id: string } }>(
    '/orders/:no_order/actions/:action_id',
    { schema: ACTION_SCHEMAS.get },
    async (req, reply) => {
      const a = await withinRedisDeadline(engine.redisReady, 'the action', () => actions().get(req.params.action_id));
      if (a === null || a.no_order !== req.params.no_order)
        throw new LlreconError('LLRECON_ROUTE_NOT_FOUND', `no action ${req.params.action_id} on order ${req.params.no_order}`);
      return reply.header('cache-control', 'no-store').send(actionView(a));
    },
  );
};
