#!/bin/bash
# One variant of the recipe study: train at a fixed CPU budget on one thread, then evaluate
# the checkpoint on held-out grids re-blanked to 10, 20 and 30 cells (JSON lines).
# Usage: Validation/study/run-variant.sh NAME MODEL CPU_MINUTES [train options…]
#   NAME         checkpoint and log name (under $RUNS, default /work/runs/study)
#   MODEL        cmm, trm or hrm (preset tiny)
#   CPU_MINUTES  the training budget in process CPU-minutes
# Data: $DATA (default /work/runs/ds), from
#   attractor data sudoku --out DIR --train 1000 --seed 0 --test-per-source 200 --ladder 20 --ladder-blanks 10,20,30,40,50
set -euo pipefail
name=$1; model=$2; budget=$3; shift 3
bin=${ATTRACTOR:-.build/release/attractor}
runs=${RUNS:-/work/runs/study}; data=${DATA:-/work/runs/ds}; limit=${LIMIT:-100}
mkdir -p "$runs"
log="$runs/$name.log"
echo "# $bin train --model $model --cpu-minutes $budget --threads 1 --data $data --out $runs/$name $*" > "$log"
"$bin" train --model "$model" --cpu-minutes "$budget" --threads 1 --data "$data" --out "$runs/$name" --overwrite "$@" >> "$log" 2>&1
for k in 10 20 30; do
  echo "# $bin eval --checkpoint $runs/$name --puzzles $data/test_forum_hardest_1905_11plus.safetensors --blanks $k --limit $limit --threads 1 --format json" >> "$log"
  "$bin" eval --checkpoint "$runs/$name" --puzzles "$data/test_forum_hardest_1905_11plus.safetensors" --blanks $k --limit "$limit" \
    --threads 1 --format json > "$runs/$name.eval$k.json" 2>/dev/null
  cat "$runs/$name.eval$k.json" >> "$log"
done
