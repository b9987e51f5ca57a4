-- KEYS: request record. Queued becomes sent; one byte, in place.
--! include record.lua
RecordMarkSent(KEYS[1])
return 0
