#!/bin/bash
# Evaluates one bundled checkpoint on the test sets and the blanks ladder (JSON lines).
# Usage: Validation/eval-bundled.sh NAME DATASET_DIR [LIMIT]
#   DATASET_DIR from: attractor data sudoku --out DIR --train 1000 --seed 0 --test-per-source 200 --ladder 20 --ladder-blanks 10,20,30,40,50
name=$1; ds=$2; limit=${3:-32}
bin=${ATTRACTOR:-.build/release/attractor}
for src in 17_clue magictour_top1465 forum_hardest_1106 forum_hardest_1905_11plus; do
  echo "# $bin eval --checkpoint $name --puzzles $ds/test_$src.safetensors --limit $limit --format json"
  OPENBLAS_NUM_THREADS=1 $bin eval --checkpoint $name --puzzles $ds/test_$src.safetensors --limit $limit --format json
done
# Blanks ladder on held-out grids: the solutions of the held-out forum_hardest_1905 test puzzles,
# re-blanked to exactly K cells (unique solution, seeded); the original puzzles are the last test set above.
for k in 10 20 30 40 50; do
  echo "# $bin eval --checkpoint $name --puzzles $ds/test_forum_hardest_1905_11plus.safetensors --blanks $k --limit $limit --seed 0 --format json"
  OPENBLAS_NUM_THREADS=1 $bin eval --checkpoint $name --puzzles $ds/test_forum_hardest_1905_11plus.safetensors --blanks $k --limit $limit --seed 0 --format json
done
