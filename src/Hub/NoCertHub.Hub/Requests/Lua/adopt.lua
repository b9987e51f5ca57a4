-- KEYS: request record, body. ARGV: previous owner, new owner. Returns {body, officer} when
-- this hub now routes the unanswered request (queued again), else nothing.
--! include record.lua
local v = redis.call('GET', KEYS[1])
if not v then return false end
local state, remind, deadline, seq, rest = RecordHead(v)
local hub, officerAt = RecordText(v, rest)
if hub ~= ARGV[1] or state == 'a' then return false end
local body = redis.call('GET', KEYS[2])
if not body then return false end
local officer = RecordText(v, officerAt)
redis.call('SET', KEYS[1], RecordRequeued(v, remind, deadline, seq, ARGV[2], officerAt))
return {body, officer}
