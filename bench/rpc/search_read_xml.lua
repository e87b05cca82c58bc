package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
wrk.method = "POST"
wrk.path = "/xmlrpc/2/object"
wrk.headers["Content-Type"] = "text/xml"
local f = assert(io.open(os.getenv("BENCH_DIR") .. "/search_read.xml", "r"))
wrk.body = f:read("*a"):gsub("@DB@", os.getenv("DB")):gsub("@PASSWORD@", os.getenv("PASSWORD"))
f:close()
done = common.report
