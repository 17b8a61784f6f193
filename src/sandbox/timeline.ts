// Per-order timelines of the simulator, pure: which pre-auth ret_code an order answers, and when it moves on.
// Time is passed in (epoch ms); randomness comes from a seeded generator so runs are reproducible.
import { fieldError } from '../errors.js';

/**
 * One stage of an order's life: the order answers `code` until `after` is met — `queries` answers given in
 * this step, or `ms` since the step began, whichever comes first. The last step's `after` is never used: an
 * order stays in its last code. A step without `after` (before the last) is left only by manual steering.
 */
export interface Step {
  code: string;
  after?: { queries?: number; ms?: number };
}

/** Where an order stands on its steps. Immutable: the functions below return a new value. */
export interface Timeline {
  readonly steps: readonly Step[];
  /** Index of the current step. */
  readonly index: number;
  /** When the current step began (epoch ms). */
  readonly stepStartedMs: number;
  /** Queries answered in the current step so far. */
  readonly answered: number;
}

/** The result of looking at a timeline at some time: the new value, and every code it entered on the way. */
export interface Advance {
  timeline: Timeline;
  entered: string[];
}

/** Codes after which an order never changes: expired, authorization failed, captured, voided. */
export const FINAL_CODES: ReadonlySet<string> = new Set(['2006', 'PR10', 'PR11', 'PR14']);

/** Throws `LLRECON_INVALID_FIELD` (naming e.g. `timeline[1].after.ms`) when the steps cannot be followed. */
export function validateSteps(steps: readonly Step[]): void {
  if (steps.length === 0) throw fieldError('timeline', 'needs at least one step');
  steps.forEach((step, i) => {
    if (typeof step.code !== 'string' || step.code === '') throw fieldError(`timeline[${i}].code`, 'must be a non-empty string');
    const { queries, ms } = step.after ?? {};
    if (queries !== undefined && !(Number.isInteger(queries) && queries > 0))
      throw fieldError(`timeline[${i}].after.queries`, 'must be a positive integer');
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) throw fieldError(`timeline[${i}].after.ms`, 'must be a non-negative number');
  });
}

/** A timeline at its first step, begun at `nowMs`. */
export function startTimeline(steps: readonly Step[], nowMs: number): Timeline {
  validateSteps(steps);
  return { steps: [...steps], index: 0, stepStartedMs: nowMs, answered: 0 };
}

/** The code the order answers now (call {@link settle} first for time-based steps). */
export function currentCode(t: Timeline): string {
  return stepAt(t, t.index).code;
}

/**
 * Moves past every step whose time has run out by `nowMs`. Each following step begins when the previous one
 * ran out (not when someone looked), so the result does not depend on how often the timeline is observed.
 */
export function settle(t: Timeline, nowMs: number): Advance {
  const entered: string[] = [];
  let { index, stepStartedMs, answered } = t;
  for (;;) {
    const ms = stepAt(t, index).after?.ms;
    if (index >= t.steps.length - 1 || ms === undefined || nowMs < stepStartedMs + ms) break;
    stepStartedMs += ms;
    index += 1;
    answered = 0;
    entered.push(stepAt(t, index).code);
  }
  return { timeline: entered.length === 0 ? t : { ...t, index, stepStartedMs, answered }, entered };
}

/** Answers one query at `nowMs`: the code answered, and the timeline after counting that answer. */
export function answerQuery(t: Timeline, nowMs: number): Advance & { code: string } {
  const settled = settle(t, nowMs);
  const cur = settled.timeline;
  const code = currentCode(cur);
  const answered = cur.answered + 1;
  const queries = stepAt(cur, cur.index).after?.queries;
  if (cur.index < cur.steps.length - 1 && queries !== undefined && answered >= queries) {
    const index = cur.index + 1;
    const next: Timeline = { ...cur, index, stepStartedMs: nowMs, answered: 0 };
    return { code, timeline: next, entered: [...settled.entered, currentCode(next)] };
  }
  return { code, timeline: { ...cur, answered }, entered: settled.entered };
}

/** A seeded pseudo-random generator (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The shapes of a pre-authorization's life, with their relative weights. */
const PATHS: ReadonlyArray<{ weight: number; codes: readonly string[] }> = [
  { weight: 58, codes: ['2003', 'PR09', 'PR07', 'PR12', 'PR11'] }, // captured
  { weight: 12, codes: ['2003', 'PR09', 'PR07', 'PR15', 'PR14'] }, // voided
  { weight: 10, codes: ['2003', 'PR09', 'PR10'] }, // authorization failed
  { weight: 8, codes: ['2003', '2006'] }, // expired unpaid
  { weight: 6, codes: ['2003', 'PR09', 'PR07', 'PR12', 'PR13', 'PR12', 'PR11'] }, // capture failed once
  { weight: 6, codes: ['2003', 'PR09', 'PR07', 'PR15', 'PR16', 'PR15', 'PR14'] }, // void failed once
];

function pickPath(rng: () => number): readonly string[] {
  const total = PATHS.reduce((sum, p) => sum + p.weight, 0);
  let roll = rng() * total;
  for (const p of PATHS) {
    roll -= p.weight;
    if (roll < 0) return p.codes;
  }
  return (PATHS[0] as (typeof PATHS)[number]).codes;
}

/** Seconds to about two minutes, mostly short. */
function stepDurationMs(rng: () => number): number {
  return 3_000 + Math.floor(rng() * rng() * 117_000);
}

/**
 * A realistic random life for a demo order, begun at `nowMs`: mostly created → processing → authorized →
 * capturing → captured; some voids, failed authorizations, expiries, and failed captures or voids that are
 * retried. Steps move on by time, seconds to a minute or two apart, and always end in a final code.
 */
export function randomTimeline(rng: () => number, nowMs: number): Timeline {
  const codes = [...pickPath(rng)];
  // now and then the bank asks for verification before processing
  if (codes[1] === 'PR09' && rng() < 0.1) codes.splice(1, 0, 'PR08');
  const steps: Step[] = codes.map((code, i) => (i === codes.length - 1 ? { code } : { code, after: { ms: stepDurationMs(rng) } }));
  return startTimeline(steps, nowMs);
}

function stepAt(t: Timeline, index: number): Step {
  const step = t.steps[index];
  if (!step) throw new RangeError(`timeline has no step ${index}`);
  return step;
}
