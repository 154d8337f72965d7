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

#endif
