// Sending admin pages and refusals: HTML for browsers, the API's JSON error shape for everything else.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LlreconError } from '../../errors.js';
import type { Html } from './html.js';
import { localeOf } from './i18n/index.js';
import { messagePage } from './pages/message.js';
import { STYLE_CSP_SOURCE } from './style.js';

/** Our pages load nothing but their inline stylesheet, post forms only to us and are never framed. */
const PAGE_CSP = `default-src 'none'; style-src ${STYLE_CSP_SOURCE}; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** Whether the client is a browser asking for a page. */
export function wantsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/** Send a server-rendered page (never cached: it shows live state, and the CSRF token). */
export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', PAGE_CSP)
    .send(page.value);
}

/** Answer with an error: a page for browsers, `{"error":{code,message,field?}}` for the rest. */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: LlreconError, csrf: string | null = null): FastifyReply {
  if (wantsHtml(req)) {
    const locale = localeOf(req);
    const t = locale.t;
    const title = err.status === 404 ? t.errNotFound : err.status === 403 ? t.errRefused : t.errCannot;
    const message = t.errorMessage(err.code, err.message);
    return sendPage(
      reply,
      err.status,
      messagePage({
        locale,
        title,
        message,
        code: err.code,
        field: err.field,
        csrf,
        back: { href: '/admin/orders', label: t.backToOrders },
      }),
    );
  }
  return reply.code(err.status).header('cache-control', 'no-store').send({ error: err.toJSON() });
}
