// Lua scripts. Each touches the keys of one metric only (one hash slot), so they run on Redis Cluster too.
// Arithmetic happens in Lua numbers, which are IEEE doubles like JavaScript's, and values are stored with 17
// significant digits, which round-trips every double: sums come out exactly as the memory backend computes them.

const NUMBERS = `
local function num(s)
  if s == 'inf' then return math.huge end
  if s == '-inf' then return -math.huge end
  if s == 'nan' or s == '-nan' then return 0/0 end
  return tonumber(s)
end
local function fmt(v)
  if v ~= v then return 'nan' end
  if v == math.huge then return 'inf' end
  if v == -math.huge then return '-inf' end
  return string.format('%.17g', v)
end
`;

/**
 * Applies one flush batch exactly once. KEYS: the values hash, the writer's ack key. ARGV: the batch's sequence
 * number, the idle expiry in seconds, then triples of operation (`a` add, `s` set), field and number.
 * A batch whose sequence number is not above the last one applied was applied already (its reply was lost):
 * it is skipped. Returns 1 when applied, 0 when skipped.
 */
export const APPLY_BATCH = `${NUMBERS}
local seq = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if seq <= last then return 0 end
for i = 3, #ARGV, 3 do
  local field = ARGV[i + 1]
  local value = num(ARGV[i + 2])
  if ARGV[i] == 'a' then
    local current = redis.call('HGET', KEYS[1], field)
    if current then value = num(current) + value end
  end
  redis.call('HSET', KEYS[1], field, fmt(value))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
`;

/**
 * Writes the current values of one process' per-process gauge series (idempotent, so no sequence number).
 * KEYS: the metric's process set, the process' hash. ARGV: process id, the hash's lifetime in milliseconds, the
 * set's idle expiry in seconds, then pairs of field and number.
 */
export const WRITE_PROCESS = `
redis.call('DEL', KEYS[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

/**
 * Reads the per-process series of a metric and forgets processes whose hash expired (they stopped).
 * KEYS: the process set. ARGV: the prefix of the per-process hashes. Returns process id, fields pairs.
 */
export const READ_PROCESSES = `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then
    redis.call('SREM', KEYS[1], id)
  else
    out[#out + 1] = id
    out[#out + 1] = fields
  end
end
return out
`;

/** Removes one process' per-process series at once (on close). KEYS: the process set, the process' hash. */
export const DROP_PROCESS = `
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[1], ARGV[1])
return 1
`;
