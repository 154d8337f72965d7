/* General single-precision matrix product, row-major:
       C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
   BLIS-style: op(B) is packed into k-blocks of KC rows × NR-column micro-panels, op(A) into
   KC × MR micro-panels, and a register-blocked micro-kernel computes one MR × NR tile of C
   per (micro-panel of A, micro-panel of B) pair. Three micro-kernels, chosen at run time:
   AVX-512F (14 × 32), AVX2+FMA (6 × 16) and portable C (4 × 8).

   Determinism: every element C[i][j] is computed the same way whatever m, n, the element's
   position or the way a caller splits the product into row or column blocks:
     - the k-blocks are fixed (KC from p = 0), independent of m and n;
     - inside a k-block the tile accumulates one product per k step in increasing k, in its
       own register lane (vector lanes never mix), starting from zero;
     - each k-block's partial sum is folded into C with the same formula for full and edge
       tiles (edge tiles use the same kernel with masked loads and stores; the zero padding
       of the packed panels only feeds lanes that are never stored);
     - there is no split-k and no reduction across lanes.
   So a row (or column) subset of C computed by a call on the sub-matrices is bit-identical
   to the same rows of the full product, on the same path. Different paths round
   differently (the portable path does not use FMA on baseline x86-64).

   Single-threaded, reentrant: the packing buffers are per thread, allocated on first use
   and grown when a larger product needs it, never per call after that. */
#include "attractor_kernels.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define ATTRACTOR_HAVE_PTHREAD 1
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ATTRACTOR_X86 1
#endif

/* The k-block length is part of the summation order, so it is one constant for every path
   and every shape. 256 rows of a 32-wide B micro-panel is 32 KiB: it stays in a 48 KiB L1
   while the A micro-panels stream past it. */
enum { KC = 256 };
/* Rows of op(A) packed at a time (a multiple of each path's MR): 14·24 rows × KC ≈ 344 KiB,
   resident in L2. Columns of op(B) packed at a time: 1024 × KC ≈ 1 MiB. Neither changes the
   result, only the traffic. */
enum { MC = 336, NC = 1024 };

/* ---------------------------------------------------------------------------------------
   Per-thread packing buffers. */

typedef struct {
    float *a, *b;
    size_t a_capacity, b_capacity; /* in floats */
} pack_buffers;

static _Thread_local pack_buffers thread_buffers;

#ifdef ATTRACTOR_HAVE_PTHREAD
/* A thread-exit destructor frees the buffers of threads that end (the key's value is only
   a flag: the buffers live in the thread-local struct, reachable from the destructor's
   thread). */
static pthread_key_t buffers_key;
static pthread_once_t buffers_key_once = PTHREAD_ONCE_INIT;
static void free_thread_buffers(void *unused) {
    (void)unused;
    free(thread_buffers.a);
    free(thread_buffers.b);
    memset(&thread_buffers, 0, sizeof thread_buffers);
}
static void make_buffers_key(void) { pthread_key_create(&buffers_key, free_thread_buffers); }
#endif

/* 64-byte aligned space for at least `count` floats, reusing *buffer when it is big enough.
   Returns 0 when the allocation fails. */
static float *reserve(float **buffer, size_t *capacity, size_t count) {
    if (count <= *capacity) return *buffer;
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    float *fresh = aligned_alloc(64, bytes);
    if (!fresh) return 0;
    free(*buffer);
    *buffer = fresh;
    *capacity = bytes / sizeof(float);
#ifdef ATTRACTOR_HAVE_PTHREAD
    pthread_once(&buffers_key_once, make_buffers_key);
    pthread_setspecific(buffers_key, &thread_buffers);
#endif
    return fresh;
}

/* ---------------------------------------------------------------------------------------
   Packing. op(A)[i][p] = trans ? a[p*lda + i] : a[i*lda + p], likewise op(B). Padding rows
   (columns) past the matrix edge are zero so the kernel never reads garbage that could
   raise floating-point exceptions; their lanes are never stored. */

/* mc rows from i0 and kc columns from p0 of op(A) into ceil(mc/MR) micro-panels, each kc
   steps of MR consecutive floats. */
__attribute__((always_inline))
static inline void pack_a(const int MR, const float *a, long lda, int trans, long i0, long mc, long p0, long kc,
                          float *dst) {
    for (long ir = 0; ir < mc; ir += MR, dst += MR * kc) {
        const long rows = mc - ir < MR ? mc - ir : MR;
        if (trans) {
            /* op(A) rows are columns of a: each k step reads `rows` contiguous floats. */
            for (long p = 0; p < kc; p++) {
                const float *src = a + (p0 + p) * lda + i0 + ir;
                float *d = dst + p * MR;
                for (long r = 0; r < rows; r++) d[r] = src[r];
                for (long r = rows; r < MR; r++) d[r] = 0.0f;
            }
        } else {
            /* Read each row of a contiguously, write with stride MR. */
            for (long r = 0; r < rows; r++) {
                const float *src = a + (i0 + ir + r) * lda + p0;
                for (long p = 0; p < kc; p++) dst[p * MR + r] = src[p];
            }
            for (long r = rows; r < MR; r++)
                for (long p = 0; p < kc; p++) dst[p * MR + r] = 0.0f;
        }
    }
}

/* kc rows from p0 and nc columns from j0 of op(B) into ceil(nc/NR) micro-panels, each kc
   steps of NR consecutive floats. */
__attribute__((always_inline))
static inline void pack_b(const int NR, const float *b, long ldb, int trans, long p0, long kc, long j0, long nc,
                          float *dst) {
    for (long jr = 0; jr < nc; jr += NR, dst += NR * kc) {
        const long cols = nc - jr < NR ? nc - jr : NR;
        if (!trans) {
            for (long p = 0; p < kc; p++) {
                const float *src = b + (p0 + p) * ldb + j0 + jr;
                float *d = dst + p * NR;
                for (long c = 0; c < cols; c++) d[c] = src[c];
                for (long c = cols; c < NR; c++) d[c] = 0.0f;
            }
        } else {
            for (long c = 0; c < cols; c++) {
                const float *src = b + (j0 + jr + c) * ldb + p0;
                for (long p = 0; p < kc; p++) dst[p * NR + c] = src[p];
            }
            for (long c = cols; c < NR; c++)
                for (long p = 0; p < kc; p++) dst[p * NR + c] = 0.0f;
        }
    }
}

/* ---------------------------------------------------------------------------------------
   The blocked driver, shared by the paths (inlined into each path's target-attributed entry
   point so the packing loops are compiled for that ISA too). The micro-kernel contract:
       tile = Σ_{p<kc} ap[p*MR + r] · bp[p*NR + c]   (in increasing p, from zero)
       C[r][c] = alpha·tile + beta·C[r][c]   for r < mr, c < nr
   with beta = 0 meaning C is not read. Later k-blocks pass beta = 1 (C + alpha·tile). */
typedef void (*micro_kernel)(long kc, const float *ap, const float *bp, float *c, long ldc, long mr, long nr,
                             float alpha, float beta);
/* Packs `count` rows (pack A) or columns (pack B) from `start`, k steps p0 ..< p0 + kc, into
   micro-panels (the argument order of pack_a; pack_b's wrappers reorder). */
typedef void (*packer)(const float *x, long ldx, int trans, long start, long count, long p0, long kc, float *dst);

__attribute__((always_inline))
static inline int blocked_sgemm(const int MR, const int NR, micro_kernel kernel, packer pack_a_panels,
                                packer pack_b_panels, int trans_a, int trans_b, long m,
                                long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                                float beta, float *c, long ldc) {
    pack_buffers *buffers = &thread_buffers;
    const long mc_max = m < MC ? m : MC, nc_max = n < NC ? n : NC, kc_max = k < KC ? k : KC;
    const size_t a_count = (size_t)((mc_max + MR - 1) / MR * MR) * (size_t)kc_max;
    const size_t b_count = (size_t)((nc_max + NR - 1) / NR * NR) * (size_t)kc_max;
    float *ap = reserve(&buffers->a, &buffers->a_capacity, a_count);
    float *bp = reserve(&buffers->b, &buffers->b_capacity, b_count);
    if (!ap || !bp) return -1;

    for (long j0 = 0; j0 < n; j0 += NC) {
        const long nc = n - j0 < NC ? n - j0 : NC;
        for (long p0 = 0; p0 < k; p0 += KC) {
            const long kc = k - p0 < KC ? k - p0 : KC;
            /* The first k-block applies the caller's beta; later ones add to what is there. */
            const float block_beta = p0 == 0 ? beta : 1.0f;
            pack_b_panels(b, ldb, trans_b, j0, nc, p0, kc, bp);
            for (long i0 = 0; i0 < m; i0 += MC) {
                const long mc = m - i0 < MC ? m - i0 : MC;
                pack_a_panels(a, lda, trans_a, i0, mc, p0, kc, ap);
                for (long jr = 0; jr < nc; jr += NR) {
                    const long nr = nc - jr < NR ? nc - jr : NR;
                    for (long ir = 0; ir < mc; ir += MR) {
                        const long mr = mc - ir < MR ? mc - ir : MR;
                        kernel(kc, ap + ir * kc, bp + jr * kc, c + (i0 + ir) * ldc + j0 + jr, ldc, mr, nr, alpha,
                               block_beta);
                    }
                }
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
   Portable micro-kernel: 4 × 8, plain loops the compiler may vectorise for the baseline
   ISA. The same function serves every tile, so edge tiles round exactly as full ones. */
enum { PORTABLE_MR = 4, PORTABLE_NR = 8 };

static void kernel_portable(long kc, const float *ap, const float *bp, float *c, long ldc, long mr, long nr,
                            float alpha, float beta) {
    float acc[PORTABLE_MR][PORTABLE_NR] = {{0}};
    for (long p = 0; p < kc; p++) {
        const float *bk = bp + p * PORTABLE_NR;
        for (int r = 0; r < PORTABLE_MR; r++) {
            const float ar = ap[p * PORTABLE_MR + r];
            for (int j = 0; j < PORTABLE_NR; j++) acc[r][j] += ar * bk[j];
        }
    }
    for (long r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        if (beta == 0.0f)
            for (long j = 0; j < nr; j++) cr[j] = alpha * acc[r][j];
        else
            for (long j = 0; j < nr; j++) cr[j] = beta * cr[j] + alpha * acc[r][j];
    }
}

static void pack_a_portable(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst) {
    pack_a(PORTABLE_MR, a, lda, trans, i0, mc, p0, kc, dst);
}
static void pack_b_portable(const float *b, long ldb, int trans, long j0, long nc, long p0, long kc, float *dst) {
    pack_b(PORTABLE_NR, b, ldb, trans, p0, kc, j0, nc, dst);
}

static int sgemm_portable(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc) {
    return blocked_sgemm(PORTABLE_MR, PORTABLE_NR, kernel_portable, pack_a_portable, pack_b_portable, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                         ldc);
}

#ifdef ATTRACTOR_X86
/* ---------------------------------------------------------------------------------------
   AVX2 + FMA micro-kernel: 6 rows × 16 columns = 12 ymm accumulators, 2 for the B row and
   one broadcast of A (15 of the 16 registers). Column tails use masked loads and stores. */
enum { AVX2_MR = 6, AVX2_NR = 16 };

__attribute__((target("avx2,fma"), always_inline))
static inline __m256i avx2_column_mask(long valid) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)valid), lanes);
}

/* C = alpha·acc + beta·C on the lanes of `mask` (beta = 0: C is not read). One formula, an
   FMA on alpha·acc, for every tile. */
__attribute__((target("avx2,fma"), always_inline))
static inline void avx2_update(float *c, __m256 acc, __m256i mask, int full, __m256 alpha, __m256 beta, int read_c) {
    __m256 v = _mm256_mul_ps(alpha, acc);
    if (read_c) v = _mm256_fmadd_ps(beta, full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, mask), v);
    if (full) _mm256_storeu_ps(c, v);
    else _mm256_maskstore_ps(c, mask, v);
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(long kc, const float *ap, const float *bp, float *c, long ldc, long mr, long nr,
                        float alpha, float beta) {
    __m256 acc0[AVX2_MR], acc1[AVX2_MR];
    _Pragma("unroll") for (int r = 0; r < AVX2_MR; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_load_ps(bp + p * AVX2_NR), b1 = _mm256_load_ps(bp + p * AVX2_NR + 8);
        _Pragma("unroll") for (int r = 0; r < AVX2_MR; r++) {
            const __m256 av = _mm256_broadcast_ss(ap + p * AVX2_MR + r);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int read_c = beta != 0.0f;
    const __m256i m0 = avx2_column_mask(nr), m1 = avx2_column_mask(nr - 8);
    const int full0 = nr >= 8, full1 = nr >= 16;
    _Pragma("unroll") for (int r = 0; r < AVX2_MR; r++) {
        if (r >= mr) break;
        avx2_update(c + r * ldc, acc0[r], m0, full0, va, vb, read_c);
        if (nr > 8) avx2_update(c + r * ldc + 8, acc1[r], m1, full1, va, vb, read_c);
    }
}

/* In-register transpose of an 8 × 8 block (r[q] becomes column q): unpacks pair rows, 4-float
   shuffles gather 4-row pieces, 128-bit permutes join the halves. */
__attribute__((target("avx2,fma"), always_inline))
static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) {
        u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    for (int q = 0; q < 4; q++) {
        r[q] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x20);
        r[q + 4] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x31);
    }
}

/* AVX2 counterparts of the AVX-512 packers below (see there): transposing through 8 × 8
   register blocks, and masked 8-lane copies. */
__attribute__((target("avx2,fma"), always_inline))
static inline void pack_transposing_avx2(const int W, const float *x, long ldx, long start, long count, long p0,
                                         long kc, float *dst) {
    for (long l0 = 0; l0 < count; l0 += W, dst += W * kc) {
        const long lines = count - l0 < W ? count - l0 : W;
        for (long p = 0; p < kc; p += 8) {
            const long steps = kc - p < 8 ? kc - p : 8;
            const __m256i step_mask = avx2_column_mask(steps);
            for (int h = 0; h < W; h += 8) {
                __m256 r[8];
                for (int q = 0; q < 8; q++)
                    r[q] = h + q < lines ? _mm256_maskload_ps(x + (start + l0 + h + q) * ldx + p0 + p, step_mask)
                                         : _mm256_setzero_ps();
                transpose8(r);
                const int width = W - h < 8 ? W - h : 8;
                const __m256i width_mask = avx2_column_mask(width);
                for (int q = 0; q < steps; q++) _mm256_maskstore_ps(dst + (p + q) * W + h, width_mask, r[q]);
            }
        }
    }
}

__attribute__((target("avx2,fma"), always_inline))
static inline void pack_copying_avx2(const int W, const float *x, long ldx, long start, long count, long p0, long kc,
                                     float *dst) {
    for (long l0 = 0; l0 < count; l0 += W, dst += W * kc) {
        const long lines = count - l0 < W ? count - l0 : W;
        for (int h = 0; h < W; h += 8) {
            const long valid = lines - h < 0 ? 0 : lines - h < 8 ? lines - h : 8;
            const __m256i load_mask = avx2_column_mask(valid);
            const __m256i store_mask = avx2_column_mask(W - h < 8 ? W - h : 8);
            const float *src = x + p0 * ldx + start + l0 + h;
            if (valid == 8 && W - h >= 8) /* the common full slab: plain moves (masked ones are slower) */
                for (long p = 0; p < kc; p++) _mm256_storeu_ps(dst + p * W + h, _mm256_loadu_ps(src + p * ldx));
            else
                for (long p = 0; p < kc; p++)
                    _mm256_maskstore_ps(dst + p * W + h, store_mask, _mm256_maskload_ps(src + p * ldx, load_mask));
        }
    }
}

__attribute__((target("avx2,fma")))
static void pack_a_avx2(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst) {
    if (trans) pack_copying_avx2(AVX2_MR, a, lda, i0, mc, p0, kc, dst);
    else pack_transposing_avx2(AVX2_MR, a, lda, i0, mc, p0, kc, dst);
}
__attribute__((target("avx2,fma")))
static void pack_b_avx2(const float *b, long ldb, int trans, long j0, long nc, long p0, long kc, float *dst) {
    if (trans) pack_transposing_avx2(AVX2_NR, b, ldb, j0, nc, p0, kc, dst);
    else pack_copying_avx2(AVX2_NR, b, ldb, j0, nc, p0, kc, dst);
}

__attribute__((target("avx2,fma")))
static int sgemm_avx2(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
                      long ldb, float beta, float *c, long ldc) {
    return blocked_sgemm(AVX2_MR, AVX2_NR, kernel_avx2, pack_a_avx2, pack_b_avx2, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ---------------------------------------------------------------------------------------
   AVX-512 micro-kernel: 14 rows × 32 columns = 28 zmm accumulators and 2 for the B row; the
   A element is broadcast straight from memory into the FMA ({1to16} operand), so 30 of the
   32 registers hold the tile. Per k step: 2 loads of B, 14 broadcasts, 28 FMAs. */
enum { AVX512_MR = 14, AVX512_NR = 32 };

__attribute__((target("avx512f"), always_inline))
static inline void avx512_update(float *c, __m512 acc, __mmask16 mask, __m512 alpha, __m512 beta, int read_c) {
    __m512 v = _mm512_mul_ps(alpha, acc);
    if (read_c) v = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(mask, c), v);
    _mm512_mask_storeu_ps(c, mask, v);
}

__attribute__((target("avx512f,fma")))
static void kernel_avx512(long kc, const float *ap, const float *bp, float *c, long ldc, long mr, long nr,
                          float alpha, float beta) {
    __m512 acc0[AVX512_MR], acc1[AVX512_MR];
    _Pragma("unroll") for (int r = 0; r < AVX512_MR; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_load_ps(bp + p * AVX512_NR), b1 = _mm512_load_ps(bp + p * AVX512_NR + 16);
        _Pragma("unroll") for (int r = 0; r < AVX512_MR; r++) {
            const __m512 av = _mm512_set1_ps(ap[p * AVX512_MR + r]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const int read_c = beta != 0.0f;
    const __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
    const __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1u) : 0;
    _Pragma("unroll") for (int r = 0; r < AVX512_MR; r++) {
        if (r >= mr) break;
        avx512_update(c + r * ldc, acc0[r], m0, va, vb, read_c);
        if (m1) avx512_update(c + r * ldc + 16, acc1[r], m1, va, vb, read_c);
    }
}

/* In-register transpose of a 16 × 16 block: r[q] becomes column q of the input rows.
   Unpacks interleave pairs of rows within 128-bit lanes, then two rounds of 128-bit lane
   shuffles gather each column's four 4-row pieces (64 shuffles for 256 floats). */
__attribute__((target("avx512f"), always_inline))
static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#define ATTRACTOR_PD(x) _mm512_castps_pd(x)
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(ATTRACTOR_PD(t[4 * i]), ATTRACTOR_PD(t[4 * i + 2])));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(ATTRACTOR_PD(t[4 * i]), ATTRACTOR_PD(t[4 * i + 2])));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(ATTRACTOR_PD(t[4 * i + 1]), ATTRACTOR_PD(t[4 * i + 3])));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(ATTRACTOR_PD(t[4 * i + 1]), ATTRACTOR_PD(t[4 * i + 3])));
    }
#undef ATTRACTOR_PD
    /* Now r[4i + q], 128-bit lane L, holds rows 4i..4i+3 of column 4L + q. */
    for (int q = 0; q < 4; q++) {
        t[q] = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x88);
        t[q + 4] = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xdd);
        t[q + 8] = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x88);
        t[q + 12] = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xdd);
    }
    for (int q = 0; q < 4; q++) {
        r[q] = _mm512_shuffle_f32x4(t[q], t[q + 8], 0x88);
        r[q + 8] = _mm512_shuffle_f32x4(t[q], t[q + 8], 0xdd);
        r[q + 4] = _mm512_shuffle_f32x4(t[q + 4], t[q + 12], 0x88);
        r[q + 12] = _mm512_shuffle_f32x4(t[q + 4], t[q + 12], 0xdd);
    }
}

/* Packing when each packed line (a row of op(A), a column of op(B)) is contiguous along k in
   memory — A not transposed, B transposed — so the panel is a transpose: line l's element
   p is x[l*ldx + p]. 16 × 16 blocks go through registers instead of one strided store per
   float, which made packing cost a third of the time of products with a small m or n.
   Lines past `count` are zero, as in the generic packers. */
__attribute__((target("avx512f"), always_inline))
static inline void pack_transposing_avx512(const int W, const float *x, long ldx, long start, long count, long p0,
                                           long kc, float *dst) {
    for (long l0 = 0; l0 < count; l0 += W, dst += W * kc) {
        const long lines = count - l0 < W ? count - l0 : W;
        for (long p = 0; p < kc; p += 16) {
            const long steps = kc - p < 16 ? kc - p : 16;
            const __mmask16 step_mask = steps == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << steps) - 1u);
            for (int h = 0; h < W; h += 16) {
                __m512 r[16];
                for (int q = 0; q < 16; q++)
                    r[q] = h + q < lines ? _mm512_maskz_loadu_ps(step_mask, x + (start + l0 + h + q) * ldx + p0 + p)
                                         : _mm512_setzero_ps();
                transpose16(r);
                const int width = W - h < 16 ? W - h : 16;
                const __mmask16 width_mask = width == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
                for (int q = 0; q < steps; q++) _mm512_mask_storeu_ps(dst + (p + q) * W + h, width_mask, r[q]);
            }
        }
    }
}

/* Packing when each k step of a panel is contiguous in memory — A transposed, B not — so a
   panel row is one (masked) vector copy: W = 14 or 32 floats from x[(p0 + p)*ldx + line].
   Lanes past `count` load as zero. */
__attribute__((target("avx512f"), always_inline))
static inline void pack_copying_avx512(const int W, const float *x, long ldx, long start, long count, long p0,
                                       long kc, float *dst) {
    for (long l0 = 0; l0 < count; l0 += W, dst += W * kc) {
        const long lines = count - l0 < W ? count - l0 : W;
        for (int h = 0; h < W; h += 16) {
            const long valid = lines - h < 0 ? 0 : lines - h < 16 ? lines - h : 16;
            const __mmask16 load_mask = valid == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1u);
            const int width = W - h < 16 ? W - h : 16;
            const __mmask16 store_mask = width == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
            const float *src = x + p0 * ldx + start + l0 + h;
            for (long p = 0; p < kc; p++)
                _mm512_mask_storeu_ps(dst + p * W + h, store_mask, _mm512_maskz_loadu_ps(load_mask, src + p * ldx));
        }
    }
}

__attribute__((target("avx512f,fma")))
static void pack_a_avx512(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst) {
    if (trans) pack_copying_avx512(AVX512_MR, a, lda, i0, mc, p0, kc, dst);
    else pack_transposing_avx512(AVX512_MR, a, lda, i0, mc, p0, kc, dst);
}
__attribute__((target("avx512f,fma")))
static void pack_b_avx512(const float *b, long ldb, int trans, long j0, long nc, long p0, long kc, float *dst) {
    if (trans) pack_transposing_avx512(AVX512_NR, b, ldb, j0, nc, p0, kc, dst);
    else pack_copying_avx512(AVX512_NR, b, ldb, j0, nc, p0, kc, dst);
}

__attribute__((target("avx512f,fma")))
static int sgemm_avx512(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc) {
    return blocked_sgemm(AVX512_MR, AVX512_NR, kernel_avx512, pack_a_avx512, pack_b_avx512, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

/* ---------------------------------------------------------------------------------------
   Dispatch. */

int attractor_kernels_available(int path) {
    switch (path) {
    case ATTRACTOR_KERNELS_PORTABLE: return 1;
#ifdef ATTRACTOR_X86
    case ATTRACTOR_KERNELS_AVX2: return attractor_cpu_has_avx2_fma();
    case ATTRACTOR_KERNELS_AVX512: return attractor_cpu_has_avx512f() && attractor_cpu_has_avx2_fma();
#endif
    default: return 0;
    }
}

int attractor_kernels_automatic(void) {
    if (attractor_kernels_available(ATTRACTOR_KERNELS_AVX512)) return ATTRACTOR_KERNELS_AVX512;
    if (attractor_kernels_available(ATTRACTOR_KERNELS_AVX2)) return ATTRACTOR_KERNELS_AVX2;
    return ATTRACTOR_KERNELS_PORTABLE;
}

/* -1: not chosen yet (the automatic choice on first use). */
static _Atomic int current_path = -1;

int attractor_kernels_current(void) {
    int path = atomic_load_explicit(&current_path, memory_order_relaxed);
    if (path < 0) {
        path = attractor_kernels_automatic();
        int expected = -1;
        /* Another thread may have forced a path meanwhile: keep its choice. */
        if (!atomic_compare_exchange_strong(&current_path, &expected, path)) path = expected;
    }
    return path;
}

int attractor_kernels_force(int path) {
    if (path == -1) path = attractor_kernels_automatic();
    else if (!attractor_kernels_available(path)) return -1;
    atomic_store_explicit(&current_path, path, memory_order_relaxed);
    return 0;
}

/* Scales C by beta (0: overwrite without reading) when there is no product to add: k = 0 or
   alpha = 0, as BLAS does (A and B are then not read). */
static void scale_only(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f) for (long j = 0; j < n; j++) row[j] = 0.0f;
        else if (beta != 1.0f) for (long j = 0; j < n; j++) row[j] *= beta;
    }
}

int attractor_sgemm_on_path(int path, int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a,
                            long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (!attractor_kernels_available(path)) return -1;
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0 || alpha == 0.0f) {
        scale_only(m, n, beta, c, ldc);
        return 0;
    }
    switch (path) {
#ifdef ATTRACTOR_X86
    case ATTRACTOR_KERNELS_AVX512: return sgemm_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    case ATTRACTOR_KERNELS_AVX2: return sgemm_avx2(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
    default: return sgemm_portable(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}

int attractor_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc) {
    return attractor_sgemm_on_path(attractor_kernels_current(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
                                   c, ldc);
}
