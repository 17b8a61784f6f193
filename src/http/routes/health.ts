// Liveness, readiness and Prometheus metrics. All three are public (interface.md lists them without auth), so
// that probes and scrapers need no token: they show process health and counts, never an order or a secret.
// Every process serves them whatever its ROLES, from before Redis answers: /healthz is 200 as long as the process
// runs; /readyz is 503 with its reasons (e.g. the Redis it cannot reach, and why) until Redis and the workers run.
import type { FastifyPluginAsync } from 'fastify';
import type { Engine, Readiness } from '../../engine-types.js';
import { withTimeout } from '../../timeout.js';
import { HEALTH_SCHEMAS } from '../openapi-routes.js';

/** How long /readyz waits for the engine's checks before it answers "not ready". */
const READINESS_TIMEOUT_MS = 2000;

/** The engine's readiness, or "not ready" when its checks fail or do not answer in time. */
function readinessWithin(engine: Engine, ms: number): Promise<Readiness> {
  const checked = engine.readiness().catch((): Readiness => ({ ready: false, checks: {}, reasons: ['readiness checks failed'] }));
  return withTimeout(checked, ms, (): Readiness => ({
    ready: false,
    checks: {},
    reasons: [`readiness checks did not answer within ${ms} ms`],
  }));
}

/** `GET /healthz`, `GET /readyz`, `GET /metrics`. */
export const healthRoutes: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  app.get('/healthz', { schema: HEALTH_SCHEMAS.healthz }, async (_req, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );

  app.get('/readyz', { schema: HEALTH_SCHEMAS.readyz }, async (_req, reply) => {
    const readiness = await readinessWithin(engine, READINESS_TIMEOUT_MS);
    return reply
      .code(readiness.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(readiness);
  });

  // Public like /healthz: Prometheus scrapes without credentials; the registry holds counts and timings only.
  app.get('/metrics', async (_req, reply) => {
    const { registry } = engine.metrics;
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(text);
  });
};
