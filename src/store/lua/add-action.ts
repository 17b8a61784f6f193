// An operator's action (e.g. a re-query): kept in the order's history and shown in its timeline.
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 order hash, 2 history list, 3 timeline list. ARGV: 1 the entry (JSON).
 * Returns 1, or 0 when the order is not tracked (then nothing is written).
 */
export const ADD_ACTION_LUA = `${TIMELINE_PUSH_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
timeline_push(KEYS[3], ARGV[1], '')
return 1
`;
