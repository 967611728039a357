-- wrk: one machine-readable line after the human summary (req/s, p50, p99 in ms,
-- non-2xx responses, socket errors), for bench-http's table.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format("BENCH %.1f %.2f %.2f %d %d %d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, summary.requests))
end
