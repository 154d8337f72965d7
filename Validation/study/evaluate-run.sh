#!/bin/bash
# The held-out evaluation behind every 90-minute row of Docs/Training.md and the stability
# figures of Docs/Stability.md, for one checkpoint:
#   eval-NAME.jsonl            exact / cell accuracy on 200 re-blanked forum_hardest_1905 grids
#                              at 10, 20, 30, 40, 50 blanks, then the original puzzles of the
#                              four sources (100 each), one trajectory each
#   compare-NAME.txt           convergence, contraction rate, ρ(J) on 64 puzzles at 30 blanks
#   basins64-NAME.txt          one end point from 16 random starts on 64 puzzles (+ fixed-point test)
#   basins64x64-NAME.json      from 64 starts on 64 puzzles
#   basins192-NAME.json        from 16 starts on 192 puzzles
# Usage: Validation/study/evaluate-run.sh CHECKPOINT NAME [OUTDIR]
#   waits for CHECKPOINT's training to finish when $WAIT_PID is set (a training run's pid).
# Data: $DATA (default /work/runs/ds), made by
#   attractor data sudoku --out DIR --train 1000 --seed 0 --test-per-source 200 --ladder 20 --ladder-blanks 10,20,30,40,50
# Binary: $ATTRACTOR (default .build/release/attractor). One thread throughout.
set -euo pipefail
checkpoint=$1; name=$2; out=${3:-.}
bin=${ATTRACTOR:-.build/release/attractor}
data=${DATA:-/work/runs/ds}
study=$(cd "$(dirname "$0")" && pwd)
test=$data/test_forum_hardest_1905_11plus.safetensors
if [ -n "${WAIT_PID:-}" ]; then
  while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 30; done
fi
[ -e "$checkpoint" ] || { echo "evaluate-run: no checkpoint at $checkpoint" >&2; exit 2; }
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1
evals=$out/eval-$name.jsonl
[ -e "$evals" ] && { echo "evaluate-run: $evals exists; not overwriting" >&2; exit 2; }
for k in 10 20 30 40 50; do
  echo "# attractor eval --checkpoint $checkpoint --puzzles DS/$(basename "$test") --blanks $k --limit 200 --seed 0" >> "$evals"
  "$bin" eval --checkpoint "$checkpoint" --puzzles "$test" --blanks $k --limit 200 --seed 0 --threads 1 --format json >> "$evals"
done
for source in 17_clue magictour_top1465 forum_hardest_1106 forum_hardest_1905_11plus; do
  echo "# attractor eval --checkpoint $checkpoint --puzzles DS/test_$source.safetensors --limit 100" >> "$evals"
  "$bin" eval --checkpoint "$checkpoint" --puzzles "$data/test_$source.safetensors" --limit 100 --threads 1 --format json >> "$evals"
done
"$bin" compare --checkpoints "$checkpoint" --puzzles "$test" --blanks 30 --limit 64 --stability-puzzles 64 --threads 1 \
  > "$out/compare-$name.txt"
"$bin" validate "$study/basins64.json" --checkpoint "$checkpoint" --puzzles "$test" --blanks 30 --limit 64 \
  > "$out/basins64-$name.txt"
"$bin" validate "$study/basins64x64.json" --checkpoint "$checkpoint" --puzzles "$test" --blanks 30 --limit 64 \
  --format json > "$out/basins64x64-$name.json"
"$bin" validate "$study/basins192.json" --checkpoint "$checkpoint" --puzzles "$test" --blanks 30 --limit 192 \
  --format json > "$out/basins192-$name.json"
echo "evaluate-run: wrote $out/{eval,compare,basins64,basins64x64,basins192}-$name.*"
