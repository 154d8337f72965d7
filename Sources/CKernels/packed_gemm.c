#include "attractor_kernels.h"
#include "tanh_avx512.h"

/* Panel layout: columns [j0, j0 + w) with w = 32 (or 16 for a last odd half) stored as a
   contiguous k × w block, row kk at packed[offset(j0) + kk*w]. offset(j0) = k * j0 because
   every earlier panel holds k × (its width) floats. */

size_t attractor_sgemm_packed_count(long k, long n) { return (size_t)k * (size_t)n; }

void attractor_sgemm_pack_b(const float *b, long ldb, int transposed, long k, long n, float *packed) {
    for (long j0 = 0; j0 < n; j0 += 32) {
        long w = n - j0 < 32 ? n - j0 : 32;
        float *panel = packed + k * j0;
        for (long kk = 0; kk < k; kk++)
            for (long c = 0; c < w; c++)
                panel[kk * w + c] = transposed ? b[(j0 + c) * ldb + kk] : b[kk * ldb + j0 + c];
    }
}

/* The epilogue and store of one 16-column vector of one row. */
__attribute__((target("avx512f"), always_inline))
static inline void attractor_finish(__m512 v, const float *bias, int epilogue, const float *aux, float *c) {
    if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias));
    if (epilogue == ATTRACTOR_EPILOGUE_TANH) {
        v = attractor_tanh_zmm(v);
    } else if (epilogue == ATTRACTOR_EPILOGUE_TANH_DERIVATIVE) {
        __m512 t = _mm512_loadu_ps(aux);
        v = _mm512_mul_ps(v, _mm512_fnmadd_ps(t, t, _mm512_set1_ps(1.0f)));
    }
    _mm512_storeu_ps(c, v);
}

/* R rows (R ≤ 8, a compile-time constant after inlining) × (W = 16 or 32) columns of C over
   the whole k: the 2R accumulators stay in registers, each k step is W/16 loads of B, R
   broadcasts of A and R·W/16 FMAs. A's element (r, kk) is a[r*ars + kk*aks] and B's row kk
   starts at b + kk*bks, so one tile serves both A·B (packed B) and Aᵀ·B (B read in place).
   accumulate starts from C instead of zero. */
__attribute__((target("avx512f,fma"), always_inline))
static inline void attractor_tile(const int R, const int W, long k, const float *a, long ars, long aks,
                                  const float *b, long bks, int accumulate, const float *bias, int epilogue,
                                  const float *aux, long ldaux, float *c, long ldc) {
    __m512 acc0[8], acc1[8];
    for (int r = 0; r < R; r++) {
        acc0[r] = accumulate ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
        acc1[r] = accumulate && W == 32 ? _mm512_loadu_ps(c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (long kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(b + kk * bks);
        __m512 b1 = W == 32 ? _mm512_loadu_ps(b + kk * bks + 16) : b0;
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_set1_ps(a[r * ars + kk * aks]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            if (W == 32) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        attractor_finish(acc0[r], bias, epilogue, aux ? aux + r * ldaux : 0, c + r * ldc);
        if (W == 32)
            attractor_finish(acc1[r], bias ? bias + 16 : 0, epilogue, aux ? aux + r * ldaux + 16 : 0,
                             c + r * ldc + 16);
    }
}

#define ATTRACTOR_TILE_CASE(R, ARS, AKS, B, BKS, ACC, BIAS, EPI, AUX)                                     \
    case R:                                                                                           \
        if (w == 32) attractor_tile(R, 32, k, ar, ARS, AKS, B, BKS, ACC, BIAS, EPI, AUX, ldaux, cr, ldc);   \
        else attractor_tile(R, 16, k, ar, ARS, AKS, B, BKS, ACC, BIAS, EPI, AUX, ldaux, cr, ldc);           \
        break;
#define ATTRACTOR_TILE_SWITCH(...)                                                                    \
    switch (rows) {                                                                                   \
        ATTRACTOR_TILE_CASE(8, __VA_ARGS__) ATTRACTOR_TILE_CASE(7, __VA_ARGS__)                       \
        ATTRACTOR_TILE_CASE(6, __VA_ARGS__) ATTRACTOR_TILE_CASE(5, __VA_ARGS__)                       \
        ATTRACTOR_TILE_CASE(4, __VA_ARGS__) ATTRACTOR_TILE_CASE(3, __VA_ARGS__)                       \
        ATTRACTOR_TILE_CASE(2, __VA_ARGS__) ATTRACTOR_TILE_CASE(1, __VA_ARGS__)                       \
    }

__attribute__((target("avx512f,fma")))
void attractor_sgemm_packed_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                                   const float *bias, int epilogue, const float *aux, long ldaux,
                                   float *c, long ldc) {
    for (long j0 = 0; j0 < n; j0 += 32) {
        const long w = n - j0 < 32 ? n - j0 : 32;
        const float *panel = packed + k * j0;
        const float *bj = bias ? bias + j0 : 0;
        for (long i0 = 0; i0 < m; i0 += 8) {
            const long rows = m - i0 < 8 ? m - i0 : 8;
            const float *ar = a + i0 * lda;
            const float *xr = aux ? aux + i0 * ldaux + j0 : 0;
            float *cr = c + i0 * ldc + j0;
            ATTRACTOR_TILE_SWITCH(lda, 1, panel, w, 0, bj, epilogue, xr)
        }
    }
}

__attribute__((target("avx512f,fma")))
void attractor_sgemm_tn_accumulate_avx512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                          float *c, long ldc) {
    const long ldaux = 0;
    for (long j0 = 0; j0 < n; j0 += 32) {
        const long w = n - j0 < 32 ? n - j0 : 32;
        const float *bj = b + j0;
        for (long i0 = 0; i0 < m; i0 += 8) {
            const long rows = m - i0 < 8 ? m - i0 : 8;
            const float *ar = a + i0;
            float *cr = c + i0 * ldc + j0;
            ATTRACTOR_TILE_SWITCH(1, lda, bj, ldb, 1, 0, ATTRACTOR_EPILOGUE_NONE, 0)
        }
    }
}

void attractor_add_column_sums_f32(long m, long n, const float *a, long lda, float *out) {
    for (long r = 0; r < m; r++) {
        const float *row = a + r * lda;
        for (long j = 0; j < n; j++) out[j] += row[j];
    }
}
