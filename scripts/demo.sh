#!/usr/bin/env bash
# The main job on the embedded defaults: the hub (embedded Garnet + SQLite audit), the sample
# department agents over their sample legacy databases, and a sample window that submits checks
# and prints the verdicts as they stream back, all over mutual TLS. Data (and the development CA)
# goes under ./data; Ctrl+C stops everything.
# Set KEEP_RUNNING=1 to leave the hub and agents up after the window is done.
set -euo pipefail
cd "$(dirname "$0")/.."
out="artifacts/demo"
dotnet publish src/Hub/NoCertHub.Hub -c Release -o "$out/hub" -nologo -v q
dotnet publish src/Agents/NoCertHub.Agents -c Release -o "$out/agents" -nologo -v q
dotnet publish src/Sdk/NoCertHub.SampleWindow -c Release -o "$out/window" -nologo -v q
mkdir -p data

# Everything runs over TLS with client certificates (mutual TLS), as in production. On the first
# run a development CA and a certificate for every party are made under data/pki with the hub's
# certificate tool; a district uses its government CA instead (docs/security.md).
pki() { dotnet "$out/hub/NoCertHub.Hub.dll" pki "$@" >/dev/null; }
if [ ! -f data/pki/ca.pem ]; then
  pki init --folder data/pki --name "Jiaojiang development CA"
  pki issue --role hub --department jj-big-data-center --name localhost --host localhost --host 127.0.0.1
  for agent in jj-public-security:public-security-01 jj-civil-affairs:civil-affairs-01 jj-hrss:hrss-01 \
               jj-market-regulation:market-regulation-01 jj-haimen-street:haimen-street-01; do
    pki issue --role agent --department "${agent%%:*}" --name "${agent##*:}"
  done
  pki issue --role window --department jj-admin-service-center --name window-01 --officer officer-0417
  pki issue --role joint-office --department jj-joint-office --name officer-li
  echo "development CA and certificates created under data/pki (hub, 5 agents, window-01, joint-office officer-li)"
fi

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
echo "hub listening on https://127.0.0.1:5080, mutual TLS: every caller presents a certificate of data/pki/ca.pem (log: data/hub.log)"

dotnet "$out/agents/NoCertHub.Agents.dll" >data/agents.log 2>&1 &
pids+=($!)
echo "department agents starting (log: data/agents.log)"

issued=data/pki/issued
dotnet "$out/window/NoCertHub.SampleWindow.dll" https://127.0.0.1:5080 --ca data/pki/ca.pem \
  --certificate "$issued/window-jj-admin-service-center-window-01.pem" --key "$issued/window-jj-admin-service-center-window-01.key.pem"

if [ "${KEEP_RUNNING:-0}" = 1 ]; then
  echo "hub and agents keep running; Ctrl+C to stop"
  wait
fi
