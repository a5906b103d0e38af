-- wrk script for bench_http.py: XML-RPC calls to vas_sm.
--   wrk ... -s wrk_rpc.lua URL -- call METHOD    one call with {ver: 5}, again and again
--   wrk -t N -c N ... -- cycle PREFIX            createLogicalVolume, then
--       deleteLogicalVolume of the same name; one connection per thread,
--       so each thread's calls go one at a time over its own connection
-- Faults (HTTP 200 with <fault>) are counted apart from wrk's errors; one
-- RESULT line is printed at the end.
local threads = {}
faults = 0 -- global: done() reads it with thread:get()
-- Answers received: the cycle's next call follows from them, not from the
-- calls of request(), which wrk also makes once before the run to check
-- the request (thread 0's first create was dropped that way, so its first
-- call was a delete of a volume never made: ENOENT, one fault per run).
local answered = 0
local mode, arg, fixed

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local function call(method, members)
	return "<?xml version='1.0'?><methodCall><methodName>" .. method ..
		"</methodName><params><param><value><struct><member>" ..
		"<name>ver</name><value><int>5</int></value></member>" .. members ..
		"</struct></value></param></params></methodCall>"
end

local function member(name, value)
	return "<member><name>" .. name .. "</name><value>" .. value .. "</value></member>"
end

local function post(body)
	return wrk.format("POST", "/RPC2", {["Content-Type"] = "text/xml"}, body)
end

function init(args)
	mode, arg = args[1] or "call", args[2]
	if mode == "call" then
		fixed = post(call(arg or "listHeadServers", ""))
	end
end

function request()
	if fixed then
		return fixed
	end
	local name = "<string>" .. arg .. tid .. "x" .. math.floor(answered / 2) .. "</string>"
	if answered % 2 == 0 then
		return post(call("createLogicalVolume", member("lvolname", name) ..
			member("capacity", "<int>10</int>")))
	end
	return post(call("deleteLogicalVolume", member("lvolname", name)))
end

function response(status, headers, body)
	answered = answered + 1
	if status ~= 200 or body:find("<fault>", 1, true) then
		faults = faults + 1
	end
end

function done(summary, latency, requests)
	local f = 0
	for _, t in ipairs(threads) do
		f = f + t:get("faults")
	end
	local e = summary.errors
	io.write(string.format(
		"RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d faults=%d\n",
		summary.requests, summary.duration, latency:percentile(50),
		latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout, f))
end
