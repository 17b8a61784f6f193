// The callback door: what the public callback routes do before anything costly is stored. A callback that verifies
// (LianLian's signature over the signed content, our oid_partner) goes to the notify queue; anything else is
// refused with a 4xx — never queued — and leaves only counters and a sampled, capped, scrubbed record: whatever
// strangers send, what llrecon keeps for them is small and bounded. One door per engine, shared by its listeners.
import { Counter, type Registry } from 'prom-client';
import type { EngineContext } from '../engine-context.js';
import { sourceKey } from '../http/source-address.js';
import { untrustedText } from '../untrusted-text.js';
import { FailureAdmission, type AdmissionOptions } from './admission.js';
import { callbackLogEntry, REJECTED_MARKER_MS } from './callback-log.js';
import { ORDER_NUMBER_RE } from './handle-callback.js';
import { acceptNotification, screenCallback, type Screened } from './intake.js';

/** Why a callback was refused at the door: a failed screen, or a body that was not even read. */
export type RefusalReason = Extract<Screened, { verified: false }>['reason'] | 'content_type' | 'not_allowed' | 'invalid_body';

/** Sampled records of refused callbacks written per second, at most, whatever the flood. */
export const SAMPLES_PER_SEC = 5;

const REFUSED = 'llrecon_callbacks_refused_total';

/** `llrecon_callbacks_refused_total{reason}` on `registry`, created on first use. */
export function refusedCounter(registry: Registry): Counter<'reason'> {
  return (
    (registry.getSingleMetric(REFUSED) as Counter<'reason'> | undefined) ??
    new Counter({
      name: REFUSED,
      help: 'Callbacks refused at the door, never queued, by reason: no_sign, mismatch, non_string, other_merchant, unparseable, invalid_body, content_type, not_allowed, throttled',
      labelNames: ['reason'] as const,
      registers: [registry],
    })
  );
}

/** What the route answers a refused callback: its status, and Retry-After for a 429. */
export interface Refusal {
  status: 400 | 403 | 415 | 429;
  retryAfterSec?: number;
}

export class CallbackDoor {
  private readonly admission: FailureAdmission;
  private readonly refused: Counter<'reason'>;
  private sampleSecond = 0;
  private samplesThisSecond = 0;
  /** Sources answered 429 now, so that each episode is logged once. */
  private readonly throttledSources = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    admission: AdmissionOptions = {},
  ) {
    this.admission = new FailureAdmission({ now: ctx.now, ...admission });
    this.refused = refusedCounter(ctx.metrics.registry);
  }

  /** Checks a callback's signature and merchant (pure, ~12 µs). */
  screen(raw: string): Screened {
    return screenCallback(raw, this.ctx.lianlianKey, this.ctx.oidPartner);
  }

  /** Queues a screened, verified callback for the notify workers. */
  accept(raw: string, kind: 'async' | 'return'): Promise<void> {
    return acceptNotification(this.ctx, raw, kind);
  }

  /**
   * Refuses a callback from `source` (the client's address): counts it against the source's budget, samples it,
   * and says how to answer — 429 once the source has spent its budget, for a callback that failed verification (a
   * body that could not even be read keeps its own 4xx, and still spends budget), else the status of `reason`.
   * Never throws, never waits.
   */
  refuse(source: string, kind: 'async' | 'return', reason: RefusalReason, screened?: Screened): Refusal {
    const key = sourceKey(source);
    const retryAfterSec = this.admission.refuse(key);
    if (retryAfterSec !== null && screened !== undefined) {
      this.refused.inc({ reason: 'throttled' });
      if (!this.throttledSources.has(key)) {
        if (this.throttledSources.size > 1000) this.throttledSources.clear();
        this.throttledSources.add(key);
        this.ctx.log.warn(
          { source: untrustedText(key), retry_after_s: retryAfterSec },
          'callback source throttled: too many refused callbacks',
        );
      }
      return { status: 429, retryAfterSec };
    }
    this.refused.inc({ reason });
    // a source over its budget is no longer sampled: the record stays a sample of many sources
    if (retryAfterSec === null) {
      this.throttledSources.delete(key);
      if (reason !== 'not_allowed') this.sample(source, kind, reason, screened);
    }
    return { status: reason === 'content_type' ? 415 : reason === 'not_allowed' ? 403 : 400 };
  }

  /** Keeps a scrubbed record of a refused callback, at most SAMPLES_PER_SEC a second; a failed write is dropped. */
  private sample(source: string, kind: 'async' | 'return', reason: RefusalReason, screened?: Screened): void {
    const second = Math.floor(this.ctx.now() / 1000);
    if (second !== this.sampleSecond) {
      this.sampleSecond = second;
      this.samplesThisSecond = 0;
    }
    if (this.samplesThisSecond >= SAMPLES_PER_SEC) return;
    this.samplesThisSecond += 1;
    const fields = screened && !screened.verified ? screened.fields : {};
    const noOrder = untrustedText(fields.no_order);
    // the order it names, looked up as sent (a key only written when that order is tracked) when it can be one
    const named = typeof fields.no_order === 'string' && ORDER_NUMBER_RE.test(fields.no_order) ? fields.no_order : null;
    const at = this.ctx.now();
    const rec = {
      at,
      kind,
      verdict: 'rejected' as const,
      reason,
      no_order: noOrder,
      oid_partner: untrustedText(fields.oid_partner, 32),
      money_order: untrustedText(fields.money_order, 32),
      signString: screened && !screened.verified ? untrustedText(screened.signString, 512) : null,
      source: untrustedText(source),
      door: true,
    };
    this.ctx.log.debug({ no_order: noOrder, kind, reason, source: rec.source }, 'callback refused at the door');
    // the same forged content is kept once; a record naming a tracked order goes to its own list too, never its timeline
    const id = screened && !screened.verified && screened.id !== null ? `door-${screened.id}` : `door-${at}-${this.samplesThisSecond}`;
    void this.ctx.store
      .noteCallback({
        id,
        noOrder: named,
        entry: { at, kind: 'callback', verdict: 'rejected', reason },
        kept: callbackLogEntry(this.ctx.ks, rec),
        markerMs: REJECTED_MARKER_MS,
        apart: true,
      })
      .catch(() => undefined);
  }
}
