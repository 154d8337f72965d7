#include "attractor_kernels.h"
#include <immintrin.h>

/* 12 independent chains of 16-lane FMAs (enough to cover the FMA latency on current x86
   cores), `iterations` rounds: 12·16·2 = 384 flops a round. The asm barrier keeps the chains
   in registers and stops the compiler from folding the loop. Returns a value that depends
   on every chain so the work cannot be discarded. */
__attribute__((target("avx512f,fma")))
float attractor_fma_peak_avx512(long iterations) {
    const __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(1e-7f);
    __m512 a0 = x, a1 = y, a2 = x, a3 = y, a4 = x, a5 = y, a6 = x, a7 = y, a8 = x, a9 = y, a10 = x, a11 = y;
    for (long k = 0; k < iterations; k++) {
        a0 = _mm512_fmadd_ps(a0, x, y); a1 = _mm512_fmadd_ps(a1, x, y); a2 = _mm512_fmadd_ps(a2, x, y);
        a3 = _mm512_fmadd_ps(a3, x, y); a4 = _mm512_fmadd_ps(a4, x, y); a5 = _mm512_fmadd_ps(a5, x, y);
        a6 = _mm512_fmadd_ps(a6, x, y); a7 = _mm512_fmadd_ps(a7, x, y); a8 = _mm512_fmadd_ps(a8, x, y);
        a9 = _mm512_fmadd_ps(a9, x, y); a10 = _mm512_fmadd_ps(a10, x, y); a11 = _mm512_fmadd_ps(a11, x, y);
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7),
                              "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma")))
float attractor_fma_peak_avx2(long iterations) {
    const __m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(1e-7f);
    __m256 a0 = x, a1 = y, a2 = x, a3 = y, a4 = x, a5 = y, a6 = x, a7 = y, a8 = x, a9 = y, a10 = x, a11 = y;
    for (long k = 0; k < iterations; k++) {
        a0 = _mm256_fmadd_ps(a0, x, y); a1 = _mm256_fmadd_ps(a1, x, y); a2 = _mm256_fmadd_ps(a2, x, y);
        a3 = _mm256_fmadd_ps(a3, x, y); a4 = _mm256_fmadd_ps(a4, x, y); a5 = _mm256_fmadd_ps(a5, x, y);
        a6 = _mm256_fmadd_ps(a6, x, y); a7 = _mm256_fmadd_ps(a7, x, y); a8 = _mm256_fmadd_ps(a8, x, y);
        a9 = _mm256_fmadd_ps(a9, x, y); a10 = _mm256_fmadd_ps(a10, x, y); a11 = _mm256_fmadd_ps(a11, x, y);
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7),
                              "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

/* Baseline x86-64 (SSE2) has no FMA: the ceiling is separate multiplies and adds issued
   side by side. 7 independent multiply chains and 7 independent add chains of 4 lanes (14
   of the 16 xmm registers, x and y in the other two): 14·4 = 56 flops a round. */
#if defined(__x86_64__) || defined(__i386__)
long attractor_mul_add_peak_baseline_flops(void) { return 56; }

float attractor_mul_add_peak_baseline(long iterations) {
    const __m128 x = _mm_set1_ps(1.0000001f), y = _mm_set1_ps(1e-7f);
    __m128 m0 = x, m1 = x, m2 = x, m3 = x, m4 = x, m5 = x, m6 = x;
    __m128 a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y, a6 = y;
    for (long k = 0; k < iterations; k++) {
        m0 = _mm_mul_ps(m0, x); a0 = _mm_add_ps(a0, y); m1 = _mm_mul_ps(m1, x); a1 = _mm_add_ps(a1, y);
        m2 = _mm_mul_ps(m2, x); a2 = _mm_add_ps(a2, y); m3 = _mm_mul_ps(m3, x); a3 = _mm_add_ps(a3, y);
        m4 = _mm_mul_ps(m4, x); a4 = _mm_add_ps(a4, y); m5 = _mm_mul_ps(m5, x); a5 = _mm_add_ps(a5, y);
        m6 = _mm_mul_ps(m6, x); a6 = _mm_add_ps(a6, y);
        __asm__ volatile("" : "+x"(m0), "+x"(m1), "+x"(m2), "+x"(m3), "+x"(m4), "+x"(m5), "+x"(m6), "+x"(a0),
                              "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6));
    }
    __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(m0, m1), _mm_add_ps(m2, m3)), _mm_add_ps(_mm_add_ps(m4, m5), m6));
    s = _mm_add_ps(s, _mm_add_ps(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)), _mm_add_ps(_mm_add_ps(a4, a5), a6)));
    float lanes[4];
    _mm_storeu_ps(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#else
/* Other architectures: 12 scalar chains (the compiler may fuse them into FMAs). */
long attractor_mul_add_peak_baseline_flops(void) { return 24; }

float attractor_mul_add_peak_baseline(long iterations) {
    float a[12];
    for (int i = 0; i < 12; i++) a[i] = i % 2 ? 1e-7f : 1.0000001f;
    for (long k = 0; k < iterations; k++) {
        for (int i = 0; i < 12; i++) a[i] = a[i] * 1.0000001f + 1e-7f;
        __asm__ volatile("" : : "r"(a) : "memory");
    }
    float s = 0;
    for (int i = 0; i < 12; i++) s += a[i];
    return s;
}
#endif
