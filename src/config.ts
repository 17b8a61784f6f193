// llrecon's settings: read once from the environment (and a `.env` file in the working directory, which real
// environment variables override), checked whole, and reported with one line per problem naming the variable.
// Keys stay text here: importing them is the daemon's job (src/lianlian/keys.ts).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { LlreconError } from './errors.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { formatDuration, parseDuration, parseDurationList } from './reconcile/duration.js';

/** What a process runs: the HTTP server, the query workers, the notify workers. */
export type Role = 'api' | 'query' | 'notify';
export const ROLES: readonly Role[] = ['api', 'query', 'notify'];

export type LianLianEnv = 'sandbox' | 'production';

/** LianLian's production endpoints (protocol notes §2). */
export const LIANLIAN_PRODUCTION_URLS = {
  query: 'https://queryapi.lianlianpay.com/preauthquery.htm',
  verify: 'https://fe-pay.lianlianpay.com/exchange/v1/bankcardpayverify',
} as const;

/** The settings of one llrecon process. Durations are milliseconds. */
export interface Config {
  env: LianLianEnv;
  /** Merchant id (18 digits); null in sandbox when unset (the sandbox generates one). */
  oidPartner: string | null;
  /** Merchant RSA private key as given: PEM (PKCS#1 or #8) or bare base64 PKCS#8. */
  privateKeyText: string | null;
  /** LianLian's RSA public key as given: PEM or bare base64 X.509. */
  publicKeyText: string | null;
  /** Pre-auth query endpoint; production default LianLian's, sandbox null (the simulator's). */
  queryUrl: string | null;
  /** Exchange-payment Verify API endpoint; production default LianLian's, sandbox null. */
  verifyUrl: string | null;
  /** WEB Payment endpoint; no documented default: null unless set. */
  webPaymentUrl: string | null;
  /** null: the daemon starts its own redis-server. */
  redisUrl: string | null;
  redisPrefix: string;
  redisCluster: boolean;
  httpHost: string;
  httpPort: number;
  /** Required in production; in sandbox null when unset (the daemon generates one). */
  adminToken: string | null;
  queryRatePerSec: number;
  queryTimeoutMs: number;
  queryConcurrency: number;
  /** null: the project's default policy. */
  pollSchedule: number[] | null;
  /** null: `valid_order` + 1 day, per order. */
  trackingHorizonMs: number | null;
  eventsRetentionMs: number;
  notFoundGraceMs: number;
  roles: Set<Role>;
  logLevel: LogLevel;
  /** The optional event webhook sink. */
  webhook: { url: string; secret: string } | null;
  /** Absolute directory for sandbox keys, the generated admin token and the embedded Redis. */
  dataDir: string;
}

/** An invalid configuration: `problems` holds one line per problem, each starting with the variable's name. */
export class ConfigError extends LlreconError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('LLRECON_CONFIG', problems.join('\n'));
    this.problems = problems;
  }

  /** Like LlreconError's brand check, narrowed to configuration errors. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof LlreconError && Array.isArray((value as { problems?: unknown }).problems);
  }
}

export interface LoadConfigOptions {
  /** Where `.env` is looked for and relative paths (`*_FILE`, `DATA_DIR`) start (default process.cwd()). */
  cwd?: string;
}

/** Reads the `.env` file of `cwd` when there is one: its variables, or a problem line. */
function readDotEnv(cwd: string, problems: string[]): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return {};
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`.env: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return {};
  }
}

/** Accepts `\n` escapes in a PEM given on one line (common in container environments). */
function unescapePem(text: string): string {
  return text.includes('-----BEGIN') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
}

const BASE64_KEY_RE = /^[A-Za-z0-9+/\s]+={0,2}$/;

/** A cheap look at a key's shape, so that production start-up lists every problem at once. Never echoes the key. */
function keyShapeProblem(name: string, text: string, kind: 'private' | 'public'): string | null {
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (kind === 'private') {
    if (pem === 'ENCRYPTED PRIVATE KEY') return `${name}: the key is encrypted: give it unencrypted (PKCS#1 or PKCS#8 PEM)`;
    if (pem === 'PUBLIC KEY' || pem === 'RSA PUBLIC KEY') return `${name}: this is a public key: give the merchant's private key`;
    if (pem === 'PRIVATE KEY' || pem === 'RSA PRIVATE KEY' || (pem === undefined && BASE64_KEY_RE.test(text))) return null;
    return `${name}: not a private key: expected PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) or bare base64 PKCS#8`;
  }
  if (pem?.includes('PRIVATE KEY')) return `${name}: this is a private key: give LianLian's public key (and keep this one secret)`;
  if (pem === 'PUBLIC KEY' || pem === 'RSA PUBLIC KEY' || (pem === undefined && BASE64_KEY_RE.test(text))) return null;
  return `${name}: not a public key: expected PEM (BEGIN PUBLIC KEY) or bare base64 X.509 SubjectPublicKeyInfo`;
}

/** Masks a URL's password and query values, for messages and the banner. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    return u.href;
  } catch {
    return '(unparseable URL)';
  }
}

/** Collects problems while reading variables; every reader returns a usable value even after a problem. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly cwd: string,
  ) {}

  /** The trimmed value, or undefined when unset or blank. */
  text(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  problem(name: string, message: string): void {
    this.problems.push(`${name}: ${message}`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.text(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem(name, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got "${v}")`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.text(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (v === 'true' || v === 'false') return v === 'true';
    this.problem(name, `must be "true" or "false" (got "${this.text(name)}")`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.text(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (/^\d+$/.test(v) && n >= min && n <= max) return n;
    this.problem(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
    return fallback;
  }

  /** A duration (`ms s m h d`), at least `min` ms. */
  duration(name: string, fallback: number, min: number): number;
  duration(name: string, fallback: null, min: number): number | null;
  duration(name: string, fallback: number | null, min: number): number | null {
    const v = this.text(name);
    if (v === undefined) return fallback;
    try {
      const ms = parseDuration(v, name);
      if (ms >= min) return ms;
      this.problem(name, `must be at least ${min}ms (got "${v}")`);
    } catch (err) {
      this.parseProblem(name, err);
    }
    return fallback;
  }

  durationList(name: string): number[] | null {
    const v = this.text(name);
    if (v === undefined) return null;
    try {
      return parseDurationList(v, name);
    } catch (err) {
      this.parseProblem(name, err);
    }
    return null;
  }

  private parseProblem(name: string, err: unknown): void {
    if (!(err instanceof LlreconError)) throw err;
    for (const line of err.message.split('\n')) this.problems.push(line.startsWith(name) ? line : `${name}: ${line}`);
  }

  url(name: string, protocols: readonly string[]): string | null {
    const v = this.text(name);
    if (v === undefined) return null;
    try {
      const u = new URL(v);
      if (protocols.includes(u.protocol) && u.hostname) return v;
    } catch {
      // reported below
    }
    this.problem(name, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (got "${maskUrl(v)}")`);
    return null;
  }

  /** A secret given as text (`NAME`) or as a file (`NAME_FILE`), never both. */
  textOrFile(name: string): string | null {
    const fileName = `${name}_FILE`;
    const text = this.text(name);
    const path = this.text(fileName);
    if (text !== undefined && path !== undefined) {
      this.problem(name, `set either ${name} or ${fileName}, not both`);
      return null;
    }
    if (text !== undefined) return unescapePem(text);
    if (path === undefined) return null;
    const file = resolve(this.cwd, path);
    try {
      const content = readFileSync(file, 'utf8').trim();
      if (content) return content;
      this.problem(fileName, `${file} is empty`);
    } catch (err) {
      this.problem(fileName, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    return null;
  }
}

function readRoles(r: EnvReader): Set<Role> {
  const v = r.text('ROLES');
  if (v === undefined) return new Set(ROLES);
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = items.filter((s) => !(ROLES as readonly string[]).includes(s));
  if (items.length === 0 || unknown.length > 0) {
    r.problem('ROLES', `must be a comma list of ${ROLES.join(', ')} (got "${v}")`);
    return new Set(ROLES);
  }
  return new Set(items as Role[]);
}

const WEBHOOK_SECRET_RE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const MIN_WEBHOOK_SECRET_BYTES = 24;
const MIN_ADMIN_TOKEN_CHARS = 24;

function readWebhook(r: EnvReader): { url: string; secret: string } | null {
  const url = r.url('EVENTS_WEBHOOK_URL', ['https:', 'http:']);
  const secret = r.text('EVENTS_WEBHOOK_SECRET');
  if (secret !== undefined) {
    const b64 = WEBHOOK_SECRET_RE.exec(secret)?.[1];
    if (b64 === undefined || Buffer.from(b64, 'base64').length < MIN_WEBHOOK_SECRET_BYTES) {
      r.problem('EVENTS_WEBHOOK_SECRET', `must be "whsec_" followed by base64 of at least ${MIN_WEBHOOK_SECRET_BYTES} random bytes`);
      return null;
    }
    if (!r.text('EVENTS_WEBHOOK_URL')) r.problem('EVENTS_WEBHOOK_URL', 'required when EVENTS_WEBHOOK_SECRET is set');
  } else if (r.text('EVENTS_WEBHOOK_URL')) {
    r.problem('EVENTS_WEBHOOK_SECRET', 'required when EVENTS_WEBHOOK_URL is set (whsec_ followed by base64)');
  }
  return url !== null && secret !== undefined ? { url, secret } : null;
}

/**
 * Reads and checks every setting. Throws a ConfigError listing all problems at once (one line each, naming the
 * variable); values of secret variables never appear in it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadConfigOptions = {}): Config {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const dotEnvProblems: string[] = [];
  const r = new EnvReader({ ...readDotEnv(cwd, dotEnvProblems), ...env }, cwd);
  r.problems.push(...dotEnvProblems);

  const mode = r.oneOf<LianLianEnv>('LIANLIAN_ENV', ['sandbox', 'production'], 'sandbox');
  const production = mode === 'production';

  let oidPartner = r.text('LIANLIAN_OID_PARTNER') ?? null;
  if (oidPartner !== null && !/^\d{18}$/.test(oidPartner)) {
    r.problem('LIANLIAN_OID_PARTNER', `must be 18 digits (got "${oidPartner}")`);
    oidPartner = null;
  }
  const privateKeyText = r.textOrFile('LIANLIAN_PRIVATE_KEY');
  const publicKeyText = r.textOrFile('LIANLIAN_PUBLIC_KEY');
  for (const [name, text, kind] of [
    ['LIANLIAN_PRIVATE_KEY', privateKeyText, 'private'],
    ['LIANLIAN_PUBLIC_KEY', publicKeyText, 'public'],
  ] as const) {
    const p = text === null ? null : keyShapeProblem(name, text, kind);
    if (p) r.problems.push(p);
  }

  const httpUrl = ['https:', 'http:'] as const;
  const queryUrl = r.url('LIANLIAN_QUERY_URL', httpUrl);
  const verifyUrl = r.url('LIANLIAN_VERIFY_URL', httpUrl);
  const webPaymentUrl = r.url('LIANLIAN_WEB_PAYMENT_URL', httpUrl);

  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:']);
  const redisPrefix = r.text('REDIS_PREFIX') ?? 'llrecon';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisPrefix))
    r.problem('REDIS_PREFIX', `must be 1–64 letters, digits or "_-." (got "${redisPrefix}")`);
  const redisCluster = r.boolean('REDIS_CLUSTER', false);
  if (redisCluster && !r.text('REDIS_URL'))
    r.problem('REDIS_CLUSTER', 'true needs REDIS_URL naming a seed node of the cluster (the embedded redis-server is not a cluster)');

  const httpHost = r.text('HTTP_HOST') ?? '127.0.0.1';
  if (/[\s/]/.test(httpHost)) r.problem('HTTP_HOST', `must be a host name or IP address (got "${httpHost}")`);
  const httpPort = r.integer('HTTP_PORT', 3000, 0, 65535);

  const adminToken = r.text('ADMIN_TOKEN') ?? null;
  if (adminToken !== null && /\s/.test(adminToken)) r.problem('ADMIN_TOKEN', 'must not contain whitespace');
  else if (adminToken !== null && production && adminToken.length < MIN_ADMIN_TOKEN_CHARS)
    r.problem('ADMIN_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_CHARS} characters in production (e.g. openssl rand -base64 32)`);

  if (production) {
    const required: Array<[string, unknown, string]> = [
      ['LIANLIAN_OID_PARTNER', r.text('LIANLIAN_OID_PARTNER'), 'the 18-digit merchant id LianLian assigned'],
      [
        'LIANLIAN_PRIVATE_KEY',
        privateKeyText ?? r.text('LIANLIAN_PRIVATE_KEY_FILE'),
        "set it or LIANLIAN_PRIVATE_KEY_FILE: the merchant's RSA private key",
      ],
      [
        'LIANLIAN_PUBLIC_KEY',
        publicKeyText ?? r.text('LIANLIAN_PUBLIC_KEY_FILE'),
        "set it or LIANLIAN_PUBLIC_KEY_FILE: LianLian's RSA public key",
      ],
      ['ADMIN_TOKEN', adminToken, `at least ${MIN_ADMIN_TOKEN_CHARS} characters, e.g. openssl rand -base64 32`],
    ];
    for (const [name, value, hint] of required) if (value == null) r.problem(name, `required in production (${hint})`);
  }

  const config: Config = {
    env: mode,
    oidPartner,
    privateKeyText,
    publicKeyText,
    queryUrl: queryUrl ?? (production ? LIANLIAN_PRODUCTION_URLS.query : null),
    verifyUrl: verifyUrl ?? (production ? LIANLIAN_PRODUCTION_URLS.verify : null),
    webPaymentUrl,
    redisUrl,
    redisPrefix,
    redisCluster,
    httpHost,
    httpPort,
    adminToken,
    queryRatePerSec: r.integer('QUERY_RATE_PER_SEC', 5, 1, 100_000),
    queryTimeoutMs: r.duration('QUERY_TIMEOUT', 10_000, 1),
    queryConcurrency: r.integer('QUERY_CONCURRENCY', 16, 1, 10_000),
    pollSchedule: r.durationList('POLL_SCHEDULE'),
    trackingHorizonMs: r.duration('TRACKING_HORIZON', null, 1),
    eventsRetentionMs: r.duration('EVENTS_RETENTION', 7 * 86_400_000, 1),
    notFoundGraceMs: r.duration('NOT_FOUND_GRACE', 30 * 60_000, 0),
    roles: readRoles(r),
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info'),
    webhook: readWebhook(r),
    dataDir: resolve(cwd, r.text('DATA_DIR') ?? './.data'),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/**
 * A summary of the settings for the start-up banner and `--help`-style output, keyed by variable name. Secrets
 * (keys, tokens, the webhook secret, passwords in URLs) are masked; nothing secret is in it.
 */
export function describeConfig(config: Config): Record<string, string> {
  const sandbox = config.env === 'sandbox';
  const secret = (v: string | null, unset: string) => (v === null ? unset : '(set, masked)');
  return {
    LIANLIAN_ENV: config.env,
    LIANLIAN_OID_PARTNER: config.oidPartner ?? (sandbox ? 'sandbox: generated' : '(unset)'),
    LIANLIAN_PRIVATE_KEY: secret(config.privateKeyText, sandbox ? 'sandbox: generated' : '(unset)'),
    LIANLIAN_PUBLIC_KEY: config.publicKeyText === null ? (sandbox ? "sandbox: the simulator's" : '(unset)') : '(set)',
    LIANLIAN_QUERY_URL: config.queryUrl ? maskUrl(config.queryUrl) : "sandbox: the simulator's",
    LIANLIAN_VERIFY_URL: config.verifyUrl ? maskUrl(config.verifyUrl) : '(unset)',
    LIANLIAN_WEB_PAYMENT_URL: config.webPaymentUrl ? maskUrl(config.webPaymentUrl) : '(unset)',
    REDIS_URL: config.redisUrl ? maskUrl(config.redisUrl) : 'embedded redis-server',
    REDIS_PREFIX: config.redisPrefix,
    REDIS_CLUSTER: String(config.redisCluster),
    HTTP_HOST: config.httpHost,
    HTTP_PORT: String(config.httpPort),
    ADMIN_TOKEN: secret(config.adminToken, sandbox ? `sandbox: generated, kept under ${config.dataDir}` : '(unset)'),
    QUERY_RATE_PER_SEC: String(config.queryRatePerSec),
    QUERY_TIMEOUT: formatDuration(config.queryTimeoutMs),
    QUERY_CONCURRENCY: String(config.queryConcurrency),
    POLL_SCHEDULE: config.pollSchedule ? config.pollSchedule.map(formatDuration).join(',') : 'default policy',
    TRACKING_HORIZON: config.trackingHorizonMs === null ? 'valid_order + 1 day, per order' : formatDuration(config.trackingHorizonMs),
    EVENTS_RETENTION: formatDuration(config.eventsRetentionMs),
    NOT_FOUND_GRACE: formatDuration(config.notFoundGraceMs),
    ROLES: [...config.roles].join(','),
    LOG_LEVEL: config.logLevel,
    EVENTS_WEBHOOK_URL: config.webhook ? maskUrl(config.webhook.url) : '(off)',
    EVENTS_WEBHOOK_SECRET: secret(config.webhook?.secret ?? null, '(off)'),
    DATA_DIR: config.dataDir,
  };
}
