// A checked callback's verdict, written once however often its job runs (a worker killed after writing it and
// the job run again, say): the order's timeline entry and the operators' log entry, behind one marker.
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 the callback's marker (string), 2 order hash, 3 timeline list, 4 the log list (rejected / untracked).
 * ARGV: 1 the marker's lifetime (ms), 2 the timeline entry (JSON, '' for none; added only when the order is
 * tracked), 3 the log entry (JSON, '' for none), 4 the log's cap.
 * Returns 1 when written, 0 when the marker was there already (nothing written).
 */
export const NOTE_CALLBACK_LUA = `${TIMELINE_PUSH_LUA}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then timeline_push(KEYS[3], ARGV[2], '') end
if ARGV[3] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[3])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[4]) - 1)
end
return 1
`;
