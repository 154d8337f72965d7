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
#endif
