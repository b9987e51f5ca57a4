#!/usr/bin/env bash
# Where the hub's CPU per request goes, by taking parts away: each patch here removes one part of
# the request path (never for production: they drop what the hub promises), is built in a
# worktree of its own, and runs the harness's quick mode, alternating with the build as it is.
#
#   bash load-tests/ablations/run.sh [rounds, 2] [patch names, all]
#   e.g. bash load-tests/ablations/run.sh 1 no-redis empty-scripts
#
# About 2.6 minutes per build and round; nothing else should run meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
rounds=${1:-2}
shift || true
if [ $# -eq 0 ]; then
  set -- $(cd "$here" && ls *.patch | sed 's/\.patch$//')
fi

work=$(mktemp -d /tmp/nocert-ablations-XXXXXX)
cleanup() {
  for name in "$@"; do
    git -C "$root" worktree remove --force "$work/$name" 2>/dev/null || true
  done
}
trap 'cleanup "$@"' EXIT

build() { (cd "$1" && dotnet build -c Release NoCertHub.sln -v q -nologo 2>&1 | grep -E ' error |Build succeeded' | head -3); }

build "$root"
for name in "$@"; do
  git -C "$root" worktree add --quiet --detach "$work/$name" HEAD
  # A patch that no longer applies says so here and stops the run: fix it against the code now.
  git -C "$work/$name" apply "$here/$name.patch"
  build "$work/$name"
done

echo "| build | round | calls/s, 256 callers | hub CPU µs/call | harness CPU µs/call | open loop at half: calls/s, p99 ms |"
echo "|---|---|---|---|---|---|"
for round in $(seq "$rounds"); do
  for dir in "$root" $(for name in "$@"; do echo "$work/$name"; done); do
    label=$([ "$dir" = "$root" ] && echo "as it is" || basename "$dir")
    out="$work/$label-$round.out"
    (cd "$dir" && dotnet run -c Release --no-build --project load-tests/NoCertHub.LoadTests -- 30 64 no 25 hub > "$out" 2>&1)
    closed=$(grep '^| hub | Verify | closed, 256 callers' "$out" | awk -F'|' '{gsub(/ /,""); printf "%s | %s | %s", $5, $11, $12}')
    open=$(grep '^| hub | Verify | open' "$out" | awk -F'|' '{gsub(/ /,""); printf "%s, %s", $5, $8}')
    echo "| $label | $round | $closed | $open |"
  done
done
echo "Raw output of each run: $work"
