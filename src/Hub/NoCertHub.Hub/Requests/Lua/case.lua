-- A case's checks (CaseCheckEntry.cs): a line "\n<id>=<entry>" per check in the case's string, or,
-- once the string has reached its limit, a field of the case's overflow hash; both live as long
-- as the case's ttl from its latest check. CaseAdd(caseKey, overflowKey, id, entry, limit, ttl).
local function CaseAdd(caseKey, overflowKey, id, entry, limit, ttl)
  if redis.call('STRLEN', caseKey) < tonumber(limit) then
    redis.call('APPEND', caseKey, '\n' .. id .. '=' .. entry)
  else
    redis.call('HSET', overflowKey, id, entry)
    redis.call('EXPIRE', overflowKey, ttl)
  end
  redis.call('EXPIRE', caseKey, ttl)
end
