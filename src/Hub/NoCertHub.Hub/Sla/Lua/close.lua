-- KEYS: escalation hash, open escalations, closed escalations. ARGV: id, finding, closed by,
-- retention seconds. Returns 0 unknown, 1 closed before, 2 closed now.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'closed' then return 1 end
--! include server_millis.lua
redis.call('HSET', KEYS[1], 'state', 'closed', 'finding', ARGV[2], 'closed_by', ARGV[3], 'closed', string.format('%.0f', now))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]) * 1000)
return 2
