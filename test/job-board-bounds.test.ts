// bull-board within bounds, against a real llrecon and real BullMQ jobs: the allow-list is decided on the route
// the router matched, so percent-encoded paths (`update%2Ddata`, `clea%6E`, `%65mpty` …) are refused like the
// plain ones and change nothing; viewers inspect only; operators retry failed jobs and promote delayed ones, and
// nothing else; the board's page carries a CSP and names nothing outside this site (no Google Fonts).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BOARD_CSP } from '../src/http/admin/job-board.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
let base: string;
let notify: Queue;
let failed: Job;
let delayed: Job;
const viewer = randomBytes(24).toString('base64url');
const operator = randomBytes(24).toString('base64url');
const API = '/admin/queues/api/queues';

beforeAll(async () => {
  registerSecrets(viewer, operator);
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const users = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yaml');
  writeFileSync(
    users,
    `- {name: vee, role: viewer, token_sha256: ${sha(viewer)}}\n- {name: opal, role: operator, token_sha256: ${sha(operator)}}\n`,
  );
  // no workers of llrecon's own: the jobs stay as this test leaves them
  stack = await startStack({ http: true, env: { ROLES: 'api', ADMIN_USERS_FILE: users } });
  base = stack.url as string;
  notify = stack.engine.ctx.queues.notify as unknown as Queue;
  const run = randomBytes(3).toString('hex');
  const doomed = await notify.add('probe', { kind: 'async', raw: '{"no_order":"KEEP"}', at: 1 } as never, {
    jobId: `bound-failed-${run}`,
    attempts: 1,
  });
  const worker = new Worker(
    notify.name,
    async () => {
      throw new Error('made to fail');
    },
    { connection: new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }), prefix: notify.opts.prefix },
  );
  await waitFor(async () => (await doomed.getState()) === 'failed', 10_000);
  await worker.close();
  await worker.disconnect();
  failed = (await notify.getJob(doomed.id as string)) as Job;
  delayed = await notify.add('later', { kind: 'async', raw: '{}', at: 2 } as never, { jobId: `bound-delayed-${run}`, delay: 3_600_000 });
});

afterAll(async () => {
  await stack?.close();
});

const send = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      origin: base,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

async function queueState(): Promise<unknown> {
  return {
    counts: await notify.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    failed: (await notify.getJob(failed.id as string))?.data,
    delayed: await notify.getJob(delayed.id as string).then((j) => j?.getState()),
    paused: await notify.isPaused(),
  };
}

describe('bull-board actions', () => {
  it('refuses add, edit, clean, empty, obliterate, remove, pause, delay … for everyone, however the path is encoded', async () => {
    const before = await queueState();
    const id = encodeURIComponent(failed.id as string);
    const refused: Array<[string, string, unknown?]> = [
      ['PATCH', `${API}/notify/${id}/update-data`, { jobData: { raw: '{"sign":"[masked]"}' } }],
      ['PATCH', `${API}/notify/${id}/update%2Ddata`, { jobData: { raw: '{"sign":"[masked]"}' } }],
      ['PATCH', `${API}/notify/${id}/%75pdate-data`, { jobData: { raw: '{"sign":"[masked]"}' } }],
      ['PATCH', `${API}/notify/${id}/UPDATE-DATA`, { jobData: {} }],
      ['POST', `${API}/notify/add`, { name: 'forged', data: { via: 'notify' } }],
      ['POST', `${API}/notify/ad%64`, { name: 'forged', data: { via: 'notify' } }],
      ['PUT', `${API}/notify/clean/failed`],
      ['PUT', `${API}/notify/clea%6E/failed`],
      ['PUT', `${API}/notify/${id}/clean`],
      ['PUT', `${API}/notify/${id}/%63lean`],
      ['PUT', `${API}/notify/empty`],
      ['PUT', `${API}/notify/%65mpty`],
      ['PUT', `${API}/notify/obliterate`],
      ['PUT', `${API}/notify/obliterat%65`],
      ['PUT', `${API}/notify/pause`],
      ['PUT', `${API}/pause`],
      ['PATCH', `${API}/notify/${encodeURIComponent(delayed.id as string)}/delay`, { delay: 0 }],
      ['PUT', `${API}/notify/${id}/remove-unprocessed-children`],
    ];
    for (const token of [operator, viewer])
      for (const [method, path, body] of refused) {
        const res = await send(token, method, path, body);
        const what = `${method} ${path}`;
        if (res.status === 404) {
          // not a route at all once decoded as the router does (e.g. upper case): nothing ran either
          expect((await errorOf(res)).code, what).toBe('LLRECON_ROUTE_NOT_FOUND');
          continue;
        }
        expect(res.status, what).toBe(403);
        expect((await errorOf(res)).code, what).toBe('LLRECON_DASHBOARD_ACTION_REFUSED');
      }
    expect(await queueState()).toEqual(before);
    // the encoded variants did reach the real routes (and were refused there), not a 404
    for (const path of [`${API}/notify/${id}/update%2Ddata`, `${API}/notify/clea%6E/failed`, `${API}/notify/%65mpty`]) {
      const res = await send(
        operator,
        path.includes('update') ? 'PATCH' : 'PUT',
        path,
        path.includes('update') ? { jobData: {} } : undefined,
      );
      expect(res.status, path).toBe(403);
    }
  });

  it('lets a viewer inspect but not retry or promote', async () => {
    const job = await send(viewer, 'GET', `${API}/notify/${encodeURIComponent(failed.id as string)}`);
    expect(job.status).toBe(200);
    expect(JSON.stringify(await job.json())).toContain('made to fail');
    expect((await send(viewer, 'GET', `${API}?activeQueue=notify&status=failed&page=1`)).status).toBe(200);
    for (const path of [
      `${API}/notify/${encodeURIComponent(failed.id as string)}/retry`,
      `${API}/notify/retry/failed`,
      `${API}/notify/${encodeURIComponent(delayed.id as string)}/promote`,
      `${API}/notify/promote`,
    ]) {
      const res = await send(viewer, 'PUT', path);
      expect(res.status, path).toBe(403);
      expect((await errorOf(res)).code, path).toBe('LLRECON_ROLE_FORBIDDEN');
    }
    expect(await failed.getState()).toBe('failed');
    expect(await delayed.getState()).toBe('delayed');
  });

  it('lets an operator retry a failed job and promote a delayed one, and only those', async () => {
    const notFailed = await send(operator, 'PUT', `${API}/notify/${encodeURIComponent(delayed.id as string)}/retry`);
    expect(notFailed.status).toBe(403);
    expect(await errorOf(notFailed)).toMatchObject({ code: 'LLRECON_DASHBOARD_ACTION_REFUSED', message: 'only failed jobs are retried' });
    const completedAll = await send(operator, 'PUT', `${API}/notify/retry/completed`);
    expect(await errorOf(completedAll)).toMatchObject({ message: 'only failed jobs are retried' });
    const notDelayed = await send(operator, 'PUT', `${API}/notify/${encodeURIComponent(failed.id as string)}/promote`);
    expect(await errorOf(notDelayed)).toMatchObject({ message: 'only delayed jobs are promoted' });

    expect((await send(operator, 'PUT', `${API}/notify/${encodeURIComponent(failed.id as string)}/retry`)).status).toBe(204);
    expect(await failed.getState()).toBe('waiting');
    expect((await send(operator, 'PUT', `${API}/notify/${encodeURIComponent(delayed.id as string)}/promote`)).status).toBe(204);
    expect(await delayed.getState()).toBe('waiting');
  });
});

describe("bull-board's pages", () => {
  it('carry a CSP and name nothing outside this site', async () => {
    const auth = { authorization: `Bearer ${viewer}` };
    for (const path of ['/admin/queues', '/admin/queues/queue/notify']) {
      const res = await fetch(`${base}${path}`, { headers: auth });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(BOARD_CSP);
      const page = await res.text();
      expect(page).toContain('<div id="root">');
      expect(page).not.toMatch(/googleapis|gstatic/);
      const refs = [...page.matchAll(/\b(?:href|src)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] as string);
      expect(refs.length).toBeGreaterThan(3);
      for (const ref of refs) expect(ref, ref).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:)?\/\//i);
      // every script and stylesheet it names is served here, under the same policy
      for (const ref of refs.filter((r) => /\.(js|css)$/.test(r))) {
        const asset = await fetch(new URL(ref, `${base}/admin/queues/`), { headers: auth });
        expect(asset.status, ref).toBe(200);
        expect(asset.headers.get('content-security-policy')).toBe(BOARD_CSP);
        expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
      }
    }
    expect(BOARD_CSP).toMatch(/default-src 'none'/);
    expect(BOARD_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(BOARD_CSP).toMatch(/frame-ancestors 'none'/);
  });
});
