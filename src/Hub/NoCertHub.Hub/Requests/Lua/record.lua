-- The request record's layout, for every script that reads or writes it (the C# side is
-- RequestRecord.cs): RecordHead(v) -> state, remind, deadline, seq, rest; RecordText(v, at) -> text,
-- next; RecordAnswered / RecordRequeued build the next value; RecordMarkSent / RecordRemindDone
-- change one byte in place.
local function RecordHead(v)
  local state, remind, deadline, seq, rest = string.match(v, '^(%a)(%d)|(%d+)|(%d+)|()')
  return state, remind, deadline, seq, rest
end
local function RecordText(v, at)
  local n, p = string.match(v, '^(%d+):()', at)
  n = tonumber(n)
  return string.sub(v, p, p + n - 1), p + n
end
local function RecordAnswered(v, deadline, seq, rest, result)
  return 'a0|' .. deadline .. '|' .. seq .. '|' .. string.sub(v, rest) .. result
end
local function RecordRequeued(v, remind, deadline, seq, hub, officerAt)
  return 'q' .. remind .. '|' .. deadline .. '|' .. seq .. '|' .. #hub .. ':' .. hub .. string.sub(v, officerAt)
end
local function RecordMarkSent(key)
  if redis.call('GETRANGE', key, 0, 0) == 'q' then redis.call('SETRANGE', key, 0, 's') end
end
local function RecordRemindDone(key)
  redis.call('SETRANGE', key, 1, '0')
end
