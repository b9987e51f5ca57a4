#!/usr/bin/env bash
# The main job on the embedded defaults: the hub (embedded Garnet + SQLite audit), the sample
# department agents over their sample legacy databases, and a sample window that submits checks
# and prints the verdicts as they stream back, all over mutual TLS. Data (and the development CA)
# goes under ./data; Ctrl+C stops everything.
#
# Environment:
#   NOCERT_HUB_PORT=5080            the hub's gRPC (and REST/JSON) port, TLS
#   NOCERT_METRICS_PORT=5081        the hub's /metrics, /healthz, /readyz port, plain HTTP
#   NOCERT_AGENT_METRICS_PORT=5091  the agents' /metrics port
#   KEEP_RUNNING=1                  leave the hub and agents up after the window is done (Ctrl+C stops them)
set -euo pipefail
cd "$(dirname "$0")/.."
hub_port="${NOCERT_HUB_PORT:-5080}"
metrics_port="${NOCERT_METRICS_PORT:-5081}"
agent_metrics_port="${NOCERT_AGENT_METRICS_PORT:-5091}"

fail() { echo "demo: $*" >&2; exit 1; }
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# GET http://127.0.0.1:$1$2 answers 200 (bash only: no curl needed).
http_ok() { (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3 && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null; }

# Someone else's hub on our port would answer the window instead of ours: refuse before starting anything.
for entry in "NOCERT_HUB_PORT:$hub_port" "NOCERT_METRICS_PORT:$metrics_port" "NOCERT_AGENT_METRICS_PORT:$agent_metrics_port"; do
  name="${entry%%:*}" port="${entry##*:}"
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "$name='$port' is not a port number"
  if port_taken "$port"; then
    fail "port $port ($name) is already taken on 127.0.0.1 — another hub or demo may be running. Stop it, or choose free ports, e.g. NOCERT_HUB_PORT=6080 NOCERT_METRICS_PORT=6081 NOCERT_AGENT_METRICS_PORT=6091 bash scripts/demo.sh"
  fi
done

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

hub_url="https://127.0.0.1:$hub_port"
Kestrel__Endpoints__Grpc__Url="$hub_url" Kestrel__Endpoints__Metrics__Url="http://127.0.0.1:$metrics_port" \
  dotnet "$out/hub/NoCertHub.Hub.dll" >data/hub.log 2>&1 &
hub_pid=$!
pids+=("$hub_pid")

# Ready means our own hub process is alive and its readiness endpoint says its Redis and audit store answer.
ready=0
for _ in $(seq 1 150); do
  kill -0 "$hub_pid" 2>/dev/null || { echo "demo: the hub exited while starting; its log (data/hub.log):" >&2; tail -n 20 data/hub.log >&2; exit 1; }
  if http_ok "$metrics_port" /readyz; then ready=1; break; fi
  sleep 0.2
done
[ "$ready" = 1 ] || fail "the hub did not become ready within 30 s; see data/hub.log"
echo "hub ready on $hub_url (gRPC and REST/JSON), mutual TLS: every caller presents a certificate of data/pki/ca.pem (log: data/hub.log; readiness: http://127.0.0.1:$metrics_port/readyz)"

Agent__HubAddress="$hub_url" Agent__MetricsUrl="http://127.0.0.1:$agent_metrics_port/metrics" \
  dotnet "$out/agents/NoCertHub.Agents.dll" >data/agents.log 2>&1 &
agents_pid=$!
pids+=("$agents_pid")
echo "department agents starting (log: data/agents.log)"

issued=data/pki/issued
dotnet "$out/window/NoCertHub.SampleWindow.dll" "$hub_url" --ca data/pki/ca.pem \
  --certificate "$issued/window-jj-admin-service-center-window-01.pem" --key "$issued/window-jj-admin-service-center-window-01.key.pem"

# Say what is true: our own processes, checked, not whatever answers on the ports.
kill -0 "$hub_pid" 2>/dev/null || fail "the hub has stopped; see data/hub.log"
kill -0 "$agents_pid" 2>/dev/null || fail "the agents have stopped; see data/agents.log"
if [ "${KEEP_RUNNING:-0}" = 1 ]; then
  echo "hub (pid $hub_pid) and agents (pid $agents_pid) keep running; Ctrl+C to stop"
  wait
fi
