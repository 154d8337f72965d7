#!/bin/bash
# Everything the round tables in Docs/Training.md report for one 90-minute run:
# the ladder on all 200 held-out grids (10-50 blanks) and its first 100 at 40/50, the
# original puzzles (100 per source), basins (16 and 64 starts on 64 puzzles, with the
# fixed-point test; 16 starts on 192 puzzles; 8 near-miss starts on 32), compare on 64 puzzles and validate
# equilibrium on 16.
# Usage: Validation/evaluate-run.sh CHECKPOINT LABEL DATASET_DIR OUT_DIR   (run from the repository root)
#   WAIT_PID=PID waits for that process (the training run) to end first.
#   DATASET_DIR from: attractor data sudoku --out DIR --train 1000 --seed 0 --test-per-source 200 --ladder 20 --ladder-blanks 10,20,30,40,50
set -eu
[ $# -eq 4 ] || { echo "usage: $0 CHECKPOINT LABEL DATASET_DIR OUT_DIR" >&2; exit 2; }
ckpt=$1; label=$2; ds=$3; out=$4
bin=${ATTRACTOR:-.build/release/attractor}
[ -d "$ds" ] || { echo "no dataset directory $ds" >&2; exit 1; }
if [ -n "${WAIT_PID:-}" ]; then
  while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 30; done
fi
[ -e "$ckpt/config.json" ] || [ -e "Checkpoints/$ckpt/config.json" ] || { echo "no checkpoint $ckpt" >&2; exit 1; }
[ -e "$out/ladder200.jsonl" ] && { echo "$out already holds an evaluation; not overwriting" >&2; exit 1; }
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1
grids=$ds/test_forum_hardest_1905_11plus.safetensors
for k in 10 20 30 40 50; do
  echo "# attractor eval --checkpoint $label --puzzles DS/test_forum_hardest_1905_11plus.safetensors --blanks $k --limit 200 --seed 0"
  "$bin" eval --checkpoint "$ckpt" --puzzles "$grids" --blanks $k --limit 200 --seed 0 --threads 1 --format json
done > "$out/ladder200.jsonl"
for k in 40 50; do
  echo "# attractor eval --checkpoint $label --puzzles DS/test_forum_hardest_1905_11plus.safetensors --blanks $k --limit 100 --seed 0"
  "$bin" eval --checkpoint "$ckpt" --puzzles "$grids" --blanks $k --limit 100 --seed 0 --threads 1 --format json
done > "$out/ladder100.jsonl"
for src in 17_clue magictour_top1465 forum_hardest_1106 forum_hardest_1905_11plus; do
  echo "# attractor eval --checkpoint $label --puzzles DS/test_$src.safetensors --limit 100"
  "$bin" eval --checkpoint "$ckpt" --puzzles "$ds/test_$src.safetensors" --limit 100 --threads 1 --format json
done > "$out/originals.jsonl"
for suite in basins64 basins64x64; do
  "$bin" validate "Validation/study/$suite.json" --checkpoint "$ckpt" --puzzles "$grids" --blanks 30 --limit 64 --format json > "$out/$suite.json"
done
"$bin" validate Validation/study/basins192.json --checkpoint "$ckpt" --puzzles "$grids" --blanks 30 --limit 192 --format json > "$out/basins192.json"
"$bin" validate Validation/study/basins32-wrongclues.json --checkpoint "$ckpt" --puzzles "$grids" --blanks 30 --limit 32 --format json > "$out/basins32-wrongclues.json"
"$bin" compare --checkpoints "$ckpt" --puzzles "$grids" --blanks 30 --limit 64 --stability-puzzles 64 --threads 1 > "$out/compare.txt"
"$bin" validate equilibrium --checkpoint "$ckpt" --puzzles "$grids" --blanks 30 --limit 16 > "$out/validate.txt" 2>&1 || true
echo "wrote $out"
