-- wrk script of `make bench`: replays a file of prepared requests round-robin and reports, as one JSON
-- line, the throughput, the latency percentiles and how many responses had another status than expected.
--
--   wrk ... -s bench/lua/requests.lua http://127.0.0.1:PORT -- REQUEST_FILE EXPECTED_STATUS
--
-- Each line of REQUEST_FILE: METHOD <tab> PATH <tab> COOKIE-HEADER <tab> FORM-BODY (the last two may
-- be empty). A POST is sent as application/x-www-form-urlencoded.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[2])
  unexpected = 0
  last_status = 0
  prepared = {}
  for line in io.lines(args[1]) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local headers = {}
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    else
      body = nil
    end
    table.insert(prepared, wrk.format(method, path, headers, body))
  end
  index = 0
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
    last_status = status
  end
end

function done(summary, latency, requests)
  local bad, status = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    local s = thread:get("last_status")
    if s ~= 0 then
      status = s
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "max_us": %d, "errors": %d, "unexpected": %d, "unexpected_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max,
    e.connect + e.read + e.write + e.status + e.timeout, bad, status
  ))
end
