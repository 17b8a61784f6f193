// llrecon capture / void: ask the daemon's HTTP API to capture or void an order, with a token, so that roles, the
// audit name and every rule of the API hold here too (nothing is sent to LianLian from this command). With
// --wait, it follows the action until the state LianLian reports settles it.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ActionKind } from '../../clients/preauth-action-client.js';
import { loadConfig, type Config } from '../../config.js';
import { ERRORS, LlreconError, type ErrorCode } from '../../errors.js';
import { parseDuration } from '../../reconcile/duration.js';
import { osUser } from '../ops.js';

interface ActionFlags {
  reason: string;
  amount?: string;
  actor?: string;
  idempotencyKey?: string;
  url?: string;
  token?: string;
  wait?: boolean;
  timeout: string;
}

/** The API's base URL: --url, else HTTP_HOST:HTTP_PORT of the settings (0.0.0.0 and :: reached on loopback). */
function apiBase(config: Config, given?: string): string {
  if (given) return given.replace(/\/+$/, '');
  const host = config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.httpPort}`;
}

/** The bearer token: --token, else LLRECON_TOKEN, else ADMIN_TOKEN, else the sandbox's generated one. */
function apiToken(config: Config, given?: string): string {
  const token = given ?? process.env.LLRECON_TOKEN ?? config.adminToken ?? null;
  if (token) return token;
  const file = join(config.dataDir, 'admin_token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new LlreconError(
    'LLRECON_CONFIG',
    'no API token: give --token, or set LLRECON_TOKEN (an operator of ADMIN_USERS_FILE) or ADMIN_TOKEN',
  );
}

async function call(
  method: string,
  url: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new LlreconError(
      'LLRECON_TRANSPORT',
      `cannot reach the llrecon API at ${new URL(url).origin}: ${(err as Error).message} (is the daemon running? --url)`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown> & {
    error?: { code?: string; message?: string; field?: string };
  };
  if (res.status >= 400) {
    const e = json.error ?? {};
    // the API's own error, with its code: the CLI's exit code follows its kind (input/state: 2, else 1)
    const code = e.code !== undefined && Object.hasOwn(ERRORS, e.code) ? (e.code as ErrorCode) : 'LLRECON_INTERNAL';
    throw new LlreconError(code, `${res.status}: ${e.message ?? 'request refused'}`, e.field === undefined ? {} : { field: e.field });
  }
  return json;
}

const SETTLED = new Set(['done', 'failed', 'refused', 'not_taken', 'superseded', 'not_sent']);

function registerOne(program: Command, kind: ActionKind): void {
  const cmd = program
    .command(kind)
    .description(
      kind === 'capture'
        ? 'capture an authorized order (all of it, or --amount) through the API: sent to LianLian at most once'
        : "void an authorized order's hold through the API: sent to LianLian at most once",
    )
    .argument('<no_order>', 'the order')
    .requiredOption('--reason <text>', "why (kept in the order's history)")
    .option('--actor <name>', "on whose behalf (recorded beside the token's user)")
    .option('--idempotency-key <key>', 'repeat safely: the same key and request return the same action (24 h)')
    .option('--url <url>', 'the llrecon API (default http://HTTP_HOST:HTTP_PORT)')
    .option('--token <token>', "an operator token (default LLRECON_TOKEN, ADMIN_TOKEN, or the sandbox's)")
    .option('--wait', 'follow the action until its outcome is known')
    .option('--timeout <duration>', 'how long --wait waits', '2m');
  if (kind === 'capture') cmd.option('--amount <money>', 'capture this much of the hold (two decimals; default all of it)');
  cmd.action(async (no: string, flags: ActionFlags) => {
    const config = loadConfig();
    const base = apiBase(config, flags.url);
    const token = apiToken(config, flags.token);
    const body: Record<string, string> = { reason: flags.reason, actor: flags.actor ?? osUser() };
    if (kind === 'capture' && flags.amount !== undefined) body.money_order = flags.amount;
    const headers: Record<string, string> = flags.idempotencyKey ? { 'idempotency-key': flags.idempotencyKey } : {};
    const path = `/orders/${encodeURIComponent(no)}`;
    const { action_id } = (await call('POST', `${base}${path}/${kind}`, token, body, headers)) as { action_id: string };
    process.stdout.write(`${kind} of ${no} recorded: action ${action_id} (sent to LianLian at most once)\n`);
    if (!flags.wait) return;
    const end = Date.now() + parseDuration(flags.timeout, '--timeout');
    for (;;) {
      const a = await call('GET', `${base}${path}/actions/${encodeURIComponent(action_id)}`, token);
      if (SETTLED.has(String(a.status))) {
        process.stdout.write(
          `action ${action_id}: ${String(a.status)} (LianLian answered ${String(a.ret_code ?? a.error ?? 'nothing')})\n`,
        );
        if (a.status !== 'done') process.exitCode = 1;
        return;
      }
      if (Date.now() > end) {
        process.stdout.write(
          `action ${action_id}: ${String(a.status)} — outcome not known yet; llrecon keeps confirming by query and never sends it again (see GET ${path}/actions/${action_id})\n`,
        );
        process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

export function register(program: Command): void {
  registerOne(program, 'capture');
}

export function registerVoid(program: Command): void {
  registerOne(program, 'void');
}
