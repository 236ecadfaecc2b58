-- Applies one observer deployment event to the deployment table, exactly once.
-- KEYS[1] hash  event id -> 1: the events already applied (a redelivery or resend is ignored)
-- KEYS[2] hash  "<scope>|<counter>" -> count, for each scope of ARGV[4..]
-- KEYS[3] set   "<scope>|<station>": the scopes' stations where an observer was admitted (so that
--               stations covered counts each station once in each scope)
-- ARGV: event id, counter name, station id, then the scopes the event counts in: the station's
--       district, region and the nation, and "organisation:<id>" when the event names one
-- Returns 1 when applied, 0 when the event was applied before.
-- All three keys share the hash tag {deployment}, so Redis Cluster keeps them in one slot.
-- The keys, the "<scope>|<counter>" fields and the counter names: common/redis/layout.h.
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then
  return 0
end
local counter, station = ARGV[2], ARGV[3]
for i = 4, #ARGV do
  local scope = ARGV[i]
  redis.call('HINCRBY', KEYS[2], scope .. '|' .. counter, 1)
  if counter == 'observers_admitted' and redis.call('SADD', KEYS[3], scope .. '|' .. station) == 1 then
    redis.call('HINCRBY', KEYS[2], scope .. '|stations_covered', 1)
  end
end
return 1
