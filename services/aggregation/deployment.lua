-- Applies one observer deployment event to the deployment table, exactly once.
-- KEYS[1] hash  event id -> 1: the events already applied (a redelivery or resend is ignored)
-- KEYS[2] hash  "<area>|<counter>" -> count, for the station's region and the nation
-- KEYS[3] set   stations where an observer was admitted (stations covered counts each once)
-- ARGV: event id, counter name, station id, region id, nation id
-- Returns 1 when applied, 0 when the event was applied before.
-- All three keys share the hash tag {deployment}, so Redis Cluster keeps them in one slot.
-- The keys, the "<area>|<counter>" fields and the counter names: common/redis/layout.h.
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then
  return 0
end
local counter, station, region, nation = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('HINCRBY', KEYS[2], region .. '|' .. counter, 1)
redis.call('HINCRBY', KEYS[2], nation .. '|' .. counter, 1)
if counter == 'observers_admitted' and redis.call('SADD', KEYS[3], station) == 1 then
  redis.call('HINCRBY', KEYS[2], region .. '|stations_covered', 1)
  redis.call('HINCRBY', KEYS[2], nation .. '|stations_covered', 1)
end
return 1
