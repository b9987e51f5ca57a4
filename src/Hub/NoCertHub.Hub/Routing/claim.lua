-- KEYS: a hub's lease, its inbox, the claiming hub's inbox. Moves every entry of a hub whose
-- lease is gone into the claimer's inbox, at once, so each is routed by exactly one live hub.
-- Returns how many were moved, or -1 when the hub is alive after all.
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local entries = redis.call('LRANGE', KEYS[2], 0, -1)
for i = 1, #entries, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(entries, i, math.min(i + 999, #entries)))
end
redis.call('DEL', KEYS[2])
return #entries
