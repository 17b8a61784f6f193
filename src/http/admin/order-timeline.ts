// One order's story for its page: the history (tracking, each change of state, each operator action) merged
// with the recent timeline (each query and its answer, each callback and its verdict), newest first. Pure.

/** An entry of the store's history or timeline: a time, a kind, and fields that depend on the kind. */
export interface Entry {
  readonly at: number;
  readonly kind: string;
}

/** A field of an entry, as text (null when absent). */
export function entryText(e: Entry, name: string): string | null {
  const v = (e as unknown as Record<string, unknown>)[name];
  return v === undefined || v === null || v === '' ? null : String(v);
}

// Among entries of the same instant (a query and the change it caused), the effect is listed first.
const RANK: Record<string, number> = { change: 0, query: 1, callback: 2, action: 3, tracked: 4 };

/**
 * History and timeline, merged and sorted newest first. An operator action is kept in both by the store; it is
 * listed once.
 */
export function mergeTimeline(history: readonly Entry[], timeline: readonly Entry[]): Entry[] {
  const actionKey = (e: Entry) => `${e.at}|${entryText(e, 'action') ?? ''}|${entryText(e, 'actor') ?? ''}`;
  const actions = new Set(history.filter((e) => e.kind === 'action').map(actionKey));
  const extra = timeline.filter((e) => e.kind !== 'action' || !actions.has(actionKey(e)));
  return [...history, ...extra].sort((a, b) => b.at - a.at || (RANK[a.kind] ?? 9) - (RANK[b.kind] ?? 9));
}
