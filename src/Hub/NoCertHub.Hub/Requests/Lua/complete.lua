-- KEYS: request record, body, timer set, window history, escalation hash, case string, case
-- overflow hash. ARGV: id, result, history cap, retention seconds, answered ms, case ttl seconds.
-- Optional ARGV, for a Verify answered before its acceptance was written (Hub:VerifyRecordAfter):
-- body, request record (RequestRecord.NewQueued), case entry, case string limit; the request is
-- then recorded and answered in this one call.
-- Returns {0, seq} completed now, {1, seq} completed before, {2, 0} unknown.
--! include record.lua
--! include history.lua
--! include case.lua
local v = redis.call('GET', KEYS[1])
local caseDone = false
if not v then
  if not ARGV[7] then return {2, 0} end
  v = ARGV[8]
  redis.call('SET', KEYS[2], ARGV[7])
  -- Its case entry goes in answered already: the pending entry with the answer time appended.
  CaseAdd(KEYS[6], KEYS[7], ARGV[1], ARGV[9] .. ARGV[5], ARGV[10], ARGV[6])
  caseDone = true
end
local state, remind, deadline, prev, rest = RecordHead(v)
if state == 'a' then return {1, tonumber(prev)} end
local seq = HistoryAppend(KEYS[4], tonumber(ARGV[3]), ARGV[1])
local record = RecordAnswered(v, deadline, seq, rest, ARGV[2])
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], record, 'EX', ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[1], record)
end
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('HSET', KEYS[5], 'answered', ARGV[5]) end
if not caseDone then
  local checks = redis.call('GET', KEYS[6])
  local line = checks and string.find(checks, '\n' .. ARGV[1] .. '=', 1, true)
  if line then
    local stop = string.find(checks, '\n', line + 1, true) or (#checks + 1)
    redis.call('SET', KEYS[6], string.sub(checks, 1, stop - 1) .. ARGV[5] .. string.sub(checks, stop), 'EX', ARGV[6])
  else
    local check = redis.call('HGET', KEYS[7], ARGV[1])
    if check then
      redis.call('HSET', KEYS[7], ARGV[1], check .. ARGV[5])
      redis.call('EXPIRE', KEYS[7], ARGV[6])
      if checks then redis.call('EXPIRE', KEYS[6], ARGV[6]) end
    end
  end
end
return {0, seq}
