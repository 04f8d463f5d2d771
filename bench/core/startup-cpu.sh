#!/usr/bin/env bash
# What a CLI process costs before it does anything: CPU (user + sys, GNU time) of starting
# and printing help, median of N runs each. Needs the compiled copy from rss-breakdown.ts
# (bench/.work/core/js) for the JavaScript rows.
#
#   bash bench/core/startup-cpu.sh [runs=9]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
runs=${1:-9}
[ "$runs" -ge 1 ] && [ "$runs" -le 50 ]
js=bench/.work/core/js

median_cpu_ms() {
  local i out=()
  for i in $(seq 1 "$runs"); do
    if ! /usr/bin/time -f "%U %S" -o bench/.work/core/startup-cpu.txt "$@" >/dev/null 2>&1; then
      echo "failed: $*"
      return 0
    fi
    out+=("$(awk '{printf "%d", ($1 + $2) * 1000}' bench/.work/core/startup-cpu.txt)")
  done
  printf '%s\n' "${out[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}

row() { printf '| %s | %s |\n' "$1" "$(median_cpu_ms "${@:2}")"; }
echo "| process (median of $runs) | CPU ms |"
echo "| --- | ---: |"
row "node -e 0" node -e 0
row "docker-compose up --help" docker-compose up --help
row "edgevisor apply --help (TypeScript, as shipped: loads apply's modules)" node src/cli/main.ts apply --help
row "edgevisor --version (TypeScript: loads every command, like help)" node src/cli/main.ts --version
if [ -d "$js" ]; then
  row "edgevisor apply --help (compiled main.js)" node "$js/src/cli/main.js" apply --help
fi
