// The orders pages: GET /admin/orders (list), GET /admin/orders/:no_order (one order), and
// POST /admin/orders/:no_order/requery (an operator's re-query with a reason, recorded under the signed-in name,
// then back to the order).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { LlreconError, fieldError } from '../../errors.js';
import { ORDER_STATES, isOrderState } from '../../reconcile/states.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import type { SignedIn } from './pages/layout.js';
import { mergeTimeline } from './order-timeline.js';
import { orderHref } from './pages/format.js';
import { REQUERY_TEXT_MAX, orderPage, type RequeryForm } from './pages/order.js';
import { AGES, isAgeKey, ordersPage, type OrdersFilter } from './pages/orders.js';
import { sendError, sendPage, wantsHtml } from './reply.js';
import { actionFlash, orderActionCard } from './order-action-card.js';
import { holdBanner } from './pages/order-actions.js';

const PAGE_SIZE = 50;
const MAX_PAGE = 100_000;
/** Timeline entries shown on an order's page (the store keeps the newest 100). */
const TIMELINE_LIMIT = 100;
const NO_ORDER_MAX = 32;

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

/** The list filter from the query string, or a field error naming the bad parameter. */
export function parseOrdersQuery(q: Record<string, unknown>): OrdersFilter | LlreconError {
  const state = str(q.state);
  const age = str(q.older_than);
  const search = str(q.q).trim();
  const pageText = str(q.page) || '1';
  if (state !== '' && !isOrderState(state)) return fieldError('state', `unknown state "${state}"`);
  if (age !== '' && !isAgeKey(age)) return fieldError('older_than', `must be one of ${Object.keys(AGES).join(', ')}`);
  if (search.length > 64) return fieldError('q', 'at most 64 characters');
  if (!/^\d{1,6}$/.test(pageText) || Number(pageText) < 1 || Number(pageText) > MAX_PAGE)
    return fieldError('page', 'must be a page number');
  return { state: state === '' ? null : state, age: age === '' ? null : age, search, page: Number(pageText) };
}

/**
 * The reason of a re-query, checked: required, at most 200 characters. Who asked is the signed-in user, never a
 * field of the form (an `actor` field sent anyway is ignored).
 */
export function parseRequeryForm(body: unknown): RequeryForm {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const reason = str(b.reason).trim();
  const errors: RequeryForm['errors'] = {};
  const r =
    reason === ''
      ? 'Give a short reason.'
      : reason.length > REQUERY_TEXT_MAX
        ? `At most ${REQUERY_TEXT_MAX} characters (${reason.length} given).`
        : undefined;
  if (r) errors.reason = r;
  return { reason, errors };
}

/** Who is signed in, for the top bar. */
export function signedIn(req: FastifyRequest): SignedIn | null {
  const p = adminAuth(req);
  return p ? { name: p.name, role: p.role } : null;
}

export function registerOrderRoutes(admin: FastifyInstance, engine: Engine): void {
  const csrfOf = (req: FastifyRequest) => adminAuth(req)?.csrf ?? '';

  async function showOrder(req: FastifyRequest, reply: FastifyReply, no: string, status: number, form: RequeryForm, flash: string | null) {
    const order = no.length <= NO_ORDER_MAX ? await engine.store.get(no) : null;
    if (!order) return sendError(req, reply, new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`), csrfOf(req));
    const [history, timeline, rejected] = await Promise.all([
      engine.store.history(no),
      engine.store.timeline(no, TIMELINE_LIMIT),
      engine.orderRejectedCallbacks(no, TIMELINE_LIMIT),
    ]);
    return sendPage(
      reply,
      status,
      orderPage({
        locale: localeOf(req),
        now: Date.now(),
        csrf: csrfOf(req),
        user: signedIn(req),
        order,
        entries: mergeTimeline(history, timeline),
        rejected,
        form,
        flash,
        actions: await orderActionCard(engine, order, signedIn(req), csrfOf(req), localeOf(req)),
      }),
    );
  }

  admin.get('/orders', async (req, reply) => {
    const filter = parseOrdersQuery(req.query as Record<string, unknown>);
    if (filter instanceof LlreconError) return sendError(req, reply, filter, csrfOf(req));
    const now = Date.now();
    const [counts, page] = await Promise.all([
      engine.store.counts(),
      engine.store.list({
        state: filter.state ?? undefined,
        olderThan: filter.age === null ? undefined : now - AGES[filter.age],
        search: filter.search === '' ? undefined : filter.search,
        limit: PAGE_SIZE,
        offset: (filter.page - 1) * PAGE_SIZE,
      }),
    ]);
    return sendPage(
      reply,
      200,
      ordersPage({
        locale: localeOf(req),
        banner: holdBanner((await engine.actions?.expiringHolds(20)) ?? [], localeOf(req).t),
        now,
        csrf: csrfOf(req),
        user: signedIn(req),
        states: ORDER_STATES,
        counts,
        filter,
        pageSize: PAGE_SIZE,
        total: page.total,
        orders: page.orders,
      }),
    );
  });

  admin.get<{ Params: { no_order: string }; Querystring: { requeried?: string } }>('/orders/:no_order', async (req, reply) => {
    const flash =
      req.query.requeried === '1' ? localeOf(req).t.requeryQueued : actionFlash(req.query as Record<string, unknown>, localeOf(req).t);
    return showOrder(req, reply, req.params.no_order, 200, { reason: '', errors: {} }, flash);
  });

  admin.post<{ Params: { no_order: string } }>('/orders/:no_order/requery', async (req, reply) => {
    const no = req.params.no_order;
    const form = parseRequeryForm(req.body);
    if (form.errors.reason !== undefined) {
      if (!wantsHtml(req)) return sendError(req, reply, fieldError('reason', form.errors.reason.toLowerCase()));
      return showOrder(req, reply, no, 400, form, null);
    }
    // the guard let only an operator through
    const actor = adminAuth(req)?.name ?? '?';
    const queued = no.length <= NO_ORDER_MAX && (await engine.requery(no, { source: 'dashboard', actor, reason: form.reason }));
    if (!queued) return sendError(req, reply, new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`), csrfOf(req));
    return reply
      .code(303)
      .header('location', `${orderHref(no)}?requeried=1`)
      .send();
  });
}
