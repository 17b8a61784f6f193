// Docker is not available where the tests run, so the deployment files are checked for what they promise:
// Redis with append-only persistence, noeviction, a health check and a volume; llrecon built by a multi-stage
// Dockerfile with production dependencies only, a non-root user and a health check on /healthz; a sandbox profile.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS } from '../src/config/settings.js';
import { SHUTDOWN_GRACE_MS } from '../src/engine.js';
import { buildApp, buildHealthApp } from '../src/http/app.js';
import { DAEMON_ENV } from '../src/process-tuning.js';
import { withRoutes } from './support/route-list.js';
import { startStack, type Stack } from './support/stack.js';

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

// deploy/ (issue 15 point 4): the Kubernetes manifests, the systemd unit, the Prometheus rules and the Grafana
// dashboard. Real tools where the machine has them (.ci/run installs Debian's prometheus for promtool; systemd is
// Debian's base), and for the rest what each file promises, checked against llrecon itself: the probes' routes are
// served by every role's listener, every metric a rule or panel names is exported, every *_FILE is a setting.
describe('deploy/', () => {
  const K8S = 'deploy/kubernetes';
  // a manifest's spec is free-form YAML, walked by the paths Kubernetes defines; a wrong path fails the test
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = any;
  type Doc = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Loose; data?: Record<string, string> };
  const kustomization = parse(readFileSync(`${K8S}/kustomization.yaml`, 'utf8')) as { resources: string[] };
  const docs: Doc[] = kustomization.resources.flatMap((f) =>
    parseAllDocuments(readFileSync(`${K8S}/${f}`, 'utf8')).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS() as Doc;
    }),
  );
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const container = (d: Doc): Loose => d.spec.template.spec.containers[0];
  const envOf = (d: Doc): Record<string, string> => {
    const config = docs.find((c) => c.kind === 'ConfigMap')?.data ?? {};
    return { ...config, ...Object.fromEntries((container(d).env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value])) };
  };
  const settingNamed = (name: string) => SETTINGS.find((s) => s.name === name);
  let stack: Stack;
  let metricNames: Set<string>;

  beforeAll(async () => {
    stack = await startStack({
      http: true,
      env: { EVENTS_WEBHOOK_URL: 'http://127.0.0.1:9/hook', EVENTS_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
    });
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    metricNames = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The llrecon_* series a PromQL text names, as exported names (a histogram's _bucket/_sum/_count are its own). */
  const seriesIn = (promql: string) => [...promql.matchAll(/\bllrecon_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

  it('Kubernetes: one Deployment per role, each probed on /healthz and /readyz of a port it opens, served by its listener', async () => {
    expect(deployments.map((d) => envOf(d).ROLES).sort()).toEqual(['api', 'notify', 'query']);
    const health = (await withRoutes(() => buildHealthApp(stack.engine, { logger: false }))).routes;
    const full = (await withRoutes(() => buildApp(stack.engine, { logger: false }))).routes;
    for (const d of deployments) {
      const c = container(d);
      const ports = new Map((c.ports as Array<{ name: string; containerPort: number }>).map((p) => [p.name, p.containerPort]));
      expect(c.livenessProbe.httpGet.path, d.metadata.name).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path, d.metadata.name).toBe('/readyz');
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        expect(ports.get(probe.httpGet.port), d.metadata.name).toBe(Number(envOf(d).HTTP_PORT));
        const routes = envOf(d).ROLES === 'api' ? full : health;
        expect(routes, probe.httpGet.path).toContainEqual({ method: 'GET', url: probe.httpGet.path });
      }
      expect(envOf(d).HTTP_HOST).toBe('0.0.0.0');
      expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
      // a rolling update never goes below the replicas, and SIGTERM has time to let jobs finish
      expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(d.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
    }
  });

  it('Kubernetes: a PodDisruptionBudget keeps a pod of every role', () => {
    const budgets = docs.filter((d) => d.kind === 'PodDisruptionBudget');
    for (const d of deployments) {
      const covering = budgets.filter((b) =>
        Object.entries(b.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(covering, d.metadata.name).toHaveLength(1);
      expect(covering[0]?.spec.minAvailable, d.metadata.name).toBeGreaterThanOrEqual(1);
    }
  });

  it('Kubernetes: the NetworkPolicies open only the callback listener (NOTIFY_HTTP_PORT) to anyone', () => {
    const api = deployments.find((d) => envOf(d).ROLES === 'api') as Doc;
    const notifyPort = Number(envOf(api).NOTIFY_HTTP_PORT);
    expect(notifyPort).toBeGreaterThan(0);
    expect((container(api).ports as Array<{ containerPort: number }>).map((p) => p.containerPort)).toContain(notifyPort);
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    // every llrecon pod is selected by some policy (so that ingress is denied unless a rule allows it)
    for (const d of deployments) {
      const selected = policies.some((p) =>
        Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(selected, d.metadata.name).toBe(true);
    }
    for (const p of policies) {
      expect(p.spec.policyTypes).toContain('Ingress');
      for (const rule of p.spec.ingress as Array<{ from?: unknown[]; ports: Array<{ port: number }> }>) {
        const open = rule.from === undefined || rule.from.length === 0;
        if (open)
          expect(
            rule.ports.map((x) => x.port),
            p.metadata.name,
          ).toEqual([notifyPort]);
        else expect(rule.ports.map((x) => x.port)).not.toContain(notifyPort);
      }
    }
    // the public Service leads to the callback port only
    const publicService = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'llrecon-callbacks') as Doc;
    expect(publicService.spec.ports.map((x: { targetPort: string }) => x.targetPort)).toEqual(['callbacks']);
  });

  it('Kubernetes: secrets are files from a Secret volume, named by *_FILE settings llrecon reads; none is inline', () => {
    const secretNames = SETTINGS.filter((s) => s.secret).map((s) => s.name);
    for (const d of deployments) {
      const env = envOf(d);
      const mounts = container(d).volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>;
      const volumes = d.spec.template.spec.volumes as Array<{ name: string; secret?: { secretName: string } }>;
      const secretDirs = mounts.filter((m) => volumes.find((v) => v.name === m.name)?.secret && m.readOnly).map((m) => m.mountPath);
      const files = Object.entries(env).filter(([k]) => k.endsWith('_FILE'));
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const [name, path] of files) {
        const s = settingNamed(name.replace(/_FILE$/, ''));
        expect(s?.file === true || settingNamed(name) !== undefined, name).toBe(true);
        expect(
          secretDirs.some((dir) => path.startsWith(`${dir}/`)),
          name,
        ).toBe(true);
      }
      for (const name of secretNames) expect(env[name], name).toBeUndefined();
      expect(env.REDIS_URL, 'REDIS_URL carries the data password: a file').toBeUndefined();
      // every variable given is one llrecon knows
      for (const name of Object.keys(env)) expect(settingNamed(name) ?? settingNamed(name.replace(/_FILE$/, '')), name).toBeDefined();
    }
  });

  it('systemd: the unit verifies, signals the daemon alone first, restarts on failure, hands secrets over as files', () => {
    const unit = 'deploy/systemd/llrecon.service';
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze (Debian: systemd) must be installed').toBeUndefined();
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
    const text = readFileSync(unit, 'utf8');
    const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);
    expect(values('KillMode')).toEqual(['mixed']);
    expect(values('KillSignal')).toEqual(['SIGTERM']);
    expect(values('Restart')).toEqual(['on-failure']);
    expect(Number(values('TimeoutStopSec')[0]) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
    expect(values('ExecStart')[0]).toMatch(/node \S*bin\/llrecon\.js start$/);
    const credentials = values('LoadCredential').map((v) => v.split(':')[0]);
    const fileVars = values('Environment').filter((v) => /^[A-Z_]+_FILE=/.test(v));
    expect(fileVars.length).toBe(credentials.length);
    for (const v of fileVars) {
      const [name, path] = v.split('=') as [string, string];
      expect(settingNamed(name.replace(/_FILE$/, ''))?.file === true || settingNamed(name) !== undefined, name).toBe(true);
      expect(credentials).toContain(path.replace('%d/', ''));
    }
    for (const [name, value] of Object.entries(DAEMON_ENV)) expect(text).toContain(`${name}=${value}`);
  });

  it('Prometheus: promtool accepts the rules, which name only exported metrics and include the README examples', () => {
    const rules = 'deploy/prometheus/llrecon-rules.yml';
    const r = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(r.error, 'promtool (Debian: prometheus) must be installed; .ci/run installs it').toBeUndefined();
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
    const groups = (parse(readFileSync(rules, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups;
    const all = groups.flatMap((g) => g.rules);
    for (const rule of all) for (const m of seriesIn(rule.expr)) expect(metricNames, `${rule.alert}: ${m}`).toContain(m);
    const readme = readFileSync('README.md', 'utf8');
    for (const m of readme.matchAll(/- alert: (\w+)/g)) expect(all.map((x) => x.alert)).toContain(m[1]);
    expect(all.map((x) => x.alert)).toContain('LlreconEventConsumerBehind');
  });

  it('Grafana: the dashboard parses, and every panel queries exported metrics from a chosen Prometheus', () => {
    const dash = JSON.parse(readFileSync('deploy/grafana/llrecon-dashboard.json', 'utf8')) as {
      uid: string;
      panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string; type: string }> };
    };
    expect(dash.uid).toBe('llrecon');
    expect(dash.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const shown = new Set<string>();
    for (const p of dash.panels) {
      expect(p.datasource.uid, p.title).toBe('${datasource}');
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) for (const m of seriesIn(t.expr)) shown.add(m);
    }
    for (const m of shown) expect(metricNames, m).toContain(m);
    // the metrics operators watch first are all on it
    for (const m of [
      'llrecon_orders',
      'llrecon_events_total',
      'llrecon_queries_total',
      'llrecon_callbacks_total',
      'llrecon_queue_jobs',
      'llrecon_event_group_behind_seconds',
    ])
      expect(shown, m).toContain(m);
  });
});
