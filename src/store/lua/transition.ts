// THE write of a change of state: compare-and-set on the version, the record, the indexes, the history entry
// and the event on the stream, all in one step (so a retry or a second worker can never emit twice).
import { HASH_FIELD as F } from '../order-record.js';
import { SET_FIELDS_LUA } from './set-fields.js';

/**
 * KEYS: 1 order hash, 2 history list, 3 index of the state left, 4 index of the state entered, 5 event stream.
 * ARGV: 1 expected version, 2 state left, 3 no_order, 4 history entry (JSON), 5 event type, 6 event (JSON),
 *       7 oid_paybill of the answer ('' none), 8 money_order of the answer ('' none),
 *       9… field/value pairs to set ('' deletes), the new version among them.
 * Returns the event's stream id, or nil when the order is gone or its version moved (nothing is written).
 */
export const TRANSITION_LUA = `${SET_FIELDS_LUA}
local h = KEYS[1]
if redis.call('HGET', h, '${F.version}') ~= ARGV[1] then return false end
if redis.call('HGET', h, '${F.state}') ~= ARGV[2] then return false end
set_fields(h, 9)
redis.call('HINCRBY', h, '${F.polls}', 1)
-- LianLian's payment number and amount fill in what tracking did not give; they never overwrite
if ARGV[7] ~= '' then redis.call('HSETNX', h, '${F.oid_paybill}', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSETNX', h, '${F.money_order}', ARGV[8]) end
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], redis.call('HGET', h, '${F.tracked_at}'), ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
return redis.call('XADD', KEYS[5], '*', 'type', ARGV[5], 'event', ARGV[6])
`;
