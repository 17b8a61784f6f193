// The job dashboard: bull-board over llrecon's BullMQ queues at /admin/queues, with job data and return values
// masked (a queued callback's raw body holds its `sign`, and may hold card data). Its routes sit inside the
// admin context, so the admin guard (authentication, CSRF by origin, the action allow-list of permissions.ts)
// covers every one of them. Its pages get a Content-Security-Policy and load nothing from outside: the link to
// Google Fonts in bull-board's page is taken out (its stylesheet falls back to the system's fonts).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LlreconError } from '../../errors.js';
import { maskSecrets } from './masking.js';
import { JOB_BOARD_PATH } from './permissions.js';
import { sendError } from './reply.js';

export { JOB_BOARD_PATH };

const DESCRIPTIONS: Record<string, string> = {
  poll: 'Routine polls: one job per order still being tracked',
  confirm: 'Confirming queries: re-queries and verified callbacks, ahead of routine polls',
  notify: 'LianLian callbacks waiting for their signature check',
  webhook: 'Event deliveries to the webhook sink',
};

/**
 * bull-board's page and API: scripts, styles, images, fonts and API calls from this site only (its page has
 * inline styles, no inline script), never framed.
 */
export const BOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; manifest-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** A job's name in the board: its kind, and the order it is about when it has one. */
export function jobLabel(job: { name?: unknown; data?: unknown }): string {
  const name = typeof job.name === 'string' ? job.name : 'job';
  const data = job.data as Record<string, unknown> | null | undefined;
  return typeof data?.no === 'string' ? `${name} ${data.no}` : name;
}

function adapterFor(queue: Queue): BullMQAdapter {
  const adapter = new BullMQAdapter(queue, { description: DESCRIPTIONS[queue.name] ?? '' });
  adapter.setFormatter('data', maskSecrets);
  adapter.setFormatter('returnValue', maskSecrets);
  adapter.setFormatter('name', jobLabel);
  return adapter;
}

// <link …> and <script …> elements naming another site (http:, https: or protocol-relative //), whatever the
// attribute order or quoting
const EXTERNAL_ELEMENT = /<(link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?\/\/[^>]*>(?:\s*<\/script>)?\n?/gi;

/** bull-board's page without any element that would fetch from another site. */
export function withoutExternalLoads(page: string): string {
  return page.replace(EXTERNAL_ELEMENT, '');
}

/**
 * The allowed actions, held to what they are for: a retry re-runs a FAILED job (retrying a completed one would
 * run a poll or a callback check a second time); a promote starts a DELAYED job now (bull-board fails with a 500
 * on any other). Null: go ahead.
 */
async function actionRefusal(req: FastifyRequest, queues: readonly Queue[]): Promise<string | null> {
  const url = req.routeOptions.url ?? '';
  const params = req.params as Record<string, string | undefined>;
  if (url === `${JOB_BOARD_PATH}/api/queues/:queueName/retry/:queueStatus`)
    return params.queueStatus === 'failed' ? null : 'only failed jobs are retried';
  const wanted =
    url === `${JOB_BOARD_PATH}/api/queues/:queueName/:jobId/retry`
      ? 'failed'
      : url === `${JOB_BOARD_PATH}/api/queues/:queueName/:jobId/promote`
        ? 'delayed'
        : null;
  if (wanted === null) return null;
  const queue = queues.find((q) => q.name === params.queueName);
  const job = queue && params.jobId ? await queue.getJob(params.jobId) : undefined;
  if (!job) return null; // bull-board answers 404 itself
  if ((await job.getState()) === wanted) return null;
  return wanted === 'failed' ? 'only failed jobs are retried' : 'only delayed jobs are promoted';
}

/** Register bull-board under `admin` (a context prefixed `/admin`) at `/queues`. */
export async function registerJobBoard(admin: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(JOB_BOARD_PATH);
  createBullBoard({
    queues: queues.map(adapterFor),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'llrecon jobs',
        hideDocsLink: true,
        miscLinks: [
          { text: 'Orders', url: '/admin/orders' },
          { text: 'Callbacks', url: '/admin/callbacks' },
          { text: 'Log out', url: '/admin/logout' },
        ],
      },
    },
  });
  await admin.register(
    async (board) => {
      board.addHook('onRequest', async (req, reply) => {
        if (req.method !== 'PUT') return;
        const why = await actionRefusal(req, queues);
        if (why !== null) return sendError(req, reply, new LlreconError('LLRECON_DASHBOARD_ACTION_REFUSED', why));
      });
      board.addHook('onSend', async (_req, reply, payload) => {
        reply.header('content-security-policy', BOARD_CSP);
        const type = String(reply.getHeader('content-type') ?? '');
        return typeof payload === 'string' && type.startsWith('text/html') ? withoutExternalLoads(payload) : payload;
      });
      await board.register(serverAdapter.registerPlugin());
    },
    { prefix: '/queues' },
  );
}
