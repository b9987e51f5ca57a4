-- now: the Redis server's clock in ms. Lua numbers print in exponent form past 14 digits; Unix
-- ms have 13, but callers format them explicitly.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
