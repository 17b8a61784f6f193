// Queue names and job ids. One poll job per tracked order, found again by its id.
// BullMQ job ids must not contain ':' nor be all digits, so the order number is encoded.

export const QUEUE = {
  /** Routine polls: one job per non-final order, re-scheduling itself with moveToDelayed. */
  poll: 'poll',
  /** Confirming queries asked for by a verified callback or an operator's re-query (ahead of routine polls). */
  confirm: 'confirm',
  /** Raw LianLian callbacks waiting for signature checks. */
  notify: 'notify',
  /** Outgoing event webhooks (optional). */
  webhook: 'webhook',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** `no_order` as a job-id-safe token (percent-encoding, plus ':' which encodeURIComponent keeps). */
export function encodeOrderToken(noOrder: string): string {
  return encodeURIComponent(noOrder).replace(/:/g, '%3A');
}

export function pollJobId(noOrder: string): string {
  return `p-${encodeOrderToken(noOrder)}`;
}

export function confirmDedupId(noOrder: string): string {
  return `c-${encodeOrderToken(noOrder)}`;
}

export interface PollJobData {
  no: string;
}

export interface ConfirmJobData {
  no: string;
  via: 'notify' | 'requery';
}

export interface NotifyJobData {
  kind: 'async' | 'return';
  raw: string;
  at: number;
}
