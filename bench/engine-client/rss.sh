#!/usr/bin/env bash
# Resident memory of a fresh Node process that loads an engine client (and makes one request),
# to compare our node:http client with dockerode. Each case runs N times (default 5) in a new
# process; VmRSS is read from /proc/self/status 1.5 s after the imports and the request. The
# median is printed.
#
#   DOCKER_HOST=unix:///path/docker.sock bash bench/engine-client/rss.sh [runs] [dockerode-dir]
#
# dockerode is no longer a dependency: give a directory where it is installed (a checkout
# before the change, or `npm i --no-save --prefix /tmp/dockerode dockerode@5.0.1` then
# /tmp/dockerode/node_modules/dockerode) to include it. Our client is measured both from its
# TypeScript sources (run-time type stripping, as the agent ships today) and compiled to
# JavaScript with tsc (as a build step would ship it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
runs=${1:-5}
dockerode=${2:-}
: "${DOCKER_HOST:?set DOCKER_HOST=unix:///path/to/docker.sock}"
socket=${DOCKER_HOST#unix://}
work=$(mktemp -d /tmp/ev-rss-client.XXXXXX)
trap 'rm -rf "$work"' EXIT

tsc src/engine/api/index.ts --outDir "$work/js" --noEmit false --sourceMap false \
  --target es2024 --module nodenext --moduleResolution nodenext --types node --skipLibCheck \
  --allowImportingTsExtensions --rewriteRelativeImportExtensions --verbatimModuleSyntax
echo '{"type":"module"}' >"$work/js/package.json"

# $1: module to import ("" for none); $2: request to make (none|http|client|dockerode)
probe() {
  node --max-semi-space-size=1 --input-type=module -e "
    import { readFileSync } from 'node:fs';
    const [mod, req, socket] = process.argv.slice(1);
    const m = mod ? await import(mod) : undefined;
    if (req === 'http') {
      const http = await import('node:http');
      await new Promise((ok, ko) =>
        http.get({ socketPath: socket, path: '/v1.41/containers/json?limit=1' }, (r) => {
          r.resume();
          r.on('end', ok);
        }).on('error', ko));
    }
    if (req === 'client') await new m.EngineClient({ socketPath: socket }).listContainers({ limit: 1 });
    if (req === 'dockerode') await new m.default({ socketPath: socket }).listContainers({ limit: 1 });
    setTimeout(() => {
      const kb = Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
      console.log((kb / 1024).toFixed(1));
    }, 1500);
  " "$1" "$2" "$socket"
}

median() {
  local label=$1
  shift
  local values=()
  for ((i = 0; i < runs; i++)); do values+=("$(probe "$@")"); done
  printf '%-58s %6s MB   (runs: %s)\n' "$label" \
    "$(printf '%s\n' "${values[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")" "${values[*]}"
}

median "bare node" "" none
median "node:http, one request on the unix socket" "" http
median "our client (compiled JS), one request" "$work/js/index.js" client
median "our client (.ts sources, type stripping), one request" "$PWD/src/engine/api/index.ts" client
if [ -n "$dockerode" ]; then
  median "dockerode, import only" "$dockerode/lib/docker.js" none
  median "dockerode, one request" "$dockerode/lib/docker.js" dockerode
  median "docker-modem alone, import only" "$(dirname "$dockerode")/docker-modem/lib/modem.js" none
fi
