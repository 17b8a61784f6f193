// A Lua helper shared by the scripts that add to an order's timeline (newest first, capped).

/** How many entries an order's timeline keeps. */
export const TIMELINE_CAP = 100;

/**
 * Lua: `timeline_push(key, entry, sig)` puts the JSON `entry` at the head of list `key` and trims the list to
 * the newest TIMELINE_CAP entries. A query entry passes its signature `sig` = `q|<ret_code>|<outcome>`, then
 * `|<reason>` when it has one (other
 * entries pass ''): when the newest entry is a query with the same signature, the new entry REPLACES it, with
 * `n` (answers in the run) and `since` (the time of its first), so a long run of identical answers costs one
 * entry. `entry` must be a JSON object without `n`/`since`.
 */
export const TIMELINE_PUSH_LUA = `
local function timeline_push(key, entry, sig)
  if sig ~= '' then
    local head = redis.call('LINDEX', key, 0)
    if head then
      local h = cjson.decode(head)
      local rc = h.ret_code
      if type(rc) ~= 'string' then rc = '' end
      local why = ''
      if type(h.reason) == 'string' then why = '|' .. h.reason end
      if h.kind == 'query' and ('q|' .. rc .. '|' .. tostring(h.outcome) .. why) == sig then
        local n = (tonumber(h.n) or 1) + 1
        local since = tonumber(h.since) or tonumber(h.at)
        redis.call('LSET', key, 0, string.sub(entry, 1, -2) .. string.format(',"n":%d,"since":%d}', n, since))
        return
      end
    end
  end
  redis.call('LPUSH', key, entry)
  redis.call('LTRIM', key, 0, ${TIMELINE_CAP - 1})
end
`;
