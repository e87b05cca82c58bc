package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
wrk.body = common.json_execute_kw(os.getenv("DB"), os.getenv("PASSWORD"), "res.partner", "search_read",
  '[[["ref","=like","BENCH-%"]]]', '{"fields":["name","ref","email","credit_limit","is_company"],"limit":1000,"order":"id"}')
done = common.report
