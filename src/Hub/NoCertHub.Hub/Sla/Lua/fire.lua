-- KEYS: timer set, open escalations, then per request: request record, body, escalation hash.
-- ARGV: hub instance, then the request ids in the same order. For each request, its next event
-- if due by the server clock: the reminder (the timer moves on to the deadline), or the
-- deadline (escalated, it leaves the timers); a reminder whose deadline has passed too is
-- skipped for the escalation. One script for a batch: one round trip and one script run for
-- many requests. Returns per request {0} nothing due (or another hub fired it first),
-- {1, deadline ms, body} escalated, {2, body} reminder; then the server time in ms.
--! include server_millis.lua
--! include record.lua
local at = string.format('%.0f', now)
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local req, bodyKey, esc = KEYS[3 * i - 3], KEYS[3 * i - 2], KEYS[3 * i - 1]
  local score = redis.call('ZSCORE', KEYS[1], id)
  local result = {0}
  if score and tonumber(score) <= now then
    local v = redis.call('GET', req)
    local body = redis.call('GET', bodyKey)
    local state, remind, deadline
    if v then state, remind, deadline = RecordHead(v) end
    if not deadline or not body then
      redis.call('ZREM', KEYS[1], id)
    else
      deadline = tonumber(deadline)
      if remind == '1' then RecordRemindDone(req) end
      if deadline > now then
        redis.call('ZADD', KEYS[1], deadline, id)
        if remind == '1' then result = {2, body} end
      else
        redis.call('ZREM', KEYS[1], id)
        redis.call('HSET', esc, 'body', body, 'escalated', at, 'by', ARGV[1], 'state', 'open')
        redis.call('ZADD', KEYS[2], deadline, id)
        result = {1, deadline, body}
      end
    end
  end
  out[#out + 1] = result
end
out[#out + 1] = now
return out
