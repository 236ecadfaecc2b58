-- Applies one accepted submission to Redis in one atomic step. Called by EVALSHA from
-- services/aggregation/applier.cc; every key carries the same {p<N>} hash tag (the Kafka partition
-- of the submission), so one call touches one Redis Cluster slot. Key layout: common/redis/layout.h.
--
-- KEYS[1]    hattama:{pN}:seen:<submission_id>
-- KEYS[2]    hattama:{pN}:station:<contest>:<station>
-- KEYS[3]    hattama:{pN}:versions:<contest>:<station>
-- KEYS[4..]  hattama:{pN}:totals:<contest>:<area> of the station's district, region and nation
-- ARGV[1]    submission id
-- ARGV[2]    digest of the submission (tells a resend from a reused id)
-- ARGV[3]    SubmissionRecord bytes, kept as a version
-- ARGV[4]    'observer' (may count), 'retraction' (withdraws) or 'official' (kept, never counted)
-- ARGV[5]    observer id
-- ARGV[6]    revision
-- ARGV[7]    '1' when a control relation is broken, else '0'
-- ARGV[8..]  field, value pairs of the protocol's figures: 'f:<figure>', 'v:<option_id>'
--
-- Counting rule (walking skeleton): the latest applied observer submission of the station x
-- contest counts, except a lower revision from the observer whose submission counts now (a late
-- copy of a protocol that observer already replaced). A retraction by the observer whose
-- submission counts withdraws it and the station stops reporting; a retraction by anyone else is
-- only kept as a version. Official results are kept as versions and never mixed into the totals.
--
-- Totals move by the difference between the old and the new counted figures and a submission
-- seen before changes nothing, so replaying the log from any offset yields the same totals.
--
-- Returns what happened: 'counted', 'retracted', 'stored' (kept, totals untouched), 'stale'
-- (kept, lower revision), 'duplicate' (seen before) or 'id_reused' (seen before with another
-- digest; nothing changed).

local seen = redis.call('GET', KEYS[1])
if seen then
  if seen == ARGV[2] then return 'duplicate' end
  return 'id_reused'
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[3])

local kind = ARGV[4]
if kind == 'official' then return 'stored' end

-- What counts now.
local old = {}
local counted, old_observer, old_revision, old_flagged = false, nil, 0, 0
local current = redis.call('HGETALL', KEYS[2])
for i = 1, #current, 2 do
  local field, value = current[i], current[i + 1]
  local prefix = string.sub(field, 1, 2)
  if prefix == 'f:' or prefix == 'v:' then
    old[field] = tonumber(value)
  elseif field == 'submission_id' then
    counted = true
  elseif field == 'observer_id' then
    old_observer = value
  elseif field == 'revision' then
    old_revision = tonumber(value)
  elseif field == 'flagged' then
    old_flagged = tonumber(value)
  end
end

local observer = ARGV[5]
local new = {}
local new_flagged = 0
local reporting = 0
local outcome
if kind == 'retraction' then
  if not counted or old_observer ~= observer then return 'stored' end
  reporting = -1
  outcome = 'retracted'
  redis.call('DEL', KEYS[2])
else
  if counted and old_observer == observer and tonumber(ARGV[6]) < old_revision then
    return 'stale'
  end
  if not counted then reporting = 1 end
  new_flagged = tonumber(ARGV[7])
  outcome = 'counted'
  local station = {'submission_id', ARGV[1], 'observer_id', observer, 'revision', ARGV[6],
                   'flagged', ARGV[7]}
  for i = 8, #ARGV, 2 do
    new[ARGV[i]] = tonumber(ARGV[i + 1])
    station[#station + 1] = ARGV[i]
    station[#station + 1] = ARGV[i + 1]
  end
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], unpack(station))
end

-- The difference between the new and the old counted figures; a figure the new protocol lacks
-- is taken back in full.
local deltas = {}
local done = {}
for i = 8, #ARGV, 2 do
  local field = ARGV[i]
  if not done[field] then
    done[field] = true
    local delta = new[field] - (old[field] or 0)
    if delta ~= 0 then deltas[#deltas + 1] = {field, delta} end
  end
end
for field, value in pairs(old) do
  if new[field] == nil and value ~= 0 then deltas[#deltas + 1] = {field, -value} end
end
local flagged_delta = new_flagged - old_flagged

-- Integers are formatted with %d: Lua numbers are doubles and tostring would switch to exponent
-- notation for large values, which HINCRBY refuses.
for k = 4, #KEYS do
  for _, delta in ipairs(deltas) do
    redis.call('HINCRBY', KEYS[k], delta[1], string.format('%d', delta[2]))
  end
  if reporting ~= 0 then
    redis.call('HINCRBY', KEYS[k], 'stations_reporting', string.format('%d', reporting))
  end
  if flagged_delta ~= 0 then
    redis.call('HINCRBY', KEYS[k], 'flagged_count', string.format('%d', flagged_delta))
  end
end
return outcome
