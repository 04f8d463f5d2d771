#!/usr/bin/env bash
# Load A/B on the bench's engine (after `KEEP=1 npm run bench:delta`, with that engine
# running again on bench/.work/delta/engine): an older checkout loads DELTA_A, this one
# DELTA_B, alternately, NEW removed before each load. Prints wall s, peak RSS and bytes
# written (dockerd + children write_bytes, plus the loader's own), as the bench counts them.
#   OLD_ROOT=/path/to/old/checkout bash bench/delta/ab-load.sh PAIR DELTA_A DELTA_B [RUNS]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W="$root/bench/.work/delta"
pair=$1 a=$2 b=$3 runs=${4:-2}
export DOCKER_HOST="unix://$W/engine/docker.sock" PATH="$root/node_modules/.bin:$PATH"
dpid=$(cat "$W/engine/dockerd.pid")
written() {
  local t=0 p
  for p in $dpid $(ps -o pid= --ppid "$dpid"); do
    [ -r "/proc/$p/io" ] && t=$((t + $(awk '/^write_bytes/ {print $2}' "/proc/$p/io")))
  done
  echo "$t"
}
newid=$(docker image inspect -f '{{.Id}}' "evbench-delta/$pair:new")
for i in $(seq 1 "$runs"); do
  for v in A B; do
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)evbench-delta/$pair:new$" |
      xargs -r docker rmi >/dev/null
    if [ "$v" = A ]; then dir=${OLD_ROOT:?} file=$a; else dir=$root file=$b; fi
    la=$(cut -d' ' -f1 /proc/loadavg)
    w0=$(written)
    /usr/bin/time -f '%e %M %O' -o "$W/ab-time.txt" node "$dir/bin/edgevisor.js" image load -i "$file" >/dev/null 2>&1
    w1=$(written)
    read -r s rss ob <"$W/ab-time.txt"
    id=$(docker image inspect -f '{{.Id}}' "evbench-delta/$pair:new" 2>/dev/null || true)
    printf '%s %s run %s: %s s, RSS %s MiB, written %s MiB, load average %s, %s\n' "$pair" "$v" "$i" \
      "$s" $((rss / 1024)) "$(echo "scale=2; ($w1 - $w0 + $ob * 512) / 1048576" | bc)" "$la" \
      "$([ "$id" = "$newid" ] && echo "id ok" || echo "ID WRONG")"
  done
done
