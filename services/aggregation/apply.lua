-- Applies one accepted submission to Redis in one atomic step. Called by EVALSHA from
-- services/aggregation/applier.cc; every key carries the same {p<N>} hash tag (the Kafka partition
-- of the submission), so one call touches one Redis Cluster slot. Key layout: common/redis/layout.h.
--
-- KEYS[1]    hattama:{pN}:seen:<submission_id>
-- KEYS[2]    hattama:{pN}:versions:<contest>:<station>
-- KEYS[3]    hattama:{pN}:[official-]station:<contest>:<station>
-- KEYS[4]    hattama:{pN}:[official-]backers:<contest>:<station>
-- KEYS[5]    hattama:{pN}:[official-]figures:<contest>:<station>
-- KEYS[6]    hattama:{pN}:position
-- KEYS[7..]  hattama:{pN}:[official-]totals:<contest>:<area> of the district, region and nation
-- ARGV[1]    submission id
-- ARGV[2]    digest of the submission (tells a resend from a reused id)
-- ARGV[3]    SubmissionRecord bytes, kept as a version
-- ARGV[4]    'protocol' or 'retraction' (withdraws the observer's versions up to its revision)
-- ARGV[5]    observer id
-- ARGV[6]    revision
-- ARGV[7]    '1' when a control relation is broken, else '0'
-- ARGV[8]    figures digest (common/domain/dispute.h FiguresDigest); '' for a retraction
-- ARGV[9]    contest id, ARGV[10] 'observer' or 'official', ARGV[11] partition (echoed back)
-- ARGV[12]   the record's offset in its partition
-- ARGV[13 .. 12+n]  the area id of each totals key (n = #KEYS - 6), in KEYS order
-- ARGV[13+n ..]     field, value pairs of the protocol's figures: 'f:<figure>', 'v:<option_id>'
--
-- Counting rule: the one of common/domain/dispute.h (the C++ model the tests hold this against).
-- Each observer has one standing entry, the highest (revision, retraction, submission id); the
-- figures backed by the most standing entries count, a tie going to the smallest figures digest
-- (ids and digests compared byte by byte, never by the server's locale);
-- more than one set of figures standing makes the station x contest disputed. Everything here
-- depends on the set of versions applied, never on their order.
--
-- Totals move by the difference between the old and the new counted figures and a submission
-- seen before changes nothing, so replaying the log from any offset yields the same totals.
--
-- The partition's position (KEYS[6]) becomes max(position, offset + 1) first, whatever the
-- outcome, in this same atomic call: whoever reads it together with the partition's totals knows
-- exactly which records the totals hold (those below it), and a replay never moves it back.
--
-- Returns {outcome} or, when totals moved (and for a duplicate, whose totals may have moved in a
-- run that crashed before reporting them), {outcome, contest, scope, partition, area_1, HGETALL
-- of its totals, area_2, ...}. Outcomes: 'counted' (backs the counted figures), 'retracted'
-- (withdrew something that counted), 'stored' (kept, does not count), 'stale' (kept, outranked by
-- the observer's standing entry), 'duplicate' (seen before) or 'id_reused' (seen before with
-- another digest; nothing changed).

local areas = #KEYS - 6
local next_offset = tonumber(ARGV[12]) + 1
if next_offset > tonumber(redis.call('GET', KEYS[6]) or '0') then
  redis.call('SET', KEYS[6], string.format('%d', next_offset))
end

local seen = redis.call('GET', KEYS[1])
if seen then
  if seen ~= ARGV[2] then return {'id_reused'} end
  -- A replay after a crash between this script and the change feed's write: the totals it moved
  -- are reported again as they stand (same version), so the feed is at-least-once.
  local reply = {'duplicate', ARGV[9], ARGV[10], ARGV[11]}
  for k = 1, areas do
    local totals = redis.call('HGETALL', KEYS[6 + k])
    if #totals > 0 then
      reply[#reply + 1] = ARGV[12 + k]
      reply[#reply + 1] = totals
    end
  end
  return reply
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])

local function parse(entry)
  local rev, retr, flagged, digest, id =
      string.match(entry, '^(-?%d+)\t(%d)\t(%d)\t(%x*)\t(.*)$')
  return {rev = tonumber(rev), retr = tonumber(retr), flagged = tonumber(flagged),
          digest = digest, id = id}
end
-- Strings are ordered by their bytes, as C++ std::string compares (common/domain/dispute.h). Lua's
-- own < on strings calls strcoll, which follows the locale redis-server runs in: under
-- en_US.UTF-8 "a" sorts before "B" and '-' is ignored, so ties would go another way than the
-- model's.
local function bytes_less(a, b)
  if a == b then return false end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function outranks(a, b)
  if a.rev ~= b.rev then return a.rev > b.rev end
  if a.retr ~= b.retr then return a.retr > b.retr end
  return bytes_less(b.id, a.id)
end

local retraction = ARGV[4] == 'retraction'
local entry = {rev = tonumber(ARGV[6]), retr = retraction and 1 or 0,
               flagged = tonumber(ARGV[7]), digest = retraction and '' or ARGV[8], id = ARGV[1]}
local observer = ARGV[5]
local standing = redis.call('HGET', KEYS[4], observer)
if standing and not outranks(entry, parse(standing)) then return {'stale'} end
redis.call('HSET', KEYS[4], observer,
           string.format('%d', entry.rev) .. '\t' .. entry.retr .. '\t' .. entry.flagged .. '\t' ..
           entry.digest .. '\t' .. entry.id)

local first_field = 13 + areas
if not retraction then
  local parts = {}
  for i = first_field, #ARGV, 2 do parts[#parts + 1] = ARGV[i] .. '=' .. ARGV[i + 1] end
  -- Same digest, same figures: the first copy stored is as good as any.
  redis.call('HSETNX', KEYS[5], entry.digest, table.concat(parts, '\n'))
end

-- The rule over every standing entry.
local groups, digests = {}, {}
local all = redis.call('HGETALL', KEYS[4])
for i = 2, #all, 2 do
  local e = parse(all[i])
  if e.retr == 0 then
    local g = groups[e.digest]
    if not g then
      g = {n = 0, rep = e}
      groups[e.digest] = g
      digests[#digests + 1] = e.digest
    end
    g.n = g.n + 1
    if bytes_less(e.id, g.rep.id) then g.rep = e end
  end
end
local best = nil
for _, d in ipairs(digests) do
  if best == nil or groups[d].n > groups[best].n or
      (groups[d].n == groups[best].n and bytes_less(d, best)) then
    best = d
  end
end

-- What counted before.
local old = {}
local counted, old_digest, old_flagged, old_disputed, old_confirmations = false, '', 0, 0, 0
local current = redis.call('HGETALL', KEYS[3])
for i = 1, #current, 2 do
  local field, value = current[i], current[i + 1]
  local prefix = string.sub(field, 1, 2)
  if prefix == 'f:' or prefix == 'v:' then
    old[field] = tonumber(value)
  elseif field == 'submission_id' then
    counted = true
  elseif field == 'digest' then
    old_digest = value
  elseif field == 'flagged' then
    old_flagged = tonumber(value)
  elseif field == 'disputed' then
    old_disputed = tonumber(value)
  elseif field == 'confirmations' then
    old_confirmations = tonumber(value)
  end
end

local new = {}
local new_flagged, new_disputed, new_confirmations, reporting = 0, 0, 0, 0
if best == nil then
  if counted then reporting = -1 end
  redis.call('DEL', KEYS[3])
else
  if not counted then reporting = 1 end
  local g = groups[best]
  new_flagged = g.rep.flagged
  new_confirmations = g.n
  if #digests > 1 then new_disputed = 1 end
  local station = {'submission_id', g.rep.id, 'digest', best, 'confirmations', g.n,
                   'variants', #digests, 'disputed', new_disputed, 'flagged', new_flagged}
  local stored = redis.call('HGET', KEYS[5], best)
  for pair in string.gmatch(stored, '[^\n]+') do
    local field, value = string.match(pair, '^(.*)=(-?%d+)$')
    new[field] = tonumber(value)
    station[#station + 1] = field
    station[#station + 1] = value
  end
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], unpack(station))
end

local outcome
if retraction then
  if best ~= old_digest or new_confirmations ~= old_confirmations then
    outcome = 'retracted'
  else
    outcome = 'stored'
  end
elseif best == entry.digest then
  outcome = 'counted'
else
  outcome = 'stored'
end

-- The difference between the new and the old counted figures; a figure the new protocol lacks
-- is taken back in full.
local deltas = {}
for field, value in pairs(new) do
  local delta = value - (old[field] or 0)
  if delta ~= 0 then deltas[#deltas + 1] = {field, delta} end
end
for field, value in pairs(old) do
  if new[field] == nil and value ~= 0 then deltas[#deltas + 1] = {field, -value} end
end
if reporting ~= 0 then deltas[#deltas + 1] = {'stations_reporting', reporting} end
if new_flagged ~= old_flagged then
  deltas[#deltas + 1] = {'flagged_count', new_flagged - old_flagged}
end
if new_disputed ~= old_disputed then
  deltas[#deltas + 1] = {'disputed_count', new_disputed - old_disputed}
end
if #deltas == 0 then return {outcome} end

-- Integers are formatted with %d: Lua numbers are doubles and tostring would switch to exponent
-- notation for large values, which HINCRBY refuses.
local reply = {outcome, ARGV[9], ARGV[10], ARGV[11]}
for k = 1, areas do
  local key = KEYS[6 + k]
  for _, delta in ipairs(deltas) do
    redis.call('HINCRBY', key, delta[1], string.format('%d', delta[2]))
  end
  redis.call('HINCRBY', key, 'version', 1)
  reply[#reply + 1] = ARGV[12 + k]
  reply[#reply + 1] = redis.call('HGETALL', key)
end
return reply
