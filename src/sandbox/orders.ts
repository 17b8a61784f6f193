// The simulator's orders: what LianLian knows about each pre-authorization, and where it is on its timeline.
import { LlreconError, fieldError } from '../errors.js';
import { parseMoney } from '../lianlian/money.js';
import { parseLianLianTime } from '../lianlian/time.js';
import { answerQuery, currentCode, randomTimeline, settle as settleTimeline, startTimeline, type Step, type Timeline } from './timeline.js';

/** The codes that trigger an asynchronous notification unless an order says otherwise. */
export const DEFAULT_NOTIFY_ON: readonly string[] = ['PR07', 'PR11', 'PR14'];

/** Shared by every order not answered yet (never mutated: an answer replaces it). */
const NOTHING_ANSWERED = [null, null] as const;

/** An order as the simulator is told about it (`LianLianSimulator.addOrder`). */
export interface NewOrder {
  oid_partner: string;
  no_order: string;
  dt_order: string;
  money_order: string;
  /** LianLian's transaction number; generated when absent. */
  oid_paybill?: string;
  pay_type?: 'F' | 'G';
  /** The order's life; a random realistic one when absent. */
  timeline?: Step[];
  /** Where asynchronous notifications go; none are sent without it. */
  notifyUrl?: string;
  /** Codes whose arrival (by the timeline) sends a notification; default PR07, PR11, PR14. */
  notifyOn?: string[];
}

/** An order the simulator knows. */
export interface SimOrder {
  readonly oid_partner: string;
  readonly no_order: string;
  readonly dt_order: string;
  readonly money_order: string;
  readonly oid_paybill: string;
  readonly pay_type: 'F' | 'G';
  readonly no_agree: string;
  readonly notifyUrl: string | null;
  readonly notifyOn: ReadonlySet<string>;
  timeline: Timeline;
  /**
   * The last two different codes answered to queries, newest first (what a lagging replica may still say): two
   * fields rather than the whole list, as the simulator may hold a million orders.
   */
  answered: readonly [string | null, string | null];
}

/** A code an order entered, for the notifier. */
export interface Entered {
  order: SimOrder;
  code: string;
}

/** Every order of the simulator, by `no_order`. Time and randomness are passed in. */
export class OrderBook {
  private readonly orders = new Map<string, SimOrder>();
  private serial: number;

  constructor(private readonly rng: () => number) {
    this.serial = Math.floor(rng() * 10_000_000);
  }

  /** Registers an order; throws `LLRECON_INVALID_FIELD` on a bad field, `LLRECON_DUPLICATE_ORDER` when known. */
  add(o: NewOrder, nowMs: number): SimOrder {
    if (typeof o.no_order !== 'string' || o.no_order === '' || o.no_order.length > 32)
      throw fieldError('no_order', 'must be 1 to 32 characters');
    if (this.orders.has(o.no_order)) throw new LlreconError('LLRECON_DUPLICATE_ORDER', `the simulator already knows order ${o.no_order}`);
    if (!/^\d{18}$/.test(o.oid_partner)) throw fieldError('oid_partner', 'must be 18 digits');
    parseLianLianTime(o.dt_order, 'dt_order');
    if (o.oid_paybill !== undefined && !/^\d{1,18}$/.test(o.oid_paybill)) throw fieldError('oid_paybill', 'must be up to 18 digits');
    const order: SimOrder = {
      oid_partner: o.oid_partner,
      no_order: o.no_order,
      dt_order: o.dt_order,
      money_order: parseMoney(o.money_order, 'money_order'),
      oid_paybill: o.oid_paybill ?? this.nextNumber(o.dt_order.slice(0, 8)),
      pay_type: o.pay_type ?? 'F',
      no_agree: this.nextNumber('2026'),
      notifyUrl: o.notifyUrl ?? null,
      notifyOn: new Set(o.notifyOn ?? DEFAULT_NOTIFY_ON),
      timeline: o.timeline ? startTimeline(o.timeline, nowMs) : randomTimeline(this.rng, nowMs),
      answered: NOTHING_ANSWERED,
    };
    this.orders.set(order.no_order, order);
    return order;
  }

  get(no_order: string): SimOrder | undefined {
    return this.orders.get(no_order);
  }

  /** Another order of the same merchant (the first one found), for an answer about the wrong order. */
  another(order: SimOrder): SimOrder | undefined {
    for (const o of this.orders.values()) if (o !== order && o.oid_partner === order.oid_partner) return o;
    return undefined;
  }

  /** The order whose LianLian transaction number this is. */
  byPaybill(oid_paybill: string): SimOrder | undefined {
    for (const o of this.orders.values()) if (o.oid_paybill === oid_paybill) return o;
    return undefined;
  }

  /** Moves every order past the steps whose time has run out; returns the codes entered. */
  settleAll(nowMs: number): Entered[] {
    const out: Entered[] = [];
    for (const order of this.orders.values()) out.push(...this.settle(order, nowMs));
    return out;
  }

  /** Moves one order past the steps whose time has run out; returns the codes entered. */
  settle(order: SimOrder, nowMs: number): Entered[] {
    const r = settleTimeline(order.timeline, nowMs);
    order.timeline = r.timeline;
    return r.entered.map((code) => ({ order, code }));
  }

  /** Answers one query: the code answered, and the codes entered (by time before it, or by counting it). */
  answer(order: SimOrder, nowMs: number): { code: string; entered: Entered[] } {
    const r = answerQuery(order.timeline, nowMs);
    order.timeline = r.timeline;
    if (order.answered[0] !== r.code) order.answered = [r.code, order.answered[0]];
    return { code: r.code, entered: r.entered.map((code) => ({ order, code })) };
  }

  /** The code the order would answer now, without counting a query: moves it on by time only. */
  peek(order: SimOrder, nowMs: number): { code: string; entered: Entered[] } {
    const entered = this.settle(order, nowMs);
    return { code: currentCode(order.timeline), entered };
  }

  /** The last code answered that is not the order's current one (an earlier state), or null when there is none. */
  earlierCode(order: SimOrder, current: string): string | null {
    const [last, before] = order.answered;
    return last !== current ? last : before;
  }

  /** The code the order answers now. */
  code(order: SimOrder, nowMs: number): string {
    this.settle(order, nowMs);
    return currentCode(order.timeline);
  }

  /** Steers an order by hand: from now on it answers `code` (its timeline is replaced). */
  setCode(order: SimOrder, code: string, nowMs: number): void {
    order.timeline = startTimeline([{ code }], nowMs);
  }

  /** A 16-digit number: an 8-digit head and a serial. */
  private nextNumber(head: string): string {
    this.serial = (this.serial + 1) % 100_000_000;
    return `${head}${String(this.serial).padStart(8, '0')}`;
  }
}
