#ifndef ATTRACTOR_CGSL_SHIM_H
#define ATTRACTOR_CGSL_SHIM_H

#include <dlfcn.h>
#include <stddef.h>

/* CBLAS from OpenBLAS (not GSL's gsl_cblas.h: the two declare the same enums). */
#include <cblas.h>
/* Some GSL headers pull in gsl_blas_types.h -> gsl_cblas.h, whose prototypes clash with
   OpenBLAS's. OpenBLAS's cblas.h already defines the CBLAS enums GSL needs, so mark
   GSL's CBLAS header as included. */
#define __GSL_CBLAS_H__ 1

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_matrix_double.h>
#include <gsl/gsl_vector_double.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_version.h>

/* gsl_rng_mt19937 is an exported variable; Swift imports it as a mutable global,
   which strict concurrency rejects. A function is simpler to call. */
static inline const gsl_rng_type *attractor_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_odeiv2_step_type *attractor_gsl_odeiv2_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *attractor_gsl_odeiv2_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *attractor_gsl_odeiv2_msbdf(void) { return gsl_odeiv2_step_msbdf; }
static inline const gsl_odeiv2_step_type *attractor_gsl_odeiv2_rk4(void) { return gsl_odeiv2_step_rk4; }

/* The file name of the shared object that serves `symbol` in the global scope, or NULL. */
/* glibc's Dl_info/dladdr need _GNU_SOURCE, which would make this module's system types
   differ from Swift's Glibc module; declare the layout-identical struct under our own name
   and bind to dladdr by its assembler name. RTLD_DEFAULT is the null handle in glibc. */
typedef struct {
    const char *dli_fname;
    void *dli_fbase;
    const char *dli_sname;
    void *dli_saddr;
} attractor_dl_info;
extern int attractor_dladdr(const void *address, attractor_dl_info *info) __asm__("dladdr");

static inline const char *attractor_library_serving(const char *symbol) {
    void *address = dlsym((void *)0, symbol);
    attractor_dl_info info;
    if (address == NULL || attractor_dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}

static inline const char *attractor_gsl_version(void) { return GSL_VERSION; }

/* Vectorised tanh over floats (see AttractorNumerics/TanhKernel.swift for the math).
   Branch-free so the loop vectoriser widens it; the AVX2/FMA copy is compiled for those
   instructions and chosen at run time. */
#include <stdint.h>
#include <string.h>
#include <math.h>
#define ATTRACTOR_TANH_F32_LOOP                                                     \
    for (long i = 0; i < n; i++) {                                                  \
        float v = x[i];                                                             \
        float a = fabsf(v);                                                         \
        a = a < 9.0f ? a : 9.0f;                                                    \
        float y = 2.0f * a;                                                         \
        float shifted = y * 1.44269504f + 12582912.0f;                              \
        float k = shifted - 12582912.0f;                                            \
        float r = (y - k * 0.693359375f) - k * -2.12194440e-4f;                     \
        float q = r * (1.0f / 5040.0f) + (1.0f / 720.0f);                           \
        q = q * r + (1.0f / 120.0f);                                                \
        q = q * r + (1.0f / 24.0f);                                                 \
        q = q * r + (1.0f / 6.0f);                                                  \
        q = q * r + 0.5f;                                                           \
        q = q * r + 1.0f;                                                           \
        q = q * r;                                                                  \
        int32_t bits;                                                               \
        memcpy(&bits, &shifted, 4);                                                 \
        bits = (bits - 0x4B400000 + 127) << 23;                                     \
        float scale;                                                                \
        memcpy(&scale, &bits, 4);                                                   \
        float m = scale * q + (scale - 1.0f);                                       \
        x[i] = copysignf(m / (m + 2.0f), v);                                        \
    }
__attribute__((target("avx2,fma")))
static inline void attractor_tanh_f32_avx2(float *x, long n) { ATTRACTOR_TANH_F32_LOOP }
static inline int attractor_cpu_has_avx2_fma(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* AVX-512 copy: 16 lanes, and the final division replaced by rcp14 + one Newton step
   (relative error ~2^-28 before rounding, below Float's half-ulp). */
#include <immintrin.h>
__attribute__((target("avx512f")))
static inline void attractor_tanh_f32_avx512(float *x, long n) {
    const __m512 nine = _mm512_set1_ps(9.0f), two = _mm512_set1_ps(2.0f), one = _mm512_set1_ps(1.0f);
    const __m512 magic = _mm512_set1_ps(12582912.0f), log2e = _mm512_set1_ps(1.44269504f);
    const __m512 ln2hi = _mm512_set1_ps(0.693359375f), ln2lo = _mm512_set1_ps(-2.12194440e-4f);
    const __m512i signmask = _mm512_set1_epi32((int)0x80000000);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512i vbits = _mm512_castps_si512(v);
        __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(signmask, vbits));
        a = _mm512_min_ps(a, nine);
        __m512 y = _mm512_mul_ps(two, a);
        __m512 shifted = _mm512_fmadd_ps(y, log2e, magic);
        __m512 k = _mm512_sub_ps(shifted, magic);
        __m512 r = _mm512_fnmadd_ps(k, ln2lo, _mm512_fnmadd_ps(k, ln2hi, y));
        __m512 q = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 5040.0f), _mm512_set1_ps(1.0f / 720.0f));
        q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(1.0f / 120.0f));
        q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(1.0f / 24.0f));
        q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(1.0f / 6.0f));
        q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0.5f));
        q = _mm512_fmadd_ps(q, r, one);
        q = _mm512_mul_ps(q, r);
        __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(shifted),
                                      _mm512_castps_si512(magic)), _mm512_set1_epi32(127)), 23);
        __m512 scale = _mm512_castsi512_ps(e);
        __m512 m = _mm512_fmadd_ps(scale, q, _mm512_sub_ps(scale, one));
        __m512 den = _mm512_add_ps(m, two);
        __m512 rcp = _mm512_rcp14_ps(den);
        rcp = _mm512_mul_ps(rcp, _mm512_fnmadd_ps(den, rcp, two));
        __m512 t = _mm512_mul_ps(m, rcp);
        __m512i tb = _mm512_or_si512(_mm512_castps_si512(t), _mm512_and_si512(vbits, signmask));
        _mm512_storeu_ps(x + i, _mm512_castsi512_ps(tb));
    }
    if (i < n) attractor_tanh_f32_avx2(x + i, n - i);
}
static inline int attractor_cpu_has_avx512f(void) { return __builtin_cpu_supports("avx512f"); }

#endif
