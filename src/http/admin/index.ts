// The operators' pages under /admin: login, the orders list and each order's timeline with a re-query form,
// the callbacks kept for operators, and the BullMQ job dashboard — all behind the admin guard.
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { registerCallbackRoutes } from './callback-routes.js';
import { installGuard } from './guard.js';
import { JOB_BOARD_PATH, registerJobBoard } from './job-board.js';
import { LOGIN_ROUTE, registerLoginRoutes } from './login-routes.js';
import { registerOrderRoutes } from './order-routes.js';
import { deriveKeys } from './session.js';

/** Headers on every admin response: never framed, no MIME sniffing, referrers kept on this site. */
function securityHeaders(admin: FastifyInstance): void {
  admin.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });
}

async function adminRoutes(admin: FastifyInstance, engine: Engine): Promise<void> {
  const token = engine.config.adminToken || null;
  const keys = token === null ? null : deriveKeys(token);
  const now = () => Date.now();
  if (!admin.hasRequestDecorator('cookies')) await admin.register(fastifyCookie);
  if (!admin.hasContentTypeParser('application/x-www-form-urlencoded')) await admin.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  securityHeaders(admin);
  installGuard(admin, { token, keys, now, publicRoutes: new Set([LOGIN_ROUTE]), originOnlyPrefix: `${JOB_BOARD_PATH}/` });
  registerLoginRoutes(admin, { token, keys, now });
  registerOrderRoutes(admin, engine);
  registerCallbackRoutes(admin, engine);
  await registerJobBoard(admin, engine.queues);
}

/**
 * The admin plugin, registered by the HTTP app with `app.register(adminPlugin, { engine })`. Every route is under
 * `/admin`; all but the login form need the admin token (bearer, basic password, or the login's session cookie).
 */
export const adminPlugin: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  await app.register(async (admin) => adminRoutes(admin, engine), { prefix: '/admin' });
};
