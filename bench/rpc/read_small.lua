package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local first = tonumber(os.getenv("FIRST_ID"))
local counter = 0
request = function()
  counter = counter + 1
  local id = first + (counter % 1000)
  local body = common.json_execute_kw(os.getenv("DB"), os.getenv("PASSWORD"), "res.partner", "read",
    "[[" .. id .. "]]", '{"fields":["name","ref","email"]}')
  return wrk.format(nil, nil, nil, body)
end
done = common.report
