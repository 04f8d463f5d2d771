#!/usr/bin/env bash
# Create A/B on the bench's engine (after `KEEP=1 npm run bench:delta`, with that engine
# running again on bench/.work/delta/engine): an older checkout and this one make the
# pair's delta alternately. Prints wall s, CPU s (user + sys), peak RSS, the delta's size
# and its data blob's digest (the manifest's `created` differs between runs, the blob must
# not), and keeps each run's time-stamped phases in bench/.work/delta/ab-create-*.txt.
#   OLD_ROOT=/path/to/old/checkout bash bench/delta/ab-create.sh PAIR [RUNS]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W="$root/bench/.work/delta"
pair=$1 runs=${2:-1}
export DOCKER_HOST="unix://$W/engine/docker.sock" PATH="$root/node_modules/.bin:$PATH"
stamp() {
  local t0 l
  t0=$(date +%s.%N)
  while IFS= read -r l; do printf '%6.1f %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$l"; done
}
for i in $(seq 1 "$runs"); do
  for v in A B; do
    if [ "$v" = A ]; then dir=${OLD_ROOT:?}; else dir=$root; fi
    out="$W/ab-create-$pair-$v.tar"
    la=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$W/ab-time.txt" node "$dir/src/cli/main.ts" delta create \
      "evbench-delta/$pair:old" "evbench-delta/$pair:new" -o "$out" \
      2> >(stamp >"$W/ab-create-$pair-$v-$i.txt") >/dev/null
    read -r s u sy rss <"$W/ab-time.txt"
    blob=$(tar xOf "$out" manifest.json | node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(m.data.size, m.data.digest.slice(7, 19))')
    printf '%s %s run %s: %s s wall, %s s CPU, %s MiB peak RSS, delta %s B (data %s), load avg %s\n' \
      "$pair" "$v" "$i" "$s" "$(echo "$u + $sy" | bc)" $((rss / 1024)) "$(stat -c %s "$out")" "$blob" "$la"
  done
done
