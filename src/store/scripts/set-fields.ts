// A Lua helper shared by the scripts that update an order hash from field/value argument pairs.

/**
 * Lua: `set_fields(key, from)` applies ARGV[from], ARGV[from+1], … as field/value pairs to hash `key`; an empty
 * value deletes the field (null fields are absent from the hash).
 */
export const SET_FIELDS_LUA = `
local function set_fields(key, from)
  for i = from, #ARGV, 2 do
    if ARGV[i + 1] == '' then
      redis.call('HDEL', key, ARGV[i])
    else
      redis.call('HSET', key, ARGV[i], ARGV[i + 1])
    end
  end
end
`;
