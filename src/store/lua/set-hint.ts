// Leave a reason to query an order now; 'requery' (an operator) outranks 'notify' (a verified callback).
import { HASH_FIELD as F } from '../order-record.js';

/**
 * KEYS: 1 order hash. ARGV: 1 'notify' | 'requery'.
 * Returns 1, or 0 when the order is not tracked.
 */
export const SET_HINT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'requery' or redis.call('HGET', KEYS[1], '${F.hint}') ~= 'requery' then
  redis.call('HSET', KEYS[1], '${F.hint}', ARGV[1])
end
return 1
`;
