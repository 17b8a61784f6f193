// The faults a chaos run plays at the simulator, and how many of them llrecon's query workers saw (their logs).
import type { LianLianSimulator } from '../src/sandbox/simulator.js';
import type { Fault } from '../src/sandbox/faults.js';
import { readLogs } from './logs.js';

/** The kinds played, each with an equal share of the fault rate. */
export const CHAOS_FAULT_KINDS = ['http5xx', 'unsigned9999', 'malformed', 'badSignature', 'latency', 'stall'] as const;

/** One of {@link CHAOS_FAULT_KINDS}. */
export type ChaosFaultKind = (typeof CHAOS_FAULT_KINDS)[number];

function faultOf(kind: ChaosFaultKind, latencyMs: number): Fault {
  switch (kind) {
    case 'http5xx':
      return { kind, status: 503 };
    case 'latency':
      return { kind, ms: latencyMs };
    default:
      return { kind };
  }
}

/**
 * Plans `rate` (0…1) of all pre-auth queries to fail, split equally among the kinds, until the simulator stops.
 * The simulator tries its rules in turn, each with its own roll, so each rule's probability is conditional on
 * the rules before it having missed: kind i gets (rate/n) / (1 − i·rate/n), which makes every kind rate/n overall.
 */
export function planFaults(simulator: LianLianSimulator, rate: number, latencyMs: number): void {
  const share = rate / CHAOS_FAULT_KINDS.length;
  CHAOS_FAULT_KINDS.forEach((kind, i) => {
    simulator.injectFault(faultOf(kind, latencyMs), { probability: Math.min(1, share / (1 - i * share)) });
  });
}

/** The error code a query worker logs for each kind that makes a query fail (latency answers normally). */
const KIND_OF_CODE: Readonly<Record<string, string>> = {
  LLRECON_HTTP_STATUS: 'http5xx',
  LLRECON_UNSIGNED_ANSWER: 'unsigned9999',
  LLRECON_UNPARSEABLE_ANSWER: 'malformed',
  LLRECON_BAD_ANSWER_SIGNATURE: 'badSignature',
  LLRECON_TIMEOUT: 'stall (timeout)',
  LLRECON_TRANSPORT: 'transport',
};

/**
 * Failed queries per kind, as the query workers logged them (`query failed` lines of the `.log` files in `logDir`
 * whose names start with `prefix`). A query whose worker was killed before it logged is not counted.
 */
export function failuresSeen(logDir: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readLogs(logDir, prefix).split('\n')) {
    if (!line.includes('"query failed"')) continue;
    let code: unknown;
    try {
      code = (JSON.parse(line) as { code?: unknown }).code;
    } catch {
      continue; // a line cut short by SIGKILL
    }
    const kind = typeof code === 'string' ? (KIND_OF_CODE[code] ?? code) : 'unknown';
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}
