#!/usr/bin/env bash
# Shows which shared library serves cblas_sgemm / cblas_dgemm in the built binaries.
# Usage: scripts/check-blas.sh [BUILD_DIR]   (default .build/debug; run `swift build --build-tests` first)
set -euo pipefail
dir=${1:-.build/debug}
echo "== DT_NEEDED order of $dir/attractor (OpenBLAS must precede GSL)"
readelf -d "$dir/attractor" | grep NEEDED | grep -E "blas|gsl"
echo "== ldd"
ldd "$dir/attractor" | grep -E "blas|gsl"
echo "== who defines cblas_sgemm"
for lib in /lib/x86_64-linux-gnu/libopenblas.so.0 /lib/x86_64-linux-gnu/libgslcblas.so.0; do
  printf '%s (%s): ' "$lib" "$(readlink -f "$lib")"; nm -D "$lib" | grep -w cblas_sgemm || echo none
done
echo "== dynamic-linker bindings while the gemm tests run"
tmp=$(mktemp -d)
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$tmp/bind" "$dir/AttractorPackageTests.xctest" \
  --testing-library swift-testing --filter GemmTests >/dev/null 2>&1 || true
cat "$tmp"/bind.* | grep -E "symbol \`cblas_(s|d)gemm'" | sed -E 's/^ *[0-9]+: *//' | sort -u
rm -rf "$tmp"
