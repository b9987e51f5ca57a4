#!/usr/bin/env bash
# The main job on the embedded defaults: the hub (embedded Garnet + SQLite audit), the sample
# department agents over their sample legacy databases, and a sample window that submits checks
# and prints the verdicts as they stream back. Data goes under ./data; Ctrl+C stops everything.
# Set KEEP_RUNNING=1 to leave the hub and agents up after the window is done.
set -euo pipefail
cd "$(dirname "$0")/.."
out="artifacts/demo"
dotnet publish src/Hub/NoCertHub.Hub -c Release -o "$out/hub" -nologo -v q
dotnet publish src/Agents/NoCertHub.Agents -c Release -o "$out/agents" -nologo -v q
dotnet publish src/Sdk/NoCertHub.SampleWindow -c Release -o "$out/window" -nologo -v q
mkdir -p data

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

dotnet "$out/hub/NoCertHub.Hub.dll" >data/hub.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/5080) 2>/dev/null && break
  sleep 0.2
done
(exec 3<>/dev/tcp/127.0.0.1/5080) 2>/dev/null || { echo "hub did not start; see data/hub.log"; cat data/hub.log; exit 1; }
echo "hub listening on 127.0.0.1:5080 (log: data/hub.log)"

dotnet "$out/agents/NoCertHub.Agents.dll" >data/agents.log 2>&1 &
pids+=($!)
echo "department agents starting (log: data/agents.log)"

dotnet "$out/window/NoCertHub.SampleWindow.dll" http://127.0.0.1:5080

if [ "${KEEP_RUNNING:-0}" = 1 ]; then
  echo "hub and agents keep running; Ctrl+C to stop"
  wait
fi
