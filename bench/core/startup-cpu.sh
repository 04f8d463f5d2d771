#!/usr/bin/env bash
# What a CLI process costs before it does anything: CPU (user + sys, GNU time) of importing
# the modules, median of N runs each. Needs the compiled copy from rss-breakdown.ts
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
    /usr/bin/time -f "%U %S" -o bench/.work/core/startup-cpu.txt "$@" >/dev/null 2>&1
    out+=("$(awk '{printf "%d", ($1 + $2) * 1000}' bench/.work/core/startup-cpu.txt)")
  done
  printf '%s\n' "${out[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}

imp() { node --input-type=module -e "await import('$PWD/$1')"; }
export -f imp

row() { printf '| %s | %s |\n' "$1" "$(median_cpu_ms "${@:2}")"; }
echo "| process (median of $runs) | CPU ms |"
echo "| --- | ---: |"
row "node -e 0" node -e 0
row "docker-compose version --short" docker-compose version --short
row "edgevisor --version (src/cli/main.ts, as shipped)" node src/cli/main.ts --version
row "import src/cli/apply.ts only (TypeScript)" bash -c "imp src/cli/apply.ts"
row "import src/cli/commands.ts, every command (TypeScript)" bash -c "imp src/cli/commands.ts"
if [ -d "$js" ]; then
  row "import apply.js only (compiled)" bash -c "imp $js/src/cli/apply.js"
  row "edgevisor --version (compiled main.js)" node "$js/src/cli/main.js" --version
fi
