// What a chaos run must show, as pure checks over what it collected: the orders it made, the records and events
// llrecon wrote, and the query arrivals the simulator saw.
import { isFinalState, type OrderState } from '../src/reconcile/states.js';
import type { CloudEvent } from '../src/store/cloud-event.js';
import { STATE_OF_CODE, type ChaosOrder } from './orders.js';

/** One check's verdict, with a one-line detail (and examples when it fails). */
export interface ChaosCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** What the run found of one order in Redis. */
export interface StoredOrder {
  state: string;
  final: boolean;
  version: number;
}

/** Shown examples per failed check, at most. */
const EXAMPLES = 5;

function verdict(name: string, problems: string[], okDetail: string): ChaosCheck {
  if (problems.length === 0) return { name, pass: true, detail: okDetail };
  const shown = problems.slice(0, EXAMPLES).join('; ');
  return { name, pass: false, detail: `${problems.length} problem(s): ${shown}${problems.length > EXAMPLES ? '; …' : ''}` };
}

/** The events of each order (by `subject`), in stream order. */
export function eventsByOrder(events: readonly CloudEvent[]): Map<string, CloudEvent[]> {
  const out = new Map<string, CloudEvent[]>();
  for (const e of events) {
    const list = out.get(e.subject);
    if (list) list.push(e);
    else out.set(e.subject, [e]);
  }
  return out;
}

/**
 * Every order is tracked, final (but an action order whose action a kill stopped before it left: authorized), in
 * the last state of its scripted life, and changed exactly as often as scripted.
 */
export function checkFinalStates(orders: readonly ChaosOrder[], stored: ReadonlyMap<string, StoredOrder>): ChaosCheck {
  const problems: string[] = [];
  for (const o of orders) {
    const s = stored.get(o.no_order);
    const want = o.expectedStates.at(-1);
    if (!s) problems.push(`${o.no_order}: no record`);
    else if ((!s.final && isFinalState(want as OrderState)) || s.state !== want)
      problems.push(`${o.no_order}: ${s.state}${s.final ? ' (final)' : ''}, expected ${want}`);
    else if (s.version !== o.expectedStates.length)
      problems.push(`${o.no_order}: version ${s.version} after ${o.expectedStates.length} scripted changes`);
  }
  return verdict('every order final, in its correct state', problems, `${orders.length} of ${orders.length} orders final and right`);
}

/**
 * Each order's events are exactly its scripted changes: the states in order (one per change, none twice, none
 * missing; a stale answer applied shows as an extra event), each one's `previous_state` the one before (from
 * `pending`), and ids `<oid>:<no_order>:<1…n>:<state>`.
 */
export function checkSequences(orders: readonly ChaosOrder[], byOrder: ReadonlyMap<string, CloudEvent[]>, oidPartner: string): ChaosCheck {
  const problems: string[] = [];
  let events = 0;
  for (const o of orders) {
    const seen = byOrder.get(o.no_order) ?? [];
    events += seen.length;
    const states = seen.map((e) => e.data.state);
    if (states.join(',') !== o.expectedStates.join(',')) {
      problems.push(
        `${o.no_order} (${o.path.name}): events [${states.join(' → ')}], expected [${o.expectedStates.join(' → ')}] via [${seen.map((e) => e.data.via).join(',')}]`,
      );
      continue;
    }
    seen.forEach((e, i) => {
      const previous = i === 0 ? 'pending' : seen[i - 1]?.data.state;
      if (e.data.previous_state !== previous)
        problems.push(`${o.no_order}: event ${i + 1} has previous_state ${e.data.previous_state}, expected ${previous}`);
      if (e.id !== `${oidPartner}:${o.no_order}:${i + 1}:${e.data.state}`) problems.push(`${o.no_order}: event ${i + 1} has id ${e.id}`);
    });
  }
  return verdict(
    'events per order = the scripted changes, in order, once each',
    problems,
    `${events} events, each order's exactly as scripted`,
  );
}

/**
 * No event claims anything a signed answer did not say: every event is for a tracked order, its state is one
 * of that order's real life, and its ret_code is the code of that state.
 */
export function checkOnlySignedStates(orders: readonly ChaosOrder[], events: readonly CloudEvent[]): ChaosCheck {
  const byNo = new Map(orders.map((o) => [o.no_order, o]));
  const problems: string[] = [];
  for (const e of events) {
    const o = byNo.get(e.subject);
    if (!o) {
      problems.push(`event ${e.id} for an order the run never tracked`);
      continue;
    }
    const lived = new Set(o.path.codes.map((c) => STATE_OF_CODE[c]));
    if (!lived.has(e.data.state)) problems.push(`${o.no_order}: event ${e.id} says ${e.data.state}, which its timeline never had`);
    else if (e.data.ret_code === null || STATE_OF_CODE[e.data.ret_code] !== e.data.state)
      problems.push(`${o.no_order}: event ${e.id} says ${e.data.state} with ret_code ${e.data.ret_code}`);
  }
  return verdict(
    'no event without a signed answer behind it',
    problems,
    `all ${events.length} events name a state of their order's real timeline, with its code`,
  );
}

/** Every order was taken in by POST /orders and has its record (what the final-state check then looks at). */
export function checkNothingLost(
  orders: readonly ChaosOrder[],
  accepted: ReadonlySet<string>,
  stored: ReadonlyMap<string, StoredOrder>,
  failedPollJobs: number,
): ChaosCheck {
  const problems: string[] = [];
  for (const o of orders) {
    if (!accepted.has(o.no_order)) problems.push(`${o.no_order}: never accepted by POST /orders`);
    else if (!stored.has(o.no_order)) problems.push(`${o.no_order}: accepted but has no record`);
  }
  if (failedPollJobs > 0) problems.push(`${failedPollJobs} poll job(s) failed for good`);
  return verdict('nothing lost', problems, `${orders.length} orders accepted, each with its record; no poll job failed for good`);
}

/** Event ids are unique over the whole stream. */
export function checkUniqueIds(events: readonly CloudEvent[]): ChaosCheck {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of events) {
    if (seen.has(e.id)) problems.push(`id ${e.id} twice`);
    seen.add(e.id);
  }
  return verdict('event ids unique', problems, `${events.length} ids, all distinct`);
}

/** The busiest window of `windowMs` over sorted times (a window is [t, t + windowMs)): how many, and where it starts. */
export function worstWindow(times: readonly number[], windowMs: number): { count: number; start: number | null } {
  let worst = { count: 0, start: null as number | null };
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    if (j < i) j = i;
    while (j < times.length && (times[j] as number) - (times[i] as number) < windowMs) j++;
    if (j - i > worst.count) worst = { count: j - i, start: times[i] as number };
  }
  return worst;
}

/** The most times (sorted epoch ms) within any window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  return worstWindow(times, windowMs).count;
}

/**
 * The cap as LianLian sees it: no window of 1000 ms (less `slackMs`) at the simulator holds more arrivals than
 * the cap. (The limiter counts grants over a window 100 ms longer and uses a grant only if it can send within that
 * margin, so the lag between a grant and the query's arrival does not let a burst through; see
 * src/store/rate-limiter.ts.)
 */
export function checkRateCap(times: readonly number[], cap: number, slackMs = 0): ChaosCheck {
  const windowMs = 1000 - slackMs;
  const worst = maxInWindow(times, windowMs);
  const within = slackMs === 0 ? 'every sliding second' : `every sliding ${windowMs} ms (${slackMs} ms of observation slack)`;
  const name = `query rate as LianLian saw it ≤ ${cap}/s in ${within}`;
  if (worst <= cap)
    return {
      name,
      pass: true,
      detail: `at most ${worst} queries in any ${windowMs} ms at the simulator (${maxInWindow(times, 1000)} in any 1000 ms), over ${times.length} queries`,
    };
  return { name, pass: false, detail: `${worst} queries within ${windowMs} ms at the simulator (cap ${cap})` };
}

/**
 * The cap on the clock it is enforced with: no window of 1000 ms of Redis's clock holds more grants than the cap.
 * Every query that reached the simulator was granted, so fewer grants seen than queries means the watch missed
 * some, and then the check cannot vouch for the cap: the detail names the seconds (since `originMs`) where
 * queries outnumber the grants seen.
 */
export function checkGrantsAtRedis(grants: readonly number[], queries: readonly number[], cap: number, originMs: number): ChaosCheck {
  const name = `query starts granted ≤ ${cap} in every sliding second of Redis's clock (exact)`;
  if (grants.length < queries.length) {
    const perSecond = new Map<number, number>();
    for (const t of queries) perSecond.set(Math.floor((t - originMs) / 1000), (perSecond.get(Math.floor((t - originMs) / 1000)) ?? 0) + 1);
    for (const t of grants) perSecond.set(Math.floor((t - originMs) / 1000), (perSecond.get(Math.floor((t - originMs) / 1000)) ?? 0) - 1);
    const short = [...perSecond]
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    return {
      name,
      pass: false,
      detail: `the watch saw ${grants.length} grants for ${queries.length} queries: it missed some (most queries over grants seen: ${short.map(([s, d]) => `+${s}s ${d}`).join(', ')})`,
    };
  }
  const worst = maxInWindow(grants, 1000);
  if (worst <= cap)
    return {
      name,
      pass: true,
      detail: `at most ${worst} grants in any 1000 ms, over ${grants.length} grants (${queries.length} queries reached the simulator)`,
    };
  return { name, pass: false, detail: `${worst} grants within 1000 ms (cap ${cap})` };
}

/**
 * Genuine callbacks led to confirming queries, and every forged one (and only those) was refused at the door
 * (answered 400, never queued: `refusedAtDoor`) or rejected by the notify workers and recorded once, even when
 * its notify worker was killed after recording it (the job runs again).
 */
export function checkCallbacks(
  accepted: number,
  rejected: ReadonlyArray<{ no_order: string | null; reason: string }>,
  forged: readonly ChaosOrder[],
  refusedAtDoor: ReadonlySet<string> = new Set(),
): ChaosCheck {
  const forgedNos = new Set(forged.map((o) => o.no_order));
  const problems: string[] = [];
  if (accepted === 0) problems.push('no genuine callback was accepted');
  for (const r of rejected)
    if (r.no_order === null || !forgedNos.has(r.no_order))
      problems.push(`a callback for ${r.no_order} rejected (${r.reason}), not a forged one`);
  const rejectedNos = new Set(rejected.map((r) => r.no_order));
  for (const no of forgedNos)
    if (!rejectedNos.has(no) && !refusedAtDoor.has(no)) problems.push(`the forged callback for ${no} was not rejected`);
  const twice = rejected.length - rejectedNos.size;
  if (twice > 0) problems.push(`${twice} rejected callback(s) recorded more than once`);
  const reasons = [...new Set(rejected.map((r) => r.reason))].join(', ');
  return verdict(
    'callbacks: genuine ones confirmed by query, forged ones rejected and recorded once',
    problems,
    `${accepted} verified callbacks led to confirming queries; all ${forgedNos.size} forged ones refused at the door (${refusedAtDoor.size}) or rejected by the workers (${reasons || 'none'}), each recorded once`,
  );
}

/**
 * The logs of every process incarnation hold no secret of the run (keys, token), no PEM private key, no card
 * number that was sent in, and no signature-length base64 run (an MD5withRSA signature is ≥ 172 characters).
 * @param lines count of log lines scanned, to show the scan saw the run
 */
export function checkLogsClean(text: string, secrets: readonly string[], cardNumbers: readonly string[]): ChaosCheck {
  const problems: string[] = [];
  const lines = text.split('\n').filter(Boolean).length;
  if (lines === 0) problems.push('no log lines to scan');
  const leaked = secrets.filter((x) => text.includes(x)).length;
  if (leaked > 0) problems.push(`${leaked} secret(s) of the run found in the logs`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) problems.push('a PEM private key in the logs');
  const cards = cardNumbers.filter((c) => text.includes(c)).length;
  if (cards > 0) problems.push(`${cards} card number(s) in the logs`);
  const long = text.match(/[A-Za-z0-9+/]{100,}={0,2}/g)?.length ?? 0;
  if (long > 0) problems.push(`${long} signature-length base64 run(s) in the logs`);
  return verdict(
    'logs hold no secret, key, signature or card number',
    problems,
    `${lines} log lines of every process scanned for ${secrets.length} secrets, ${cardNumbers.length} card number(s), PEM keys and signatures: none found`,
  );
}
