-- POS sales through pos.order.create_from_ui (JSON-RPC): each request carries $BATCH new orders
-- (default 1) of $LINES lines (default 5, at most 5) paid in cash, under keys no other request
-- uses. The tills come from $TILLS (written by bench/pos/setup.py: "session cash company
-- product:price …" per line); request after request goes to the next till. As $CALLER_UID /
-- $PASSWORD on database $DB. Prints one RESULT line (requests; orders = requests × $BATCH).
package.path = os.getenv("BENCH_DIR") .. "/../rpc/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/jsonrpc"
wrk.headers["Content-Type"] = "application/json"
local lines = tonumber(os.getenv("LINES") or "5")
local batch = tonumber(os.getenv("BATCH") or "1")
local tills = {}
for row in io.lines(os.getenv("TILLS")) do
  local session, cash, company, rest = row:match("^(%d+) (%d+) (%d+) (.*)$")
  if session then
    local till = { session = session, cash = cash, company = company, products = {} }
    for product, price in rest:gmatch("(%d+):([%d.]+)") do
      till.products[#till.products + 1] = { id = product, price = tonumber(price) }
    end
    tills[#tills + 1] = till
  end
end
local counter = 0
local prefix = string.format("%x%x", os.time(), math.random(1, 2 ^ 30))

setup = function(thread)
  thread:set("thread_prefix", prefix .. "-" .. tostring(math.random(1, 2 ^ 30)))
end

local function order(till, key)
  local parts, total = {}, 0
  for i = 1, lines do
    local product = till.products[(i - 1) % #till.products + 1]
    total = total + product.price
    parts[#parts + 1] = string.format(
      '[0,0,{"uuid":"%s-%d","product_id":%s,"qty":1,"price_unit":%.2f,"discount":0,"price_subtotal_incl":%.2f}]',
      key, i, product.id, product.price, product.price)
  end
  return string.format(
    '{"id":"%s","data":{"name":"Order %s","uid":"%s","pos_session_id":%s,"date_order":"2026-12-04 02:15:09",' ..
    '"amount_total":%.2f,"amount_tax":0,"amount_paid":%.2f,"amount_return":0,"lines":[%s],' ..
    '"statement_ids":[[0,0,{"name":"2026-12-04 02:15:05","payment_method_id":%s,"amount":%.2f}]],"access_token":"%s"}}',
    key, key, key, till.session, total, total, table.concat(parts, ","), till.cash, total, key)
end

request = function()
  counter = counter + 1
  local till = tills[(counter - 1) % #tills + 1]
  local orders = {}
  for n = 1, batch do
    orders[#orders + 1] = order(till, (thread_prefix or prefix) .. "-" .. counter .. "-" .. n)
  end
  local body = common.json_execute_kw_as(os.getenv("DB"), os.getenv("CALLER_UID"), os.getenv("PASSWORD"),
    "pos.order", "create_from_ui", "[[" .. table.concat(orders, ",") .. "],false]",
    '{"context":{"allowed_company_ids":[' .. till.company .. ']}}')
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"created"', 1, true) or string.find(body, '"status":"rejected"', 1, true) then
    io.write("unexpected answer: " .. string.sub(body, 1, 300) .. "\n")
    wrk.thread:stop()
  end
end

done = common.report
