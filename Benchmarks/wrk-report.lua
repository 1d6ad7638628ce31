-- wrk's summary on one line: RESULT requests/s p50(us) p99(us) non-2xx
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %d %d %d\n", summary.requests / seconds, latency:percentile(50), latency:percentile(99), bad))
end
