-- Small calls through JSON-RPC: read one record's few fields, cycling through a thousand ids from
-- $FIRST_ID, as user $CALLER_UID (default 2, the administrator) with $PASSWORD. $MODEL and
-- $FIELDS (a JSON list) choose what is read (default: a partner's name, reference and email).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local first = tonumber(os.getenv("FIRST_ID"))
local uid = os.getenv("CALLER_UID") or "2"
local model = os.getenv("MODEL") or "res.partner"
local fields = os.getenv("FIELDS") or '["name","ref","email"]'
local counter = 0
request = function()
  counter = counter + 1
  local id = first + (counter % 1000)
  local body = common.json_execute_kw_as(os.getenv("DB"), uid, os.getenv("PASSWORD"), model, "read",
    "[[" .. id .. "]]", '{"fields":' .. fields .. '}')
  return wrk.format(nil, nil, nil, body)
end
done = common.report
