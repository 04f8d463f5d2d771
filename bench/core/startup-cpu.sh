#!/usr/bin/env bash
# What a CLI process costs before it does anything: CPU (user + sys, GNU time) of starting
# and printing help, median of N runs each: the shipped launcher on dist/ (rebuilt first), and
# the TypeScript sources run directly (types stripped at run time).
#
#   bash bench/core/startup-cpu.sh [runs=9]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
runs=${1:-9}
[ "$runs" -ge 1 ] && [ "$runs" -le 50 ]
npm run --silent build

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
row "bin/edgevisor.js apply --help (as shipped: dist/, heap flags, one re-exec)" node bin/edgevisor.js apply --help
row "node dist/cli/main.js apply --help (compiled, no launcher)" node dist/cli/main.js apply --help
row "node src/cli/main.ts apply --help (TypeScript stripped at run time)" node src/cli/main.ts apply --help
row "node src/cli/main.ts --version (TypeScript: loads every command, like help)" node src/cli/main.ts --version
