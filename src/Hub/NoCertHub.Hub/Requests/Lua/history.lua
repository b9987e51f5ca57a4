-- A window's Watch history as a ring of request ids in one string (WindowHistory.cs):
-- HistoryAppend(key, cap, id) -> the answer's sequence number.
local function HistoryAppend(key, cap, id)
  local head = redis.call('GETRANGE', key, 0, 31)
  local seq, slots = 1, 0
  if #head == 32 then
    seq = tonumber(string.sub(head, 1, 16)) + 1
    slots = tonumber(string.sub(head, 25, 32))
    if tonumber(string.sub(head, 17, 24)) ~= cap then
      redis.call('SET', key, head)
      slots = 0
    end
  end
  local slot = (seq - 1) % cap
  if slot >= slots then
    slots = math.min(cap, math.max(slot + 1, 2 * slots, 32))
    redis.call('SETRANGE', key, 32 + slots * 30 - 1, ' ')
  end
  redis.call('SETRANGE', key, 0, string.format('%016d%08d%08d', seq, cap, slots))
  redis.call('SETRANGE', key, 32 + slot * 30, id)
  return seq
end
