// The job dashboard: bull-board over llrecon's BullMQ queues at /admin/queues, with job data and return values
// masked (a queued callback's raw body holds its `sign`, and may hold card data). Its routes sit inside the
// admin context, so the admin guard (authentication, CSRF by origin) covers every one of them.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { LlreconError } from '../../errors.js';
import { maskSecrets } from './masking.js';
import { sendError } from './reply.js';

/** Where the dashboard lives. */
export const JOB_BOARD_PATH = '/admin/queues';

const DESCRIPTIONS: Record<string, string> = {
  poll: 'Routine polls: one job per order still being tracked',
  confirm: 'Confirming queries: re-queries and verified callbacks, ahead of routine polls',
  notify: 'LianLian callbacks waiting for their signature check',
  webhook: 'Event deliveries to the webhook sink',
};

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

/**
 * bull-board's "edit job data" saves what its editor shows, and it shows the MASKED data: saving would write the
 * mask into the job (a queued callback would then fail its signature check). Refused; every other action stays.
 */
const EDIT_DATA = /^\/admin\/queues\/api\/queues\/[^/]+\/[^/]+\/update-data(?:\?|$)/;

/** Register bull-board under `admin` (a context prefixed `/admin`) at `/queues`. */
export async function registerJobBoard(admin: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  admin.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && EDIT_DATA.test(req.url))
      return sendError(
        req,
        reply,
        new LlreconError(
          'LLRECON_DASHBOARD_ACTION_REFUSED',
          'editing job data is turned off: the dashboard shows masked data, and saving it would write the mask into the job',
        ),
      );
  });
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
  await admin.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
}
