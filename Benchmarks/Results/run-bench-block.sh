#!/bin/bash
# 5 runs per configuration, each with --repeat 10; JSON lines to Benchmarks/Results/bench-block-tiny.jsonl
cd "$(dirname "$0")/../.."
: > Benchmarks/Results/bench-block-tiny.jsonl
for run in 1 2 3 4 5; do
  for m in mlp attention; do
    for t in 2 1; do
      uptime | sed 's/.*load/load/' > /tmp/attractor-load.txt
      OPENBLAS_NUM_THREADS=$t .build/release/attractor bench block --mixer $m --hidden 128 --seq 81 --layers 2 --batch 64 --repeat 10 --format json \
        | python3 -c "import json,sys; d=json.load(sys.stdin); d['openblas_num_threads']=$t; d['load']=open('/tmp/attractor-load.txt').read().strip(); print(json.dumps(d))" >> Benchmarks/Results/bench-block-tiny.jsonl
    done
  done
done
