-- Barcode lookups through GET /api/v1/scan, cycling through the barcodes in $BARCODES.
package.path = os.getenv("BENCH_DIR") .. "/../rpc/?.lua;" .. package.path
local common = require("common")
local codes = {}
for line in io.lines(os.getenv("BARCODES")) do codes[#codes + 1] = line end
wrk.headers["Authorization"] = "Basic " .. os.getenv("AUTH")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/scan?code=" .. codes[(counter % #codes) + 1])
end
done = common.report
