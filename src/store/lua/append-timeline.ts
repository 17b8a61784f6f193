// One timeline entry (a query, a callback, an action) for a tracked order.
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 order hash, 2 timeline list. ARGV: 1 entry (JSON), 2 its signature (see timeline-push.ts).
 * Returns 1, or 0 when the order is not tracked (then no timeline is created).
 */
export const APPEND_TIMELINE_LUA = `${TIMELINE_PUSH_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
timeline_push(KEYS[2], ARGV[1], ARGV[2])
return 1
`;
