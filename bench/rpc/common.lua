-- Shared by the RPC load scripts: JSON-RPC and XML-RPC bodies for execute_kw, and a done()
-- that prints the figures one line each so scripts/bench-rpc can collect them.
local M = {}

function M.json_execute_kw_as(db, uid, password, model, method, args_json, kwargs_json)
  return string.format(
    '{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"object","method":"execute_kw","args":["%s",%s,"%s","%s","%s",%s,%s]}}',
    db, uid, password, model, method, args_json, kwargs_json)
end

function M.json_execute_kw(db, password, model, method, args_json, kwargs_json)
  return M.json_execute_kw_as(db, 2, password, model, method, args_json, kwargs_json)
end

function M.report(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

return M
