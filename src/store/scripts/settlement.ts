// The writes of settlement reconciliation (src/settlement), each one atomic step so that a verdict and the event
// that reports it are written together, and an import interrupted at any point resumes without counting a row
// twice. The keys are src/settlement/keys.ts's; a day's keys (`day:`, `counts:`, `dayfiles:`) are built here from
// `dayPrefix` (`<base>:settlement:`), which carries the deployment's hash tag on a Redis Cluster, so they live in
// the slot of every other key the script is given.
import { callScript, type RedisScript, type ScriptArg, type ScriptTarget } from './script.js';

/** How many arguments SETTLE_ROWS takes per row. */
export const SETTLE_ROWS_STRIDE = 14;

/**
 * The verdicts of a batch of rows, each with its event (one script call per batch): each row is checked against
 * the value its judge read (compare-and-set) and written on its own; the day counts, day files and dates are added
 * once per batch. The history keys given in ARGV are orders' keys of this deployment (the same hash tag).
 * KEYS: 1 rows hash, 2 event stream, 3 dates zset, 4 missing hash, 5 pending zset.
 * ARGV: 1 dayPrefix, 2 the file's name, then per row SETTLE_ROWS_STRIDE values: row key, the stored value read
 *       ('' none), the new value without its head `<file name>|` (added here: sent once per batch, not per row), its
 *       result, its day, the item (JSON, '' none), event type ('' none), event (JSON), the stored result replaced
 *       ('' none), its day, the order key it settles ('' none), the order's history key ('' when no entry), a history
 *       entry ('' none), pending: a score, 'rm' (no longer pending) or '' (never was).
 * Returns one reply per row: 1 written, -1 moved since read (nothing written for that row: read again and retry).
 */
export const SETTLE_ROWS: RedisScript = {
  name: 'llreconSettleRows',
  numberOfKeys: 5,
  lua: `
local p = ARGV[1]
local counts = {}
local days = {}
local function add(day, result, by)
  local c = counts[day]
  if not c then c = {}; counts[day] = c end
  c[result] = (c[result] or 0) + by
end
local out = {}
local n = (#ARGV - 2) / ${14}
for r = 0, n - 1 do
  local b = 2 + r * ${14}
  local key = ARGV[b + 1]
  local prev = redis.call('HGET', KEYS[1], key) or ''
  if prev ~= ARGV[b + 2] then
    out[r + 1] = -1
  else
    if ARGV[b + 9] ~= '' then
      add(ARGV[b + 10], ARGV[b + 9], -1)
      redis.call('HDEL', p .. 'day:' .. ARGV[b + 10], key)
    end
    redis.call('HSET', KEYS[1], key, ARGV[2] .. '|' .. ARGV[b + 3])
    local day = ARGV[b + 5]
    add(day, ARGV[b + 4], 1)
    days[day] = true
    if ARGV[b + 6] ~= '' then redis.call('HSET', p .. 'day:' .. day, key, ARGV[b + 6]) end
    local pending = ARGV[b + 14]
    if pending == 'rm' then redis.call('ZREM', KEYS[5], key) elseif pending ~= '' then redis.call('ZADD', KEYS[5], pending, key) end
    local ok = ARGV[b + 11]
    if ok ~= '' then
      local md = redis.call('HGET', KEYS[4], ok)
      if md then
        redis.call('HDEL', KEYS[4], ok)
        redis.call('HDEL', p .. 'day:' .. md, 'missing|' .. ok)
        add(md, 'missing', -1)
      end
    end
    if ARGV[b + 13] ~= '' then redis.call('RPUSH', ARGV[b + 12], ARGV[b + 13]) end
    if ARGV[b + 7] ~= '' then redis.call('XADD', KEYS[2], '*', 'type', ARGV[b + 7], 'event', ARGV[b + 8]) end
    out[r + 1] = 1
  end
end
for day, c in pairs(counts) do
  for result, by in pairs(c) do
    if by ~= 0 then redis.call('HINCRBY', p .. 'counts:' .. day, result, by) end
  end
end
for day in pairs(days) do
  redis.call('SADD', p .. 'dayfiles:' .. day, ARGV[2])
  redis.call('ZADD', KEYS[3], tonumber(day), day)
end
return out
`,
};

/**
 * The common case of an import, judged where the orders are (one call per batch; per row one value sent and one code
 * back, instead of each order's fields read out and each verdict sent back): a successful row whose order is
 * captured, by this merchant, at the same payment and at an amount written the same as the row's is `matched` —
 * written here (its verdict needs no event) when the row was not stored yet, left alone when stored already with
 * exactly this value. Every other row (another verdict, an amount equal only as a number, a row stored by another
 * file or differently) is left to Node's judging (SETTLE_READ, SETTLE_ROWS).
 * KEYS: 1 rows hash, 2 dates zset, 3 missing hash.
 * ARGV: 1 dayPrefix, 2 the file's name, 3 its generation, 4 what order keys start with, 5 the merchant, 6–10 the
 *       order fields state, money_order, oid_paybill, captured amount, oid_partner, 11 the rows, each ended by a
 *       newline (one argument, so that sending a batch costs one string, not one per row): `<no_order>|` then the
 *       stored value after its head `<file>|<gen>|` (row-value.ts: it begins with the row's day, line, money_order
 *       and oid_paybill; its result is `matched`).
 * Returns one code per row: 1 written, 0 stored already, -1 not this case (judge it in Node).
 */
export const SETTLE_MATCHED: RedisScript = {
  name: 'llreconSettleMatched',
  numberOfKeys: 3,
  lua: `
local p = ARGV[1]
local head = ARGV[2] .. '|' .. ARGV[3] .. '|'
local orderPrefix = ARGV[4]
local oid = ARGV[5]
local fS, fM, fPb, fCap, fOp = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
-- no order listed missing (the usual case): nothing to take off that list
local anyMissing = redis.call('HLEN', KEYS[3]) > 0
local counts = {}
local out = {}
local rows = ARGV[11]
local at = 1
while at <= #rows do
  local nl = string.find(rows, '\\n', at, true)
  local a = string.sub(rows, at, nl - 1)
  at = nl + 1
  local no, money, pb = string.match(a, '^([^|]+)|%d+|%d+|([^|]*)|([^|]*)|')
  local code = -1
  local v = redis.call('HMGET', orderPrefix .. no, fS, fM, fPb, fCap, fOp)
  if v[1] == 'captured' and (not v[5] or v[5] == oid) and (not v[3] or pb == '' or pb == v[3]) and (v[4] or v[2]) == money then
    local key = oid .. '|' .. no .. '|0'
    local value = head .. string.sub(a, #no + 2)
    if redis.call('HSETNX', KEYS[1], key, value) == 1 then
      local day = string.sub(a, #no + 2, #no + 9)
      counts[day] = (counts[day] or 0) + 1
      if anyMissing then
        local ok = oid .. '|' .. no
        local md = redis.call('HGET', KEYS[3], ok)
        if md then
          redis.call('HDEL', KEYS[3], ok)
          redis.call('HDEL', p .. 'day:' .. md, 'missing|' .. ok)
          redis.call('HINCRBY', p .. 'counts:' .. md, 'missing', -1)
        end
      end
      code = 1
    elseif redis.call('HGET', KEYS[1], key) == value then
      code = 0
    end
  end
  out[#out + 1] = code
end
for day, n in pairs(counts) do
  redis.call('HINCRBY', p .. 'counts:' .. day, 'matched', n)
  redis.call('SADD', p .. 'dayfiles:' .. day, ARGV[2])
  redis.call('ZADD', KEYS[2], tonumber(day), day)
end
return out
`,
};

/**
 * What judging a batch of rows reads (read only): each row's order fields and what is stored of the row, in one call
 * instead of one HMGET per row (the field names sent once, not once per row). The order keys given in ARGV are this
 * deployment's (the same hash tag).
 * KEYS: 1 rows hash. ARGV: 1 the number of order fields n, 2…n+1 the fields, then per row: its order key, its row key.
 * Returns per row the n field values then the stored row (nil when absent).
 */
export const SETTLE_READ: RedisScript = {
  name: 'llreconSettleRead',
  numberOfKeys: 1,
  lua: `
local nf = tonumber(ARGV[1])
local fields = {}
for i = 1, nf do fields[i] = ARGV[1 + i] end
local out = {}
local j = 0
for a = nf + 2, #ARGV, 2 do
  local vals = redis.call('HMGET', ARGV[a], unpack(fields))
  vals[nf + 1] = redis.call('HGET', KEYS[1], ARGV[a + 1])
  j = j + 1
  out[j] = vals
end
return out
`,
};

/**
 * A row a corrected file no longer has: uncounted. KEYS: 1 rows hash, 2 pending zset.
 * ARGV: 1 row key, 2 the stored value read, 3 its result, 4 its day, 5 dayPrefix. Returns 1, or -1 when it moved.
 */
export const DROP_ROW: RedisScript = {
  name: 'llreconSettleDropRow',
  numberOfKeys: 2,
  lua: `
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', ARGV[5] .. 'counts:' .. ARGV[4], ARGV[3], -1)
redis.call('HDEL', ARGV[5] .. 'day:' .. ARGV[4], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`,
};

/**
 * A captured order no file settled, listed once. KEYS: 1 rows hash, 2 missing hash, 3 event stream, 4 dates zset.
 * ARGV: 1 order key, 2 the row key of its successful row, 3 the day, 4 dayPrefix, 5 the item (JSON), 6 event type,
 *       7 event (JSON). Returns 1, or 0 when a file settled it meanwhile or it is listed already.
 */
export const SETTLE_MISSING: RedisScript = {
  name: 'llreconSettleMissing',
  numberOfKeys: 4,
  lua: `
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', ARGV[4] .. 'day:' .. ARGV[3], 'missing|' .. ARGV[1], ARGV[5])
redis.call('HINCRBY', ARGV[4] .. 'counts:' .. ARGV[3], 'missing', 1)
redis.call('ZADD', KEYS[4], tonumber(ARGV[3]), ARGV[3])
redis.call('XADD', KEYS[3], '*', 'type', ARGV[6], 'event', ARGV[7])
return 1
`,
};

/**
 * The end of a file's import: its record and its `settlement.processed` event together.
 * KEYS: 1 the file's hash, 2 files zset, 3 event stream. ARGV: 1 name, 2 score, 3 the import's generation,
 * 4 event type, 5 event (JSON), 6… field/value pairs. Returns 1, or -1 when another import of the file took over.
 */
export const FINISH_FILE: RedisScript = {
  name: 'llreconSettleFinishFile',
  numberOfKeys: 3,
  lua: `
if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[3] then return -1 end
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('XADD', KEYS[3], '*', 'type', ARGV[4], 'event', ARGV[5])
return 1
`,
};

/** A lease held by one process: KEYS 1 the lease; ARGV 1 token, 2 ttl ms. Returns 1 when held (taken or renewed). */
export const SETTLE_LEASE: RedisScript = {
  name: 'llreconSettleLease',
  numberOfKeys: 1,
  lua: `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
};

/** Gives a lease up if still ours: KEYS 1 the lease; ARGV 1 token. */
export const SETTLE_RELEASE: RedisScript = {
  name: 'llreconSettleRelease',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
};

export const SETTLEMENT_SCRIPTS: readonly RedisScript[] = [
  SETTLE_ROWS,
  SETTLE_MATCHED,
  SETTLE_READ,
  DROP_ROW,
  SETTLE_MISSING,
  FINISH_FILE,
  SETTLE_LEASE,
  SETTLE_RELEASE,
];

/** Runs one of the scripts above (on a connection or a pipeline made after defineScripts). */
export function runSettlementScript(
  target: ScriptTarget,
  script: RedisScript,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  return callScript(target, script, keys, args);
}
