-- Writes one partition's share of a batch, folded in C++ (services/aggregation/batch_applier.cc),
-- in one atomic compare-and-set step: the writes count only against the state they were computed
-- from. Every key carries the partition's hash tag {p<N>}, so the step is one Redis Cluster slot.
--
-- KEYS[1]    hattama:{pN}:position
-- ARGV[1]    the position the batch was folded against ('0' when it was absent)
-- ARGV[2]    the new position (the offset after the batch's last record of the partition)
-- ARGV[3..]  the writes, one after the other, each as <n> followed by the n words of the command
--            (MSET, RPUSH, HSET, HSETNX, DEL, SET ...)
--
-- When the stored position is not ARGV[1] (another member or a zombie wrote the partition since
-- the fold read it, or Redis lost writes) nothing is written and the answer is {'moved', <stored
-- position>}. Otherwise every command runs in order, the position becomes ARGV[2], and the answer
-- is {'applied', {reply of each HGETALL among the commands, in order}} (aggregation sends none: it
-- knows the totals it writes).

local stored = redis.call('GET', KEYS[1]) or '0'
if stored ~= ARGV[1] then return {'moved', stored} end
local totals = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local reply = redis.call(unpack(ARGV, i + 1, i + n))
  if ARGV[i + 1] == 'HGETALL' then totals[#totals + 1] = reply end
  i = i + n + 1
end
redis.call('SET', KEYS[1], ARGV[2])
return {'applied', totals}
