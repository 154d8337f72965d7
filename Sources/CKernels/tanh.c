#include "attractor_kernels.h"
#include "tanh_avx512.h"
#include <stdint.h>
#include <string.h>
#include <math.h>

int attractor_cpu_has_avx2_fma(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
int attractor_cpu_has_avx512f(void) { return __builtin_cpu_supports("avx512f"); }

/* Branch-free scalar form of the same formula, so the loop vectoriser widens it to 8 lanes
   when compiled for AVX2/FMA (exact division). */
__attribute__((target("avx2,fma")))
void attractor_tanh_f32_avx2(float *x, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float a = fabsf(v);
        a = a < 9.0f ? a : 9.0f;
        float y = 2.0f * a;
        float shifted = y * 1.44269504f + 12582912.0f;
        float k = shifted - 12582912.0f;
        float r = (y - k * 0.693359375f) - k * -2.12194440e-4f;
        float q = r * (1.0f / 5040.0f) + (1.0f / 720.0f);
        q = q * r + (1.0f / 120.0f);
        q = q * r + (1.0f / 24.0f);
        q = q * r + (1.0f / 6.0f);
        q = q * r + 0.5f;
        q = q * r + 1.0f;
        q = q * r;
        int32_t bits;
        memcpy(&bits, &shifted, 4);
        bits = (bits - 0x4B400000 + 127) << 23;
        float scale;
        memcpy(&scale, &bits, 4);
        float m = scale * q + (scale - 1.0f);
        x[i] = copysignf(m / (m + 2.0f), v);
    }
}

__attribute__((target("avx512f")))
void attractor_tanh_f32_avx512(float *x, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, attractor_tanh_zmm(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(x + i, mask, attractor_tanh_zmm(_mm512_maskz_loadu_ps(mask, x + i)));
    }
}
