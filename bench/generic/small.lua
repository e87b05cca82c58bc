-- Small calls through JSON-RPC as one user ($CALLER_UID, $PASSWORD): read one product variant's three
-- fields, cycling through a thousand ids from $FIRST_ID.
package.path = os.getenv("BENCH_DIR") .. "/../rpc/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local first = tonumber(os.getenv("FIRST_ID"))
local counter = 0
request = function()
  counter = counter + 1
  local body = common.json_execute_kw_as(os.getenv("DB"), os.getenv("CALLER_UID"), os.getenv("PASSWORD"), "product.product", "read",
    "[[" .. (first + (counter % 1000)) .. "]]", '{"fields":["name","default_code","barcode"]}')
  return wrk.format(nil, nil, nil, body)
end
done = common.report
