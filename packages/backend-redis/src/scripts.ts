// Lua scripts. Each touches the keys of one metric only (one hash slot), so they run on Redis Cluster too.
// Arithmetic happens in Lua numbers, which are IEEE doubles like JavaScript's, and sums are stored with 17
// significant digits, which round-trips every double: sums come out exactly as the memory backend computes them.
// Every call is bounded by the batch it gets (the writer splits batches), so none blocks Redis for long.

const NUMBERS = `
local function num(s)
  local v = tonumber(s)
  if v then return v end
  if s == 'inf' then return math.huge end
  if s == '-inf' then return -math.huge end
  return 0/0
end
local function fmt(v)
  if v ~= v then return 'nan' end
  if v == 0 then
    if 1 / v < 0 then return '-0' end
    return '0'
  end
  -- Whole numbers (counts, mostly) print as integers, which is cheaper than 17 digits and as exact.
  if v == math.floor(v) and v < 1e15 and v > -1e15 then return string.format('%d', v) end
  if v == math.huge then return 'inf' end
  if v == -math.huge then return '-inf' end
  return string.format('%.17g', v)
end
-- Adds a list of numbers (text, space-separated) to another; a part whose change is 0 keeps its text.
local function add(old, change)
  if not string.find(change, ' ', 1, true) then return fmt(num(old) + num(change)) end
  local parts = {}
  local k = 0
  for part in string.gmatch(old, '%S+') do
    k = k + 1
    parts[k] = part
  end
  local out = {}
  local i = 0
  for part in string.gmatch(change, '%S+') do
    i = i + 1
    local was = parts[i] or '0'
    if part == '0' then out[i] = was else out[i] = fmt(num(was) + num(part)) end
  end
  return table.concat(out, ' ')
end
`;

/**
 * Applies one batch of a writer exactly once, unless Redis lost what the writer had sent before.
 *
 * KEYS: the values hash, the writers hash. ARGV: writer id, batch number, the generation the writer knows (`''`
 * before its first batch, or after a loss), a new generation to use if the hash has none, the expiry in seconds,
 * the age in milliseconds past which other writers' records are dropped (`0`: not now), then pairs of field and
 * value: `=` and a number sets, a list of numbers adds.
 *
 * Returns `{ status, generation }`: 1 applied; 2 applied before (its reply was lost), or a batch with no pairs
 * that only keeps the keys alive; 0 lost: the hash is not the generation the writer wrote to, so nothing is
 * applied and the writer sends its whole contribution again.
 */
export const APPLY_BATCH = `${NUMBERS}
local generation = redis.call('HGET', KEYS[1], '~gen')
local known = ARGV[3]
if not generation then
  if known ~= '' then return {0, ''} end
  generation = ARGV[4]
  redis.call('HSET', KEYS[1], '~gen', generation)
elseif known ~= '' and known ~= generation then
  return {0, generation}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local seq = tonumber(ARGV[2])
local status = 1
local record = redis.call('HGET', KEYS[2], ARGV[1])
if record then
  local last, of = string.match(record, '^(%d+) (%S+)')
  if of == generation and tonumber(last) >= seq then
    status = 2
    seq = tonumber(last)
  end
end
local count = (#ARGV - 6) / 2
if status == 1 and count > 0 then
  local fields = {}
  for i = 1, count do fields[i] = ARGV[5 + 2 * i] end
  local current = redis.call('HMGET', KEYS[1], unpack(fields))
  local out = {}
  for i = 1, count do
    local value = ARGV[6 + 2 * i]
    if string.byte(value, 1) == 61 then
      value = string.sub(value, 2)
    elseif current[i] then
      value = add(current[i], value)
    end
    out[2 * i - 1] = fields[i]
    out[2 * i] = value
  end
  redis.call('HSET', KEYS[1], unpack(out))
end
redis.call('HSET', KEYS[2], ARGV[1], string.format('%d %s %d', seq, generation, now))
if ARGV[6] ~= '0' then
  local before = now - tonumber(ARGV[6])
  local records = redis.call('HGETALL', KEYS[2])
  for i = 1, #records, 2 do
    local at = tonumber(string.match(records[i + 1], ' (%d+)$'))
    if at and at < before then redis.call('HDEL', KEYS[2], records[i]) end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return {status, generation}
`;

/**
 * Writes values of one process' per-process gauge series (idempotent, so no batch number). KEYS: the metric's
 * process set, the process' hash. ARGV: process id, the hash's lifetime in milliseconds, the set's expiry in
 * seconds, `1` to empty the hash first (a process' first write), then pairs of field and number. Returns 1 if
 * the hash existed before, 0 if not (it expired or was lost: the writer then writes all of its series).
 */
export const WRITE_PROCESS = `
local existed = redis.call('EXISTS', KEYS[2])
if ARGV[4] == '1' then redis.call('DEL', KEYS[2]) end
if #ARGV > 4 then redis.call('HSET', KEYS[2], unpack(ARGV, 5)) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return existed
`;

/**
 * Forgets processes whose per-process hash is gone (they stopped without closing, and the hash expired).
 * KEYS: the process set. ARGV: the prefix of the per-process hashes, then the ids a scrape found empty.
 */
export const FORGET_PROCESSES = `
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end
end
return 1
`;

/** Removes one process' per-process series at once (on close). KEYS: the process set, the process' hash. */
export const DROP_PROCESS = `
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[1], ARGV[1])
return 1
`;

/**
 * The database's epoch: a value that stays the same as long as the database keeps its data. KEYS: the epoch key.
 * ARGV: a new value to use if there is none, the expiry in seconds. Returns the epoch.
 */
export const EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return epoch
`;
