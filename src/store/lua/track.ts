// Start tracking one order, atomically: its hash, its place in two indexes, its first history entry.

/**
 * KEYS: 1 order hash, 2 history list, 3 state index of `pending`, 4 all-orders index.
 * ARGV: 1 no_order, 2 tracked_at (the index score), 3 history entry (JSON), 4… the hash as field, value, ….
 * Returns 1, or 0 when the order is already tracked (then nothing is written).
 */
export const TRACK_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 1
`;
