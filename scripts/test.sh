#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (redis-server, prometheus, strace, chromium), builds once,
# runs all test projects, and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  echo "Installing redis-server (Debian package) for the tests that run on real Redis..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    || { echo "could not install redis-server"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "Installing prometheus (Debian package) for the metrics and dashboard tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
    || { echo "could not install prometheus"; echo "0 passed, 1 failed"; exit 1; }
  # The package starts its own server on :9090; the tests start theirs on free loopback ports.
  $SUDO systemctl stop prometheus >/dev/null 2>&1 || $SUDO service prometheus stop >/dev/null 2>&1 || true
fi

if ! command -v strace >/dev/null 2>&1; then
  echo "Installing strace (Debian package) for the test that traces the hub's syncs..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends strace >/dev/null \
    || { echo "could not install strace"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing chromium (Debian package) for the test that renders the evaluation report..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || { echo "could not install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi

results="TestResults"
rm -rf "$results"
if ! dotnet build NoCertHub.sln -c Release -nologo -v q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# A test that hangs fails, named, after ten minutes instead of holding CI to its limit.
dotnet test NoCertHub.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" --blame-hang-timeout 10m --blame-hang-dump-type none
status=$?

passed=0; failed=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
if [ "$files" = 0 ] || { [ "$status" != 0 ] && [ "$failed" = 0 ]; }; then
  # The runner failed without saying which test: count that as a failure, never as a pass.
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
