// The operators' pages under /admin: login, the orders list and each order's timeline with a re-query form,
// the callbacks kept for operators, the sessions (operators), and the BullMQ job dashboard — all behind the
// admin guard (authentication, CSRF, roles).
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { Access } from '../access.js';
import { registerCallbackRoutes } from './callback-routes.js';
import { installGuard } from './guard.js';
import { rememberLang } from './i18n/index.js';
import { registerJobBoard } from './job-board.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerActionRoutes } from './action-routes.js';
import { registerOrderRoutes } from './order-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerSettlementRoutes } from './settlement-routes.js';

/** Headers on every admin response: never framed, no MIME sniffing, referrers kept on this site. */
function securityHeaders(admin: FastifyInstance): void {
  admin.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });
}

async function adminRoutes(admin: FastifyInstance, engine: Engine, access: Access): Promise<void> {
  if (!admin.hasRequestDecorator('cookies')) await admin.register(fastifyCookie);
  if (!admin.hasContentTypeParser('application/x-www-form-urlencoded')) await admin.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  securityHeaders(admin);
  // before the guard: a `?lang=` choice sticks even on the login page a signed-out browser is sent to
  admin.addHook('onRequest', async (req, reply) => rememberLang(req, reply));
  installGuard(admin, access);
  registerLoginRoutes(admin, access);
  registerOrderRoutes(admin, engine);
  registerActionRoutes(admin, engine);
  registerCallbackRoutes(admin, engine);
  registerSettlementRoutes(admin, engine);
  registerSessionRoutes(admin, access);
  await registerJobBoard(admin, engine.queues);
}

/**
 * The admin plugin, registered by the HTTP app with `app.register(adminPlugin, { engine, access })`. Every route
 * is under `/admin`; all but the login form need a signed-in user (bearer token, basic password, or the login's
 * session cookie). Without `access`, one is made for the engine (its own throttle).
 */
export const adminPlugin: FastifyPluginAsync<{ engine: Engine; access?: Access }> = async (app, { engine, access }) => {
  const a = access ?? Access.for(engine);
  await app.register(async (admin) => adminRoutes(admin, engine, a), { prefix: '/admin' });
};
