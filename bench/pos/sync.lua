-- POS sales through pos.order.create_from_ui (JSON-RPC), each request one new order of $LINES
-- lines paid in cash, under a key no other request uses; as cashier $CALLER_UID / $PASSWORD in
-- session $SESSION, selling $PRODUCT, paying with method $CASH. Prints one RESULT line.
package.path = os.getenv("BENCH_DIR") .. "/../rpc/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local lines = tonumber(os.getenv("LINES") or "5")
local session, product, cash = os.getenv("SESSION"), os.getenv("PRODUCT"), os.getenv("CASH")
local counter = 0
local prefix = string.format("%x%x", os.time(), math.random(1, 2 ^ 30))

setup = function(thread)
  thread:set("thread_prefix", prefix .. "-" .. tostring(math.random(1, 2 ^ 30)))
end

request = function()
  counter = counter + 1
  local key = (thread_prefix or prefix) .. "-" .. counter
  local parts = {}
  for i = 1, lines do
    parts[#parts + 1] = string.format(
      '[0,0,{"uuid":"%s-%d","product_id":%s,"qty":1,"price_unit":10.0,"discount":0,"price_subtotal":10.0,"price_subtotal_incl":10.0}]',
      key, i, product)
  end
  local total = 10.0 * lines
  local order = string.format(
    '{"id":"%s","data":{"name":"Order %s","uid":"%s","pos_session_id":%s,"date_order":"2026-12-04 02:15:09",' ..
    '"amount_total":%.2f,"amount_tax":0,"amount_paid":%.2f,"amount_return":0,"lines":[%s],' ..
    '"statement_ids":[[0,0,{"name":"2026-12-04 02:15:05","payment_method_id":%s,"amount":%.2f}]],"access_token":"%s"}}',
    key, key, key, session, total, total, table.concat(parts, ","), cash, total, key)
  local body = common.json_execute_kw_as(os.getenv("DB"), os.getenv("CALLER_UID"), os.getenv("PASSWORD"),
    "pos.order", "create_from_ui", "[[" .. order .. "],false]", "{}")
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"created"', 1, true) then
    wrk.thread:stop()
  end
end

done = common.report
