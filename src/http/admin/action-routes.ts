// POST /admin/orders/:no_order/capture and /void (operator; the guard checks the role and the form token): the
// first post shows the confirmation page repeating the amount and the order number; only a post carrying that
// page's confirmation records the action (with the page's Idempotency-Key, so a double click makes one action),
// under the signed-in name, then back to the order.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionRequest } from '../../actions/request.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError, fieldError, isLlreconError } from '../../errors.js';
import { parseMoney } from '../../lianlian/money.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import { signedIn } from './order-routes.js';
import { orderHref } from './pages/format.js';
import { confirmPage } from './pages/order-actions.js';
import { sendError, sendPage } from './reply.js';

const TEXT_MAX = 200;

function field(body: unknown, name: string): string {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.trim() : '';
}

/** The confirmation a post must carry: what the confirmation page showed. */
export function confirmationOf(kind: string, no: string, amount: string): string {
  return `${kind}:${no}:${amount}`;
}

export function registerActionRoutes(admin: FastifyInstance, engine: Engine): void {
  const csrfOf = (req: FastifyRequest) => adminAuth(req)?.csrf ?? '';
  for (const kind of ['capture', 'void'] as const) {
    admin.post<{ Params: { no_order: string } }>(`/orders/:no_order/${kind}`, async (req, reply) => {
      const no = req.params.no_order;
      try {
        const actions = engine.actions;
        if (!actions) throw new LlreconError('LLRECON_ACTION_NOT_ALLOWED', 'this llrecon has no actions');
        const order = no.length <= 32 ? await engine.store.get(no) : null;
        if (order === null) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
        const reason = field(req.body, 'reason');
        if (reason === '') throw new LlreconError('LLRECON_MISSING_FIELD', `reason: say why the ${kind} is sent`, { field: 'reason' });
        if (reason.length > TEXT_MAX) throw fieldError('reason', `at most ${TEXT_MAX} characters`);
        const given = kind === 'capture' ? field(req.body, 'money_order') : '';
        const amount = given === '' ? (order.money_order ?? '?') : parseMoney(given, 'money_order');
        const expected = confirmationOf(kind, no, amount);
        const key = field(req.body, 'idempotency_key');
        if (field(req.body, 'confirmed') !== expected || !/^[\w-]{16,64}$/.test(key)) {
          return sendPage(
            reply,
            200,
            confirmPage({
              locale: localeOf(req),
              kind,
              no_order: no,
              money_order: amount,
              reason,
              confirmation: expected,
              idempotencyKey: randomBytes(16).toString('hex'),
              csrf: csrfOf(req),
              user: signedIn(req),
            }),
          );
        }
        const request: ActionRequest = {
          kind,
          no_order: no,
          reason,
          actor: adminAuth(req)?.name ?? '?',
          source: 'dashboard',
          idempotencyKey: key,
          ...(kind === 'capture' ? { money_order: amount } : {}),
        };
        const r = await actions.request(request);
        return reply
          .code(303)
          .header('location', `${orderHref(no)}?action=${encodeURIComponent(r.action_id)}`)
          .send();
      } catch (err) {
        if (!isLlreconError(err)) throw err;
        return sendError(req, reply, err, csrfOf(req));
      }
    });
  }
}
