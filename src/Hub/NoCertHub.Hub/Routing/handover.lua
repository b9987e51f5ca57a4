-- KEYS: the receiving hub's lease, its inbox. ARGV: entries "request id\nprevious owner".
-- Appends them only while that hub is alive (its lease present): a dead hub's inbox is claimed
-- once by a live hub (claim.lua) and must take nothing after. Returns 1 when appended, 0 if not.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], unpack(ARGV))
return 1
