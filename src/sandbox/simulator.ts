// The LianLian simulator: an HTTP server on loopback that answers the pre-auth query, the Verify API and the
// WEB Payment cashier like LianLian, signs with its own key, sends asynchronous notifications, and plays the
// faults tests ask for. Orders follow scripted or random timelines.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fieldError } from '../errors.js';
import { generateKeyPair, importPrivateKey, type PrivateKey, type PublicKey } from '../lianlian/keys.js';
import { signFields } from '../lianlian/signature.js';
import type { ApiContext, SettleSpelling } from './api-context.js';
import { MALFORMED_BODY, signedBody, unsignedAnswer } from './answers.js';
import { FaultPlan, isTwist, type AnswerTwist, type Fault, type FaultOptions } from './faults.js';
import { answerGatewayForm } from './gateway-route.js';
import { readBody, send, sendJson } from './http-io.js';
import { peekNoOrder } from './merchant-request.js';
import { Notifier, notificationFields } from './notifier.js';
import { OrderBook, type Entered, type NewOrder, type SimOrder } from './orders.js';
import { answerPreauthQuery } from './preauth-route.js';
import { ACTION_PATHS, ActionBook, answerAction, type ActionFault, type SimActionKind } from './action-route.js';
import { mulberry32 } from './timeline.js';
import { answerVerify } from './verify-route.js';
import { Verifications, type VerificationOptions } from './verifications.js';

/** Options of {@link LianLianSimulator}. */
export interface SimulatorOptions {
  /** The simulator's own "LianLian" key: answers and notifications are signed with it. */
  lianlianPrivateKey: PrivateKey;
  /** The merchants it knows, with the public keys their requests must verify with. */
  merchants: Array<{ oid_partner: string; publicKey: PublicKey }>;
  /** Delay between notification attempts (LianLian: 2 minutes). */
  notifyIntervalMs?: number;
  /** Attempts per notification, first one included (LianLian: 30). */
  notifyMaxAttempts?: number;
  /** Seed of the random timelines, numbers and chaos faults (random when absent). */
  seed?: number;
  /** The clock (epoch ms); `Date.now` when absent. */
  now?: () => number;
  /**
   * Whether "no record" answers (8901) are signed: false by default, as LianLian's error answers usually carry no
   * `sign`; true signs them (with the ids asked about), for a client that must cope with both. Can be changed on
   * a running simulator.
   */
  signNoRecord?: boolean;
  /** How the Verify API spells its settle fields (default `either`: drawn per answer, as the seed's table and sample differ). */
  settleSpelling?: SettleSpelling;
}

const QUERY_PATH = '/preauthquery.htm';
const VERIFY_PATH = '/exchange/v1/bankcardpayverify';
const GATEWAY_PATH = '/payment/bankgateway.htm';
/** How often time-driven timelines are moved on, so notifications go out without anyone querying. */
const TICK_MS = 250;

/** A stand-in for LianLian Pay's servers, for tests and the sandbox. */
export class LianLianSimulator {
  private readonly merchants: Map<string, PublicKey>;
  private readonly now: () => number;
  private readonly rng: () => number;
  private readonly orders: OrderBook;
  private readonly faults = new FaultPlan();
  private readonly verifications = new Verifications();
  private readonly notifier: Notifier;
  /** Capture and void (action-route.ts): requests per order, planned outcomes and faults. */
  readonly actions = new ActionBook();
  private readonly queries = new Map<string, number>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private strangerKey: PrivateKey | null = null;
  private server: Server | null = null;
  private tick: NodeJS.Timeout | null = null;
  private baseUrl: string | null = null;
  private requests = 0;
  private readonly lastQueries = new Map<string, string>();
  /** Arrival times (epoch ms, fractional) of pre-auth queries, newest last; capped. */
  private readonly arrivals: number[] = [];
  private stopped = false;
  /** Whether "no record" answers are signed (see {@link SimulatorOptions.signNoRecord}). */
  signNoRecord: boolean;

  constructor(private readonly opts: SimulatorOptions) {
    this.signNoRecord = opts.signNoRecord ?? false;
    this.merchants = new Map(opts.merchants.map((m) => [m.oid_partner, m.publicKey]));
    this.now = opts.now ?? Date.now;
    this.rng = mulberry32(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.orders = new OrderBook(this.rng);
    this.notifier = new Notifier({ intervalMs: opts.notifyIntervalMs ?? 120_000, maxAttempts: opts.notifyMaxAttempts ?? 30 });
  }

  /** Starts listening (default 127.0.0.1 on a free port); resolves with the base URL. */
  async start(where: { host?: string; port?: number } = {}): Promise<{ url: string }> {
    if (this.server || this.stopped) throw new Error('the simulator is already started (or stopped: make a new one)');
    const host = where.host ?? '127.0.0.1';
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => send(res, 500, 'text/plain;charset=utf-8', 'simulator error'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.tick = setInterval(() => this.dispatch(this.orders.settleAll(this.now())), TICK_MS);
    this.tick.unref();
    return { url: this.baseUrl };
  }

  /** Stops answering, sending and resending; open connections (stalled requests too) are closed. Final. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
    this.notifier.stop();
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The base URL, e.g. `http://127.0.0.1:8900`. */
  get url(): string {
    if (this.baseUrl === null) throw new Error('the simulator is not started');
    return this.baseUrl;
  }

  /** The pre-auth query endpoint. */
  get queryUrl(): string {
    return `${this.url}${QUERY_PATH}`;
  }

  /** The Verify API endpoint. */
  get verifyUrl(): string {
    return `${this.url}${VERIFY_PATH}`;
  }

  /** The WEB Payment cashier (an HTML form posts here). */
  get gatewayUrl(): string {
    return `${this.url}${GATEWAY_PATH}`;
  }

  /** Base of the capture and void endpoints (LIANLIAN_TRADER_URL): `preauthComplete.htm`, `preauthCancel.htm`. */
  get traderUrl(): string {
    return `${this.url}/`;
  }

  /** Plans failures of capture/void requests only (see `ActionFault`); options as {@link injectFault}. */
  injectActionFault(fault: ActionFault, opts: FaultOptions = {}): void {
    this.actions.addFault(fault, opts);
  }

  /** HTTP requests received so far, on any path. */
  get requestCount(): number {
    return this.requests;
  }

  /** When pre-auth queries arrived (epoch ms with sub-ms precision), oldest first; the last 100,000. */
  get queryArrivals(): readonly number[] {
    return this.arrivals;
  }

  /**
   * Makes LianLian know an order (`oid_paybill` generated when absent, a random timeline when none). Throws
   * `LLRECON_INVALID_FIELD` for a bad field or timeline, `LLRECON_DUPLICATE_ORDER` for a known `no_order`.
   */
  addOrder(o: NewOrder): void {
    this.orders.add(o, this.now());
  }

  /** The code the order answers now, or null for an order the simulator does not know. */
  order(no_order: string): string | null {
    const o = this.orders.get(no_order);
    if (!o) return null;
    const { code, entered } = this.orders.peek(o, this.now());
    this.dispatch(entered);
    return code;
  }

  /**
   * The apply step of exchange payment for an order: a token (valid 30 minutes) and an SMS code (valid 10 minutes)
   * the Verify API then takes; `result_pay` (default SUCCESS) is what a successful verification answers.
   */
  issueVerification(no_order: string, opts: VerificationOptions = {}): { token: string; verify_code: string } {
    const { token, verify_code } = this.verifications.issue(this.known(no_order).no_order, this.now(), this.rng, opts);
    return { token, verify_code };
  }

  /** Steers an order by hand: from now on it answers `code`. Sends no notification (see `sendNotification`). */
  setCode(no_order: string, code: string): void {
    this.orders.setCode(this.known(no_order), code, this.now());
  }

  /** The body of the last pre-auth query request that named this order, as received (null: none yet). */
  lastQuery(no_order: string): Record<string, unknown> | null {
    const raw = this.lastQueries.get(no_order);
    return raw === undefined ? null : (JSON.parse(raw) as Record<string, unknown>);
  }

  /** Pre-auth query requests received that named this order, whatever they were answered. */
  queryCount(no_order: string): number {
    return this.queries.get(no_order) ?? 0;
  }

  /** Notification attempts made for this order (first sends and resends). */
  notificationsSent(no_order: string): number {
    return this.notifier.attempts(no_order);
  }

  /**
   * Plans failures of the API answers (pre-auth query and Verify): `times` requests hit (default: until
   * {@link clearFaults}), only those naming `no_order` if given, each with chance `probability` (default 1).
   * Faults planned first are played first. `latency` and `badSignature` still answer (and count on the order's
   * timeline); the others do not. The answer faults (`swapped`, `otherMerchant`, `stale`, `otherDtOrder`,
   * `otherPaybill`) answer a request that would get the order's signed answer with a genuine signed answer about
   * something else; any other request they leave as it is.
   */
  injectFault(fault: Fault, opts: FaultOptions = {}): void {
    this.faults.add(fault, opts);
  }

  /** Forgets every planned fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * Sends the order's signed notification for `code` (default: its current code) to its `notifyUrl`, with the
   * resend policy. Resolves with whether the first attempt was acknowledged.
   */
  sendNotification(no_order: string, code?: string): Promise<boolean> {
    const order = this.known(no_order);
    return this.notify(order, code ?? this.orders.code(order, this.now()));
  }

  /** A notification body signed with the simulator's LianLian key (`sign_type` RSA unless given). */
  signNotification(fields: Record<string, string>): string {
    return JSON.stringify(signFields({ sign_type: 'RSA', ...fields }, this.opts.lianlianPrivateKey));
  }

  private known(no_order: string): SimOrder {
    const o = this.orders.get(no_order);
    if (!o) throw fieldError('no_order', `the simulator does not know order ${no_order}`);
    return o;
  }

  private notify(order: SimOrder, code: string): Promise<boolean> {
    if (order.notifyUrl === null) throw fieldError('notifyUrl', `order ${order.no_order} has no notifyUrl`);
    const body = signedBody(notificationFields(order, code, this.now()), this.opts.lianlianPrivateKey);
    return this.notifier.deliver(order.no_order, order.notifyUrl, body);
  }

  /** Sends the notifications that codes entered by the timeline call for. */
  private dispatch(entered: Entered[]): void {
    for (const { order, code } of entered) if (order.notifyUrl !== null && order.notifyOn.has(code)) void this.notify(order, code);
  }

  private context(signer: PrivateKey, twist: AnswerTwist | null = null): ApiContext {
    return {
      merchants: this.merchants,
      orders: this.orders,
      verifications: this.verifications,
      nowMs: this.now(),
      signer,
      signNoRecord: this.signNoRecord,
      settleSpelling: this.opts.settleSpelling ?? 'either',
      twist,
      rng: this.rng,
      onEntered: (e) => this.dispatch(e),
    };
  }

  private stranger(): PrivateKey {
    this.strangerKey ??= importPrivateKey(generateKeyPair(1024).privatePem, 'simulator stranger key');
    return this.strangerKey;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const action = (Object.keys(ACTION_PATHS) as SimActionKind[]).find((k) => ACTION_PATHS[k] === path);
    if (action !== undefined) return this.handleAction(action, req, res);
    // what a run in another process reads of the actions: requests per order
    if (path === '/_sim/actions' && req.method === 'GET') return sendJson(res, JSON.stringify(this.actions.snapshot()));
    const api = path === QUERY_PATH ? answerPreauthQuery : path === VERIFY_PATH ? answerVerify : null;
    if (api === null && path !== GATEWAY_PATH) return send(res, 404, 'text/plain;charset=utf-8', 'not found');
    if (req.method !== 'POST') return send(res, 405, 'text/plain;charset=utf-8', 'method not allowed');
    // a query's arrival is when its request came in, before its body is read (which takes turns of the event loop)
    if (path === QUERY_PATH) {
      this.arrivals.push(performance.timeOrigin + performance.now());
      if (this.arrivals.length > 100_000) this.arrivals.splice(0, this.arrivals.length - 100_000);
    }
    const raw = await readBody(req);
    if (raw === null) return send(res, 413, 'text/plain;charset=utf-8', 'body too large');
    if (api === null) {
      const form = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ? raw : '';
      const page = answerGatewayForm(form, this.context(this.opts.lianlianPrivateKey));
      return send(res, page.status, 'text/html;charset=utf-8', page.html);
    }
    const no_order = peekNoOrder(raw);
    if (path === QUERY_PATH && no_order !== null) {
      this.queries.set(no_order, this.queryCount(no_order) + 1);
      this.lastQueries.set(no_order, raw);
    }
    this.play(this.faults.take(no_order, this.rng), res, (signer, twist) => api(raw, this.context(signer, twist)));
  }

  private async handleAction(kind: SimActionKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'text/plain;charset=utf-8', 'method not allowed');
    const raw = await readBody(req);
    if (raw === null) return send(res, 413, 'text/plain;charset=utf-8', 'body too large');
    const no_order = peekNoOrder(raw);
    this.actions.noteRequest(no_order);
    answerAction(kind, raw, this.context(this.opts.lianlianPrivateKey), this.actions, this.actions.takeFault(no_order, this.rng), res);
  }

  /** Answers normally, or plays the fault. */
  private play(fault: Fault | null, res: ServerResponse, answer: (signer: PrivateKey, twist?: AnswerTwist) => string): void {
    const key = this.opts.lianlianPrivateKey;
    if (isTwist(fault)) return sendJson(res, answer(key, fault));
    switch (fault?.kind) {
      case undefined:
        return sendJson(res, answer(key));
      case 'latency': {
        const body = answer(key); // LianLian did the work; the answer is slow to arrive
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          sendJson(res, body);
        }, fault.ms);
        this.delayed.add(timer);
        return;
      }
      case 'stall':
        return; // never answered: the client times out; stop() closes the connection
      case 'http5xx': {
        const status = fault.status ?? 503;
        return send(res, status, 'text/html;charset=utf-8', `<html><body><h1>${status}</h1></body></html>`);
      }
      case 'unsigned9999':
        return sendJson(res, unsignedAnswer('9999'));
      case 'unsigned':
        return sendJson(res, unsignedAnswer(fault.code));
      case 'malformed':
        return sendJson(res, MALFORMED_BODY);
      case 'badSignature':
        return sendJson(res, answer(this.stranger()));
    }
  }
}
