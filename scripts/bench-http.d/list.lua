-- wrk: each request takes the next line of a prepared list (a case per request for
-- the write benchmarks). Lines are "token<TAB>method<TAB>path<TAB>body"; the threads
-- split the list so no case is sent twice. A thread stops when its share runs out
-- (then "requests" in the summary is below duration × rate: prepare more).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local file, n = args[1], tonumber(args[2])
  lines = {}
  local i = 0
  for line in io.lines(file) do
    if i % n == id then
      local token, method, path, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      table.insert(lines, { token = token, method = method, path = path, body = body })
    end
    i = i + 1
  end
  next_line = 1
end

function request()
  local l = lines[next_line]
  if l == nil then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  next_line = next_line + 1
  local headers = { ["Authorization"] = "Bearer " .. l.token }
  if l.body ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(l.method, l.path, headers, l.body ~= "" and l.body or nil)
end

-- One machine-readable line after wrk's summary: req/s, p50 and p99 in ms, non-2xx
-- answers, socket errors and timeouts, requests.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout,
    summary.requests))
end
