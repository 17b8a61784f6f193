// Every route an app serves, as the app registers it: an onRoute hook is put on each Fastify instance the moment
// it exists (Fastify announces every new instance on the `fastify.initialization` diagnostics channel, before any
// plugin), so that a route added anywhere cannot slip past the tests that walk them all.
import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';

export interface RouteDef {
  method: string;
  url: string;
}

/** Build an app with `build`, recording each route (method and pattern) it declares. */
export async function withRoutes(build: () => Promise<FastifyInstance>): Promise<{ app: FastifyInstance; routes: RouteDef[] }> {
  const routes: RouteDef[] = [];
  const onInit = (message: unknown) =>
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
  diagnostics.subscribe('fastify.initialization', onInit);
  try {
    return { app: await build(), routes };
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
}

/** A concrete path for a route pattern: each parameter from `values` (else `x`), a trailing wildcard too. */
export function pathFor(url: string, values: Record<string, string> = {}): string {
  return url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x').replace(/\*$/, 'x.js');
}

/** The base URL of a listening app on loopback. */
export function baseOf(app: FastifyInstance): string {
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}
