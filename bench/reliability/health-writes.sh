#!/usr/bin/env bash
# Storage writes of health probes: runs `edgevisor healthcheck --engine` N times against a
# stub of the agent's /v1/healthy and the private engine, and sums the block writes the
# kernel charged to each process (getrusage ru_oublock, as GNU time's %O reports it).
# Usage: bash bench/reliability/health-writes.sh [runs=20]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs="${1:-20}"
export PATH="$PWD/node_modules/.bin:$PATH"
eval "$(bash scripts/engine start | sed 's/^/export /')"
port=48599
node -e "require('http').createServer((q,s)=>s.end(q.url==='/v1/healthy'?'':'OK')).listen($port,'127.0.0.1')" &
stub=$!
trap 'kill $stub' EXIT
sleep 0.5
node src/cli/main.ts healthcheck --engine --api-url "http://127.0.0.1:$port" >/dev/null # warm the page cache
total=0
for _ in $(seq 1 "$runs"); do
  out=$(/usr/bin/time -f "%O" node src/cli/main.ts healthcheck --engine --api-url "http://127.0.0.1:$port" 2>&1 >/dev/null | tail -1)
  total=$((total + out))
done
echo "healthcheck --engine: $runs runs, $total file-system block writes in all"
