#ifndef ATTRACTOR_KERNELS_H
#define ATTRACTOR_KERNELS_H
/* Hand-written CPU kernels for Float32 (numerics layer). Each has a portable or BLAS
   fallback on the Swift side; the vector paths are compiled for their instruction sets
   with target attributes and chosen at run time. */
#include <stddef.h>

/* 1 when the CPU has AVX2 + FMA / AVX-512F. */
int attractor_cpu_has_avx2_fma(void);
int attractor_cpu_has_avx512f(void);

/* In-place tanh over n floats (see AttractorNumerics/TanhKernel.swift for the math). */
void attractor_tanh_f32_avx2(float *x, long n);
void attractor_tanh_f32_avx512(float *x, long n);

/* Packed-panel single-precision matrix product for a right operand that is used many times
   (the weights of a network evaluated at every solver stage):
       C[m×n] = epilogue(A[m×k] · B[k×n] + bias)
   B is packed once into column panels of 32 (the last one 16) with
   attractor_sgemm_pack_b; the product then streams A rows against a panel held in cache,
   8 rows × 32 columns at a time in AVX-512 registers, and applies the epilogue before the
   single store. n must be a positive multiple of 16. Row-major throughout. */
enum {
    ATTRACTOR_EPILOGUE_NONE = 0,
    ATTRACTOR_EPILOGUE_TANH = 1,             /* tanh(x) */
    ATTRACTOR_EPILOGUE_TANH_DERIVATIVE = 2,  /* x · (1 − aux²), aux[m×n] with ldaux */
};
/* Floats needed by the packed copy of a k×n right operand. */
size_t attractor_sgemm_packed_count(long k, long n);
/* transposed = 0: B[i][j] = b[i*ldb + j] (b is k×n); transposed = 1: B[i][j] = b[j*ldb + i]
   (b is n×k, as a PyTorch Linear weight, so the product is A·bᵀ). */
void attractor_sgemm_pack_b(const float *b, long ldb, int transposed, long k, long n, float *packed);
void attractor_sgemm_packed_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                                   const float *bias, int epilogue, const float *aux, long ldaux,
                                   float *c, long ldc);
/* C[m×n] += Aᵀ·B with A [k×m] (lda) and B [k×n] (ldb) read in place, row-major, n a positive
   multiple of 16: the weight-gradient product of a layer (Σ over the batch rows). */
void attractor_sgemm_tn_accumulate_avx512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                          float *c, long ldc);
/* out[j] += Σ_r a[r*lda + j] over m rows, n columns: a bias gradient (the batch sum). */
void attractor_add_column_sums_f32(long m, long n, const float *a, long lda, float *out);
/* The core's single-precision FMA rate: runs `iterations` rounds of 384 flops (12
   independent 16-lane FMA chains) for a timing by the caller. */
float attractor_fma_peak_avx512(long iterations);
/* The same with 12 chains of 8-lane AVX2 FMAs: 12·8·2 = 192 flops a round. */
float attractor_fma_peak_avx2(long iterations);
/* What the portable path's instruction set can do: on x86-64, 7 chains of SSE2 4-lane
   multiplies beside 7 chains of adds (no FMA in the baseline ISA), 56 flops a round;
   elsewhere 12 scalar multiply-add chains, 24 flops a round. */
float attractor_mul_add_peak_baseline(long iterations);
/* Flops of one round of attractor_mul_add_peak_baseline (56 or 24). */
long attractor_mul_add_peak_baseline_flops(void);

/* General single-precision matrix product (sgemm.c), row-major:
       C[m×n] = alpha · op(A) · op(B) + beta · C,   op(X) = X or Xᵀ (trans_x ≠ 0)
   op(A) is m×k (a is m×k with lda, or k×m when transposed), op(B) is k×n. beta = 0 never
   reads C. Any m, n, k ≥ 0 and leading dimensions ≥ the stored widths. Each element of C
   depends only on the operands along k and on the path: computing a row or column subset
   through sub-matrices gives bit-identical values. Single-threaded and reentrant (per-thread
   packing buffers, allocated once and grown). Returns 0, or -1 when the path is not
   available on this CPU or the packing buffers cannot be allocated (C untouched). */
enum {
    ATTRACTOR_KERNELS_PORTABLE = 0,
    ATTRACTOR_KERNELS_AVX2 = 1,
    ATTRACTOR_KERNELS_AVX512 = 2,
};
/* 1 when `path` can run on this CPU (portable always). */
int attractor_kernels_available(int path);
/* The best available path. */
int attractor_kernels_automatic(void);
/* The path attractor_sgemm uses (the automatic one until forced). */
int attractor_kernels_current(void);
/* Makes attractor_sgemm use `path` (-1: back to automatic). Returns 0, or -1 when the path
   is unknown or not available on this CPU (the current path is then unchanged). */
int attractor_kernels_force(int path);
int attractor_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc);
/* The same on an explicit path, ignoring the current one. */
int attractor_sgemm_on_path(int path, int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a,
                            long lda, const float *b, long ldb, float beta, float *c, long ldc);
/* SiLU-gated unit (gated.c): out = silu(gate)·up over rows × columns (row strides in_stride
   for gate/up, out_stride for out), and its VJP dgate = dout·up·silu'(gate), dup =
   dout·silu(gate). `path` as above (AVX-512 or portable code); every element takes the same
   arithmetic whatever its position, so splitting the rows changes no value. */
void attractor_silu_gate_forward_f32(int path, long rows, long columns, const float *gate, const float *up,
                                     long in_stride, float *out, long out_stride);
void attractor_silu_gate_backward_f32(int path, long rows, long columns, const float *dout, long out_stride,
                                      const float *gate, const float *up, long in_stride, float *dgate, float *dup);
/* Denormal floats flushed to zero on this thread (FTZ + DAZ in MXCSR) until the matching
   end call, which restores the returned state; no-ops off x86. */
unsigned attractor_flush_denormals_begin(void);
void attractor_flush_denormals_end(unsigned state);
#endif
