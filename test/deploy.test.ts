// Docker is not available where the tests run, so the deployment files are checked for what they promise:
// Redis with append-only persistence, noeviction, a health check and a volume; llrecon built by a multi-stage
// Dockerfile with production dependencies only, a non-root user and a health check on /healthz; a sandbox profile.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DAEMON_ENV } from '../src/process-tuning.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync('Dockerfile', 'utf8');
const joined = (x: string[] | string | undefined) => (Array.isArray(x) ? x.join(' ') : (x ?? ''));

describe('docker-compose.yml', () => {
  const redis = compose.services.redis as Service;
  const app = compose.services.llrecon as Service;

  it('runs Redis append-only, noeviction, health-checked, on a named volume', () => {
    expect(joined(redis.command)).toMatch(/--appendonly yes/);
    expect(joined(redis.command)).toMatch(/--maxmemory-policy noeviction/);
    expect(joined(redis.healthcheck?.test)).toContain('ping');
    const volume = (redis.volumes ?? []).find((v) => v.endsWith(':/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain((volume as string).split(':')[0]);
  });

  it('builds llrecon from the Dockerfile, waits for a healthy Redis, and checks /healthz', () => {
    expect(app.build).toBeDefined();
    expect(app.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(app.depends_on?.redis?.condition).toBe('service_healthy');
    expect(joined(app.healthcheck?.test)).toContain('/healthz');
  });

  it('has a sandbox profile that runs the simulator', () => {
    const sandboxed = Object.values(compose.services).filter((s) => s.profiles?.includes('sandbox'));
    expect(sandboxed.length).toBeGreaterThan(0);
    expect(sandboxed.some((s) => joined(s.command).split(' ')[0] === 'sandbox')).toBe(true);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split('\n').filter((l) => /^FROM\s/i.test(l));

  it('is multi-stage, and the final stage installs production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const last = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(last).toMatch(/npm ci[^\n]*--omit=dev/);
    expect(last).toContain('COPY --from=');
    expect(last).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);
  });

  it('runs as a non-root user with a health check on /healthz', () => {
    const last = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(last)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(last).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });

  it('runs the daemon with the memory settings the benchmarks measured (src/process-tuning.ts)', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const [name, value] of Object.entries(DAEMON_ENV))
      expect(runtime).toMatch(new RegExp(`^\\s*(ENV\\s+)?${name}=${value.replace(/[-]/g, '\\$&')}\\b`, 'm'));
  });

  it('npm start runs the daemon with the same settings', () => {
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    expect(start).toContain(`MALLOC_ARENA_MAX=${DAEMON_ENV.MALLOC_ARENA_MAX} node ${DAEMON_ENV.NODE_OPTIONS} bin/llrecon.js start`);
  });

  it('uses a Node version the project supports', () => {
    for (const s of stages) expect(s).toMatch(/node:(2[0-9])/);
  });
});
