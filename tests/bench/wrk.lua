-- SPDX-License-Identifier: MIT
-- wrk.lua - prints one machine-readable line at the end of a wrk run:
--   WRK requests=N duration_us=N rps=X p50_us=N p99_us=N errors=N
-- (connect, read, write, status and timeout errors added up).
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("WRK requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), errors))
end
