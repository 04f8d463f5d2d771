#!/usr/bin/env bash
# Core benchmarks of issue 2 (results: docs/benchmarks.md, "Core: converge and update"):
#   1. converge a 10-service release from nothing and update 5 of its 10 services:
#      edgevisor apply (without and with --wait) vs Debian's docker-compose up -d
#   2. the daemon's RSS when idle, and its bytes written to disk over an idle window
#   3. RSS growth over 1,000 reconcile passes (forced GC before each reading)
#   4. where the idle RSS goes (Node itself, runtime type stripping, the engine client and other dependencies, dist/ vs
#      src/; VmRSS, RssAnon, RssFile), which modules the idle daemon loaded, start-up CPU
# edgevisor runs as shipped: bin/edgevisor.js on dist/, which every step rebuilds first.
#
#   npm run bench:core                      (or: bash bench/core/run.sh)
#   BENCH_ROUNDS=5 BENCH_IDLE_S=120 BENCH_RESYNC_S=10 BENCH_PASSES=1000 npm run bench:core
#
# Runs on the private engine (scripts/engine) and only creates/removes its own objects:
# apps evbench-ev, evbench-run, evbench-passes, evbench-rss, evbench-mods, compose project evbench-dc, evbench-core/*
# images. Raw results land in bench/.work/core/*.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "bench: installing Debian's docker-compose" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >&2
fi
eval "$(bash scripts/engine start | sed 's/^/export /')"
mkdir -p bench/.work/core

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "memory: $(free -m | awk '/^Mem:/ {print $2}') MiB"
  echo "kernel: $(uname -r)"
  echo "engine: $(curl -fsS --unix-socket "${DOCKER_HOST#unix://}" http://engine/version |
    node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(`${v.Version} (API ${v.ApiVersion})`)')"
  echo "node: $(node --version)"
  echo "docker-compose: $(docker-compose version --short)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee bench/.work/core/machine.txt

node bench/core/converge.ts "${BENCH_ROUNDS:-5}"
node --expose-gc bench/core/passes.ts "${BENCH_PASSES:-1000}"
node --expose-gc --max-semi-space-size=1 bench/core/passes.ts "${BENCH_PASSES:-1000}" passes-semi1.json
node bench/core/agent-idle.ts "${BENCH_IDLE_S:-120}" "${BENCH_RESYNC_S:-10}"
node bench/core/rss-breakdown.ts "${BENCH_RSS_SETTLE_S:-20}" "${BENCH_RSS_ROUNDS:-3}"
node bench/core/loaded-modules.ts 15 > bench/.work/core/loaded-modules.txt
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a bench/.work/core/machine.txt
bash bench/core/startup-cpu.sh 9 | tee bench/.work/core/startup-cpu.md
node bench/core/report.ts
