-- A naive integration: every request logs in, then calls execute_kw (two HTTP requests per unit).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local login = string.format('{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"common","method":"authenticate","args":["%s","admin","%s",{}]}}',
  os.getenv("DB"), os.getenv("PASSWORD"))
local call = common.json_execute_kw(os.getenv("DB"), os.getenv("PASSWORD"), "res.partner", "search_read",
  '[[["ref","=","BENCH-00042"]]]', '{"fields":["name"]}')
local counter = 0
request = function()
  counter = counter + 1
  if counter % 2 == 1 then return wrk.format(nil, nil, nil, login) end
  return wrk.format(nil, nil, nil, call)
end
done = common.report
