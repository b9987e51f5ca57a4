#!/bin/bash
# Samples a running hub every 2 s while a load-test runs beside it: the counters of its /metrics
# that explain CPU per request (GC pause and allocation, answers, Redis batch sizes, CPU) and the
# context switches of its threads and of the whole machine (from /proc). One line per sample, for phases.py.
#
#   bash load-tests/tools/hub-sampler.sh > samples.log &
#   dotnet run -c Release --no-build --project load-tests/NoCertHub.LoadTests -- 20 64 no 20 hub
#   kill %1; python3 load-tests/tools/phases.py samples.log
#
# It finds the hub the harness started (the newest NoCertHub.Hub.dll process) and its metrics port
# from its command line (--Kestrel:Endpoints:Metrics:Url=...), or uses HUB_METRICS_URL.
set -u
while true; do
  pid=$(pgrep -n -f NoCertHub.Hub.dll || true)
  url=${HUB_METRICS_URL:-}
  if [ -z "$url" ] && [ -n "$pid" ]; then
    url=$(tr '\0' '\n' < /proc/$pid/cmdline 2>/dev/null | grep -o 'Metrics:Url=http://[^ ]*' | head -1 | cut -d= -f2)
    [ -n "$url" ] && url="$url/metrics"
  fi
  if [ -n "$pid" ] && [ -n "$url" ]; then
    switches=$(awk '/ctxt_switches/ {s += $2} END {print s + 0}' /proc/$pid/task/*/status 2>/dev/null)
    machine=$(awk '/^ctxt/ {print $2}' /proc/stat)
    metrics=$(curl -s -m 1 "$url" | grep -E '^(dotnet_gc_pause_seconds_total|dotnet_gc_allocated_bytes_total|nocert_requests_total|nocert_redis_batch_calls_sum|nocert_redis_batch_calls_count|process_cpu_seconds_total)' | tr '\n' ' ')
    echo "$(date +%s) ctx_switches $switches machine_ctxt $machine $metrics"
  fi
  sleep 2
done
