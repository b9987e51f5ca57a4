-- KEYS: request record, body, timer set, client-id key, case string, case overflow hash.
-- ARGV: id, body, first timer ms (the reminder, or the deadline), request record
-- (RequestRecord.NewQueued), use client id (1/0), client-id ttl seconds, case entry, case ttl
-- seconds, case string limit, only if absent (1/0: a Verify's acceptance written after its delay,
-- which its answer may have written first). Returns the id on record (another one for a retried
-- client id).
--! include case.lua
if ARGV[10] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return ARGV[1] end
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[4])
  if existing then return existing end
  redis.call('SET', KEYS[4], ARGV[1], 'EX', ARGV[6])
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
CaseAdd(KEYS[5], KEYS[6], ARGV[1], ARGV[7], ARGV[9], ARGV[8])
return ARGV[1]
