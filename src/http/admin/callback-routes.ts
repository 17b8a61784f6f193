// GET /admin/callbacks: the callbacks kept for operators (rejected, and verified ones for untracked orders).
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import { signedIn } from './order-routes.js';
import { callbacksPage } from './pages/callbacks.js';
import { sendPage } from './reply.js';

const SHOWN = 100;

export function registerCallbackRoutes(admin: FastifyInstance, engine: Engine): void {
  admin.get('/callbacks', async (req, reply) => {
    const [rejected, untracked] = await Promise.all([engine.callbacks('rejected', SHOWN), engine.callbacks('untracked', SHOWN)]);
    return sendPage(
      reply,
      200,
      callbacksPage({
        locale: localeOf(req),
        now: Date.now(),
        csrf: adminAuth(req)?.csrf ?? '',
        user: signedIn(req),
        rejected,
        untracked,
        limit: SHOWN,
      }),
    );
  });
}
