#!/usr/bin/env bash
# Image delta benchmark (issue 3 §4): three realistic image pairs, edgevisor's delta against
# plain pull, rdiff -b 512, xdelta3 -9, zstd -19/-3 --long=31 --patch-from.
#
#   npm run bench:delta            # bash bench/delta/run.sh; PAIRS="debian node app" by default
#   KEEP=1 npm run bench:delta     # keep images, engine data and intermediate files
#   EVBENCH_ANCHORS=0 PAIRS=node npm run bench:delta   # only docker pull and edgevisor
#   EVBENCH_SKIP_ANCHOR="zstd -19" # leave out the anchors whose label contains this
#
# Runs its own dockerd (bridge none, no iptables) and its own docker-registry on 127.0.0.1,
# both under bench/.work/delta, so that nothing else writes through the engine whose disk
# writes are measured. Bytes written by the engine = growth of write_bytes in
# /proc/<pid>/io of dockerd plus its children (containerd); the kernel adds a reaped child's
# counters to its parent, so the docker-untar helpers that unpack layers are counted.
# The markdown table goes to stdout and bench/.work/delta/results.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The load runs bin/edgevisor.js, which runs dist/: build it so a stale one is never measured.
(cd "$root" && npm run --silent build)
W="$root/bench/.work/delta"
src="$W/src"
PAIRS=${PAIRS:-"debian node app"}
REG_PORT=${EVBENCH_REGISTRY_PORT:-5571}
REG="127.0.0.1:$REG_PORT"
LOAD_TIMEOUT=${EVBENCH_LOAD_TIMEOUT:-240}
REPEAT=${EVBENCH_REPEAT:-3} # runs of docker pull and of the delta load; medians are reported
export PATH="$root/node_modules/.bin:$PATH"
say() { printf 'bench:delta: %s\n' "$*" >&2; }

bash "$root/bench/delta/prepare.sh"

# --- private engine and registry ------------------------------------------------------------
eng="$W/engine"
sock="$eng/docker.sock"
export DOCKER_HOST="unix://$sock"
export DOCKER_BUILDKIT=0 DOCKER_CLI_HINTS=false
tag=$(printf '%s' "$W" | sha256sum | cut -c1-8)
execroot="/run/evb-$tag"
started_engine="" started_registry=""

cleanup() {
  set +e
  if [ -z "${KEEP:-}" ] && [ -n "$started_engine" ]; then
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "^(evbench-delta/|$REG/evbench-delta/)" |
      xargs -r docker rmi -f >/dev/null 2>&1
  fi
  if [ -n "$started_registry" ]; then kill "$started_registry" 2>/dev/null; wait "$started_registry" 2>/dev/null; fi
  if [ -n "$started_engine" ]; then
    kill -TERM "$started_engine" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$started_engine" 2>/dev/null || break; sleep 0.5; done
  fi
  if [ -z "${KEEP:-}" ]; then
    rm -rf "$W/work" "$W/registry" "$W/ctx"
    [ -n "$started_engine" ] && rm -rf "$eng" "$execroot"
  fi
}
trap cleanup EXIT

mkdir -p "$eng" "$execroot" "$W/work" "$W/registry"
# A fresh machine: Debian's docker.io, installed as scripts/engine installs it.
bash "$root/scripts/engine" install
if ! curl -fsS --max-time 2 --unix-socket "$sock" http://engine/_ping >/dev/null 2>&1; then
  rm -rf "$sock" "$eng/dockerd.pid" "$eng/data" # a fresh engine: no layer left from an earlier run
  setsid dockerd --host "$DOCKER_HOST" --data-root "$eng/data" --exec-root "$execroot" \
    --pidfile "$eng/dockerd.pid" --bridge none --iptables=false --ip-masq=false \
    --log-level warn --storage-driver overlay2 >>"$eng/dockerd.log" 2>&1 </dev/null &
  started_engine=$!
  for _ in $(seq 1 120); do
    curl -fsS --max-time 2 --unix-socket "$sock" http://engine/_ping >/dev/null 2>&1 && break
    kill -0 "$started_engine" 2>/dev/null || { tail -20 "$eng/dockerd.log" >&2; exit 1; }
    sleep 0.5
  done
fi
dockerd_pid=$(cat "$eng/dockerd.pid")

cat >"$W/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $W/registry/data
http:
  addr: $REG
YAML
command -v docker-registry >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >&2
setsid docker-registry serve "$W/registry/config.yml" >>"$W/registry/registry.log" 2>&1 </dev/null &
started_registry=$!
for _ in $(seq 1 50); do curl -fsS --max-time 2 "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.2; done

engine_written() { # write_bytes of dockerd and its children (containerd)
  local total=0 p
  for p in "$dockerd_pid" $(ps -o pid= --ppid "$dockerd_pid"); do
    [ -r "/proc/$p/io" ] && total=$((total + $(awk '/^write_bytes/ {print $2}' "/proc/$p/io")))
  done
  echo "$total"
}

# timed CMD...: runs CMD under GNU time; sets T_S (wall s), T_RSS (max RSS, KiB), T_OUT (bytes
# written by the process and its children, from ru_oublock × 512); returns CMD's status.
timed() {
  local rc=0
  /usr/bin/time -f '%e %M %O' -o "$W/work/time.txt" "$@" || rc=$?
  read -r T_S T_RSS T_OUT < <(tail -n 1 "$W/work/time.txt")
  T_OUT=$((T_OUT * 512))
  return "$rc"
}

fmt_b() { numfmt --to=iec-i --suffix=B --format='%.2f' "$1"; }
fmt_kib() { numfmt --to=iec-i --suffix=B --format='%.0f' $(($1 * 1024)); }
new_layers_absent() { # no image on the engine has any of NEW's own layers (file: one diffId per line)
  local ids
  ids=$(docker image ls -aq | sort -u)
  [ -z "$ids" ] && return 0
  # shellcheck disable=SC2086
  ! docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' $ids | grep -qxF -f "$1"
}
stamp_lines() { # prefix each line with seconds since the first one
  local t0 l
  t0=$(date +%s.%N)
  while IFS= read -r l; do printf '%6.1f %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$l"; done
}
rss_sampler() { # rss_sampler PATTERN OUT: every 0.5 s until OUT.stop exists, seconds and VmRSS (KiB)
  local t0 i pid rss
  t0=$(date +%s.%N)
  for i in $(seq 1 $((LOAD_TIMEOUT * 4))); do
    pid=$(pgrep -n -f -- "$1" || true)
    rss=$([ -n "$pid" ] && awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -z "$rss" ] || printf '%6.1f %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$rss"
    [ -f "$2.stop" ] && break
    sleep 0.5
  done >"$2"
  rm -f "$2.stop"
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
settle() { sync; sleep 1; } # earlier writes are flushed and do not land in the next measurement

# --- image pairs ---------------------------------------------------------------------------------
mkdir -p "$W/ctx"
stamp() { touch -h -d '2026-01-01 00:00:00 UTC' "$@"; }

build() { # build TAG CONTEXT
  docker build -q -t "$1" "$2" >/dev/null 2>>"$W/build.log" || { tail -20 "$W/build.log" >&2; return 1; }
}

base_image() { # base_image old|new → evbench-delta/base:old|new, one layer: the Debian rootfs
  local ctx="$W/ctx/base-$1"
  [ -n "$(image_id "evbench-delta/base:$1")" ] && return 0
  rm -rf "$ctx" && mkdir -p "$ctx"
  tar --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -C "$src/deb-$1" -cf "$ctx/rootfs.tar" .
  printf 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/bash"]\n' >"$ctx/Dockerfile"
  build "evbench-delta/base:$1" "$ctx"
}

app_dir() { # a tiny service layer, identical in every image
  mkdir -p "$1/app"
  printf '#!/bin/sh\nexec sleep infinity\n' >"$1/app/run.sh"
  stamp "$1/app/run.sh" "$1/app"
}

build_pair() { # build_pair NAME: evbench-delta/NAME:old and :new
  local name=$1 v ctx
  for v in old new; do
    ctx="$W/ctx/$name-$v"
    rm -rf "$ctx" && mkdir -p "$ctx"
    case $name in
      debian) # the base image is rebuilt with security updates; the app layer on top is unchanged
        base_image "$v"
        app_dir "$ctx"
        printf 'FROM evbench-delta/base:%s\nCOPY app/ /app/\nCMD ["/app/run.sh"]\n' "$v" >"$ctx/Dockerfile" ;;
      node) # Node.js patch release: runtime layer changes, base and app layers the same
        base_image old
        cp -l "$src/node-$v/node" "$ctx/node"
        app_dir "$ctx"
        printf 'FROM evbench-delta/base:old\nCOPY node /usr/local/bin/node\nCOPY app/ /app/\nCMD ["/app/run.sh"]\n' >"$ctx/Dockerfile" ;;
      app) # dependency bump: package.json + node_modules layers change, base and runtime the same
        base_image old
        cp -l "$src/node-new/node" "$ctx/node"
        cp -al "$src/app-$v/node_modules" "$ctx/node_modules"
        cp -p "$src/app-$v/package.json" "$src/app-$v/package-lock.json" "$src/app-$v/server.js" "$ctx/"
        printf '%s\n' 'FROM evbench-delta/base:old' 'COPY node /usr/local/bin/node' \
          'COPY package.json package-lock.json /app/' 'COPY node_modules /app/node_modules' \
          'COPY server.js /app/' 'WORKDIR /app' 'CMD ["node", "server.js"]' >"$ctx/Dockerfile" ;;
    esac
    build "evbench-delta/$name:$v" "$ctx"
  done
  # OLD's device never had NEW's base image: untag it so that removing NEW removes its layers
  [ "$name" != debian ] || docker rmi "evbench-delta/base:new" >/dev/null
}

registry_layer_bytes() { # registry_layer_bytes NAME: compressed bytes of NEW's layers OLD lacks, as pushed
  local accept="application/vnd.docker.distribution.manifest.v2+json"
  node -e '
    const [o, n] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
    const have = new Set(o.layers.map((l) => l.digest));
    console.log(n.layers.filter((l) => !have.has(l.digest)).reduce((s, l) => s + l.size, 0));
  ' "$(curl -fsS -H "Accept: $accept" "http://$REG/v2/evbench-delta/$1/manifests/old")" \
    "$(curl -fsS -H "Accept: $accept" "http://$REG/v2/evbench-delta/$1/manifests/new")"
}

results="$W/results.md"
: >"$results"
row() { printf '| %s |\n' "$(IFS='|'; echo "$*" | sed 's/|/ | /g')" >>"$results"; }

run_pair() {
  local name=$1 d="$W/work/$1" old_id new_id t0 w0 w1
  rm -rf "$d" && mkdir -p "$d"
  say "$name: building images"
  build_pair "$name"
  old_id=$(image_id "evbench-delta/$name:old")
  new_id=$(image_id "evbench-delta/$name:new")
  for v in old new; do
    docker tag "evbench-delta/$name:$v" "$REG/evbench-delta/$name:$v"
    docker push -q "$REG/evbench-delta/$name:$v" >/dev/null
  done

  say "$name: layer tars"
  for v in old new; do
    mkdir -p "$d/save-$v"
    docker save "evbench-delta/$name:$v" | tar -C "$d/save-$v" -xf -
  done
  node "$root/bench/delta/layers.ts" "$d/save-old" "$d/save-new" >"$d/layers.txt"
  awk '$1 == "newdiff" {print $2}' "$d/layers.txt" >"$d/newdiffs"
  # shellcheck disable=SC2046
  cat $(awk '$1 == "old" {print $2}' "$d/layers.txt") >"$d/old.tar"
  # shellcheck disable=SC2046
  cat $(awk '$1 == "new" {print $2}' "$d/layers.txt") >"$d/new.tar"
  local old_size new_size shared nlayers
  old_size=$(stat -c %s "$d/old.tar")
  new_size=$(stat -c %s "$d/new.tar")
  shared=$(awk '$1 == "shared" {print $2}' "$d/layers.txt")
  nlayers=$(awk '$1 == "new"' "$d/layers.txt" | wc -l)
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)

  {
    echo
    echo "**$name**: OLD $(fmt_b "$old_size") in $(awk '$1 == "old"' "$d/layers.txt" | wc -l) layers; NEW ships $nlayers layer(s), $(fmt_b "$new_size") uncompressed, shares $shared with OLD; load average at start $load"
    echo
    echo "| method | size | create s | create RSS | apply s | apply RSS | bytes written |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$results"

  # plain pull: gzip -6 of NEW's layers OLD lacks (as a registry stores them)
  say "$name: gzip -6"
  local gz=0 gs=0 l
  for l in $(awk '$1 == "new" {print $2}' "$d/layers.txt"); do
    timed sh -c "gzip -6 -c '$l' >'$d/layer.gz'"
    gz=$((gz + $(stat -c %s "$d/layer.gz")))
    gs=$(printf '%.2f' "$(echo "$gs + $T_S" | bc)")
  done
  rm -f "$d/layer.gz"
  local pushed
  declare -A A_SIZE=([plain pull]=$gz) A_CS=()
  pushed=$(registry_layer_bytes "$name")

  # docker pull of NEW from the loopback registry onto the engine that has OLD only,
  # REPEAT times (the engine's bytes written vary by a few hundred KiB from run to run:
  # ext4 metadata and journal); the table shows the medians
  only_old() { # the engine as on a device that has OLD only, its earlier writes flushed
    docker rmi "evbench-delta/$name:new" "$REG/evbench-delta/$name:new" >/dev/null 2>&1 || true
    [ -n "$(image_id "$old_id")" ] || { say "OLD vanished"; exit 1; }
    [ -z "$(image_id "$new_id")" ] || { say "NEW still on the engine"; exit 1; }
    new_layers_absent "$d/newdiffs" || { say "NEW's layers are still on the engine"; exit 1; }
    settle
  }
  say "$name: docker pull ×$REPEAT"
  local pull_ts=() pull_ws=() r
  for r in $(seq 1 "$REPEAT"); do
    only_old
    w0=$(engine_written)
    timed docker pull -q "$REG/evbench-delta/$name:new" >/dev/null
    w1=$(engine_written)
    [ "$(image_id "$REG/evbench-delta/$name:new")" = "$new_id" ] || { say "pulled id differs"; exit 1; }
    pull_ts+=("$T_S") pull_ws+=($((w1 - w0)))
  done
  local pull_s pull_w
  pull_s=$(median "${pull_ts[@]}") pull_w=$(median "${pull_ws[@]}")
  row "plain pull: gzip -6 of new layers" "$(fmt_b "$gz")" "$gs" "—" "—" "—" "—"
  row "\`docker pull\` from loopback registry" "$(fmt_b "$pushed")" "—" "—" "$pull_s" "(dockerd)" "$(fmt_b "$pull_w")"
  docker tag "$REG/evbench-delta/$name:new" "evbench-delta/$name:new"

  anchor() { # anchor LABEL OUTFILE CREATE-CMD... -- APPLY-CMD... (apply writes $d/out.tar)
    local label=$1 out=$2 cs=0 cr=0 as ar ao
    shift 2
    local create=() apply=()
    while [ "$1" != "--" ]; do create+=("$1"); shift; done
    shift
    apply=("$@")
    # EVBENCH_SKIP_ANCHOR="zstd -19" leaves out the anchors whose label contains it (their
    # sizes do not depend on the machine's load; zstd -19 alone takes minutes on a busy host)
    if [ -n "${EVBENCH_SKIP_ANCHOR:-}" ] && [[ "$label" == *"$EVBENCH_SKIP_ANCHOR"* ]]; then
      say "$name: $label skipped (EVBENCH_SKIP_ANCHOR)"
      return 0
    fi
    say "$name: $label"
    # create may be several commands separated by ';;'
    local cmd=()
    for a in "${create[@]}" ";;"; do
      if [ "$a" = ";;" ]; then
        timed "${cmd[@]}"
        cs=$(printf '%.2f' "$(echo "$cs + $T_S" | bc)")
        [ "$T_RSS" -gt "$cr" ] && cr=$T_RSS
        cmd=()
      else cmd+=("$a"); fi
    done
    timed "${apply[@]}"
    as=$T_S ar=$T_RSS ao=$T_OUT
    cmp -s "$d/out.tar" "$d/new.tar" || { say "$label: applied output differs from NEW's layers"; exit 1; }
    A_SIZE[$label]=$(stat -c %s "$out") A_CS[$label]=$cs
    row "$label" "$(fmt_b "$(stat -c %s "$out")")" "$cs" "$(fmt_kib "$cr")" "$as" "$(fmt_kib "$ar")" "$(fmt_b "$ao")"
    rm -f "$d/out.tar" "$out" "$d/old.sig"
  }

  # EVBENCH_ANCHORS=0 skips the four anchors (only pull and edgevisor are measured)
  [ "${EVBENCH_ANCHORS:-1}" = 0 ] || {
  anchor "rdiff -b 512 (balena)" "$d/d.rdiff" \
    rdiff -b 512 signature "$d/old.tar" "$d/old.sig" ";;" rdiff delta "$d/old.sig" "$d/new.tar" "$d/d.rdiff" \
    -- rdiff patch "$d/old.tar" "$d/d.rdiff" "$d/out.tar"
  anchor "xdelta3 -9 -B <old size>" "$d/d.xd" \
    xdelta3 -9 -e -f -B "$old_size" -s "$d/old.tar" "$d/new.tar" "$d/d.xd" \
    -- xdelta3 -d -f -B "$old_size" -s "$d/old.tar" "$d/d.xd" "$d/out.tar"
  anchor "zstd -19 --long=31 --patch-from" "$d/d.zst" \
    zstd -q -f -19 --long=31 -M2048MB --patch-from="$d/old.tar" "$d/new.tar" -o "$d/d.zst" \
    -- zstd -q -f -d --long=31 -M2048MB --patch-from="$d/old.tar" "$d/d.zst" -o "$d/out.tar"
  anchor "zstd -3 --long=31 --patch-from" "$d/d.zst" \
    zstd -q -f -3 --long=31 -M2048MB --patch-from="$d/old.tar" "$d/new.tar" -o "$d/d.zst" \
    -- zstd -q -f -d --long=31 -M2048MB --patch-from="$d/old.tar" "$d/d.zst" -o "$d/out.tar"
  }

  # edgevisor: create on the engine holding both, load on the engine holding OLD only
  say "$name: edgevisor delta create"
  # progress lines on stderr, time-stamped into $W/phases-$name-create.txt (where the time goes),
  # RSS of the process every 0.5 s into $W/rss-$name-create.txt
  rss_sampler "delta create evbench-delta/$name:old" "$W/rss-$name-create.txt" &
  local sampler=$!
  # As shipped: the launcher (dist/, heap cap and malloc settings of src/guards/agent-self.ts)
  timed node "$root/bin/edgevisor.js" delta create "evbench-delta/$name:old" "evbench-delta/$name:new" \
    -o "$d/d.tar" >"$d/create.out" 2> >(stamp_lines >"$W/phases-$name-create.txt")
  local cs=$T_S cr=$T_RSS dsize
  touch "$W/rss-$name-create.txt.stop" && wait "$sampler"
  dsize=$(stat -c %s "$d/d.tar")
  # edgevisor_loads: REPEAT loads of the delta onto the engine holding OLD only; sets LD_S
  # (median s, or why not), LD_W (median bytes written), LD_RSS (largest peak, KiB), LD_RC
  edgevisor_loads() {
    local r w0 w1 load_ts=() load_ws=() sampler
    LD_RC=0 LD_RSS=0
    for r in $(seq 1 "$REPEAT"); do
      only_old
      w0=$(engine_written)
      # The device-side CLI (bin/edgevisor.js re-execs itself with the agent's heap caps).
      rss_sampler "image load -i $d/d.tar" "$W/rss-$name-load.txt" &
      sampler=$!
      timed timeout "$LOAD_TIMEOUT" node "$root/bin/edgevisor.js" image load -i "$d/d.tar" \
        >"$d/load.out" 2> >(stamp_lines >"$W/phases-$name-load.txt") || LD_RC=$?
      touch "$W/rss-$name-load.txt.stop" && wait "$sampler"
      w1=$(engine_written)
      [ "$LD_RC" = 0 ] || break
      [ "$(image_id "evbench-delta/$name:new")" = "$new_id" ] || { say "loaded id differs from NEW's"; exit 1; }
      load_ts+=("$T_S") load_ws+=($((w1 - w0 + T_OUT)))
      [ "$T_RSS" -gt "$LD_RSS" ] && LD_RSS=$T_RSS
    done
    if [ "$LD_RC" = 124 ]; then
      say "$name: image load made no progress for $LOAD_TIMEOUT s; killed (see results)"
      # the killed loader leaves its reader container; remove it (it is ours, on our engine)
      docker ps -aq --filter label=io.edgevisor.delta-base | xargs -r docker rm -f >/dev/null
      LD_S="**hung**, killed after $LOAD_TIMEOUT s" LD_W=$((w1 - w0 + T_OUT)) LD_RSS=$T_RSS
      return 0
    elif [ "$LD_RC" != 0 ]; then
      say "$name: image load failed ($LD_RC)"; cat "$W/phases-$name-load.txt" >&2; exit 1
    fi
    LD_S=$(median "${load_ts[@]}") LD_W=$(median "${load_ws[@]}")
    # how the last load went (import of a shipped bottom layer, passes of docker load, the
    # container the base was read through)
    grep -h "import\|passes\|two passes" "$W/phases-$name-load.txt" | sed 's/^ *[0-9.]* *//' >>"$W/load-notes-$name.txt" || true
    grep -o "base read through container [^ ,]*" "$d/load.out" >>"$W/load-notes-$name.txt" || true
  }

  : >"$W/load-notes-$name.txt"
  # 1. delta on load (a USB stick): no container of OLD, the loader creates a reader container
  say "$name: edgevisor image load ×$REPEAT (no container of OLD)"
  edgevisor_loads
  local load_rc=$LD_RC load_s=$LD_S load_w=$LD_W load_rss=$LD_RSS
  row "**edgevisor** (no container of OLD)" "**$(fmt_b "$dsize")**" "$cs" "$(fmt_kib "$cr")" "$load_s" \
    "$(fmt_kib "$load_rss")" "$(fmt_b "$load_w")"
  # 2. an update: OLD's service container runs (download-then-kill keeps it until NEW is
  # there), and the loader reads the base through it
  local svc="evbench-svc-$name" upd_rc=1 upd_s="—" upd_w=0 upd_rss=0
  if [ "$load_rc" = 0 ]; then
    docker run -d --name "$svc" --entrypoint /bin/sleep "evbench-delta/$name:old" infinity >/dev/null
    say "$name: edgevisor image load ×$REPEAT (OLD's container running)"
    edgevisor_loads
    upd_rc=$LD_RC upd_s=$LD_S upd_w=$LD_W upd_rss=$LD_RSS
    grep -q "base read through container $svc" "$d/load.out" || { say "the load did not read through $svc"; exit 1; }
    docker rm -f "$svc" >/dev/null
    row "**edgevisor** (OLD's container running)" "**$(fmt_b "$dsize")**" "$cs" "$(fmt_kib "$cr")" "$upd_s" \
      "$(fmt_kib "$upd_rss")" "$(fmt_b "$upd_w")"
  fi
  local ps=$pull_s pw=$pull_w ew=$load_w best="" k
  for k in "${!A_SIZE[@]}"; do
    if [ -z "$best" ] || [ "${A_SIZE[$k]}" -lt "${A_SIZE[$best]}" ]; then best=$k; fi
  done
  le() { # le A B: met when A ≤ B (A may be a note such as "**hung**…": missed)
    [[ "$1" =~ ^[0-9.]+$ ]] && [ "$(echo "$1 <= $2" | bc)" = 1 ] && echo met || echo "**missed**"
  }
  {
    echo
    echo "Goals: size ≤ smallest anchor ($best, $(fmt_b "${A_SIZE[$best]}")): $(le "$dsize" "${A_SIZE[$best]}");" \
      "create ≤ xdelta3's ${A_CS[xdelta3 -9 -B <old size>]:-0} s: $(le "$cs" "${A_CS[xdelta3 -9 -B <old size>]:-0}");" \
      "create RSS ≤ 512 MiB: $(le "$cr" 524288);" \
      "$(if [ "$load_rc" = 0 ]; then
        echo "apply RSS ≤ 128 MiB: $(le "$(( load_rss > upd_rss ? load_rss : upd_rss ))" 131072);" \
          "load ≤ docker pull's $ps s: $(le "$load_s" "$ps") (no container of OLD), $(le "$upd_s" "$ps") (OLD's running);" \
          "bytes written ≤ docker pull's $(fmt_b "$pw"): $(le "$ew" "$pw") (no container of OLD), $(le "$upd_w" "$pw") (OLD's running)."
      else
        echo "apply: **missed**, the load hung (RSS and bytes written are up to the kill, not a result)."
      fi)" \
      "Load average at end $(cut -d' ' -f1-3 /proc/loadavg)."
  } >>"$results"
  [ -n "${KEEP:-}" ] || rm -rf "$d"
}

for p in $PAIRS; do run_pair "$p"; done
{
  echo
  echo "create/apply s: wall seconds; RSS: peak resident set (GNU time); bytes written: for docker pull and edgevisor, by the engine (dockerd + children, /proc/<pid>/io write_bytes) plus the loader process; for the anchors, by the tool writing NEW's layer tars (they do not load into an engine)."
} >>"$results"
cat "$results"
