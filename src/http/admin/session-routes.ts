// GET /admin/sessions and POST /admin/sessions/:id/end (operators): list the dashboard's sessions and end one.
// Browsers get the page (and are sent back to it); other clients get JSON: `{"sessions":[…]}` and
// `{"ended":"<id>"}` (404 when there was no such session).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSessionId, type SessionInfo } from '../../auth/sessions.js';
import { LlreconError } from '../../errors.js';
import type { Access } from '../access.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import { signedIn } from './order-routes.js';
import { sessionsPage, type SessionRow } from './pages/sessions.js';
import { sendError, sendPage, wantsHtml } from './reply.js';
import { SESSION_COOKIE } from './session.js';

const iso = (ms: number) => new Date(ms).toISOString();

function sessionJson(s: SessionRow, current: string | null): Record<string, unknown> {
  return {
    id: s.id,
    user: s.user,
    role: s.role,
    ip: s.ip,
    user_agent: s.agent,
    created_at: iso(s.createdAt),
    last_seen_at: iso(s.lastSeenAt),
    idle_ends_at: iso(s.idleEndsAt),
    ends_at: iso(s.endsAt),
    current: s.id === current,
  };
}

export function registerSessionRoutes(admin: FastifyInstance, access: Access): void {
  const rows = async (): Promise<SessionRow[]> => {
    if (access.sessions === null) return [];
    const live: SessionInfo[] = await access.sessions.list(access.now(), access.ownerOk);
    return live.map((s) => ({ ...s, role: access.users.get(s.user)?.role ?? '?' }));
  };

  async function show(req: FastifyRequest, reply: FastifyReply, flash: string | null) {
    const p = adminAuth(req);
    const current = p?.session?.id ?? null;
    const sessions = await rows();
    if (!wantsHtml(req)) return reply.header('cache-control', 'no-store').send({ sessions: sessions.map((s) => sessionJson(s, current)) });
    return sendPage(
      reply,
      200,
      sessionsPage({
        locale: localeOf(req),
        now: access.now(),
        csrf: p?.csrf ?? '',
        user: signedIn(req),
        current,
        sessions,
        idleMs: access.sessions?.idleMs ?? 0,
        absoluteMs: access.sessions?.absoluteMs ?? 0,
        flash,
      }),
    );
  }

  admin.get<{ Querystring: { ended?: string } }>('/sessions', async (req, reply) =>
    show(req, reply, req.query.ended === '1' ? localeOf(req).t.sessionEnded : null),
  );

  admin.post<{ Params: { id: string } }>('/sessions/:id/end', async (req, reply) => {
    const id = req.params.id;
    const ended = isSessionId(id) && access.sessions !== null && (await access.sessions.end(id));
    if (!ended)
      return sendError(req, reply, new LlreconError('LLRECON_SESSION_NOT_FOUND', 'no such session (already ended?)'), adminAuth(req)?.csrf);
    req.log.info({ user: adminAuth(req)?.name ?? null, session: id.slice(0, 8) }, 'session ended by an operator');
    if (adminAuth(req)?.session?.id === id) reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    if (!wantsHtml(req)) return reply.send({ ended: id });
    return reply.code(303).header('location', '/admin/sessions?ended=1').send();
  });
}
