#!/bin/sh
# sweep.sh [PROBE...]: runs each probe over every installed release (versions.txt), one file per probe in results/.
cd "$(dirname "$0")"
mkdir -p results
probes=${*:-p01_retry_after.mjs p02_model_scope.mjs p03_error_counts.mjs p04_mark_good.mjs p05_chain_coverage.mjs p06_concurrent.mjs p07_probe_throttle.mjs}
for p in $probes; do
  ./run.sh "$p" $(cat versions.txt) > "results/${p%.mjs}.txt" 2>&1
done
