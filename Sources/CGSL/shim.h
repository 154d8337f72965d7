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

#endif
