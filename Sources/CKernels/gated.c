#include "attractor_kernels.h"
#include <immintrin.h>
#include <math.h>

/* SiLU-gated units (SwiGLU): out = silu(g)·u and its VJP, over `rows` rows of `columns`
   elements with separate row strides. Every element goes through the same arithmetic
   whatever its position (the AVX-512 tail is masked, not a scalar loop), so a product split
   over rows or batches gives bit-identical values — the data-parallel engine relies on it.

   exp is Cephes' expf scheme (as FastExponential.swift): x = n·ln2 + r, degree-7
   polynomial for e^r, 2^n in the exponent bits; the input is clamped to [-87.3, 88.4]. */

static inline float attractor_exp_scalar(float x) {
    float c = fminf(fmaxf(x, -87.33654f), 88.37626f);
    const float magic = 12582912.0f;
    float t = c * 1.44269504f + magic;
    float n = t - magic;
    float r = c - n * 0.693359375f + n * 2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666555e-1f;
    p = p * r + 5.00000012e-1f;
    float er = p * (r * r) + r + 1.0f;
    union { float f; int i; } tb = { t }, sb;
    sb.i = (tb.i + (127 - 0x4B400000)) << 23;
    return er * sb.f;
}

static void attractor_silu_gate_forward_portable(long rows, long columns, const float *gate, const float *up,
                                                 long in_stride, float *out, long out_stride) {
    for (long r = 0; r < rows; r++) {
        const float *g = gate + r * in_stride, *u = up + r * in_stride;
        float *o = out + r * out_stride;
        for (long j = 0; j < columns; j++) {
            float x = g[j];
            o[j] = x / (1.0f + attractor_exp_scalar(-x)) * u[j];
        }
    }
}

static void attractor_silu_gate_backward_portable(long rows, long columns, const float *dout, long out_stride,
                                                  const float *gate, const float *up, long in_stride,
                                                  float *dgate, float *dup) {
    for (long r = 0; r < rows; r++) {
        const float *g = gate + r * in_stride, *u = up + r * in_stride, *d = dout + r * out_stride;
        float *dg = dgate + r * in_stride, *du = dup + r * in_stride;
        for (long j = 0; j < columns; j++) {
            float x = g[j], s = 1.0f / (1.0f + attractor_exp_scalar(-x)), dj = d[j];
            dg[j] = dj * u[j] * (s * (1.0f + x * (1.0f - s)));
            du[j] = dj * (x * s);
        }
    }
}

__attribute__((target("avx512f"), always_inline))
static inline __m512 attractor_exp_zmm(__m512 x) {
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.37626f));
    __m512 t = _mm512_fmadd_ps(c, _mm512_set1_ps(1.44269504f), magic);
    __m512 n = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.1219444e-4f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c));
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.98756915e-4f), r, _mm512_set1_ps(1.39819995e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.16657959e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.66666555e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.00000012e-1f));
    __m512 er = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127 - 0x4B400000)), 23);
    return _mm512_mul_ps(er, _mm512_castsi512_ps(e));
}

/* 1/d for d ≥ 1: rcp14 and one Newton step (relative error ~2^-28 before rounding), much
   cheaper than a division. */
__attribute__((target("avx512f"), always_inline))
static inline __m512 attractor_reciprocal_zmm(__m512 d) {
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

__attribute__((target("avx512f")))
static void attractor_silu_gate_forward_avx512(long rows, long columns, const float *gate, const float *up,
                                               long in_stride, float *out, long out_stride) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long r = 0; r < rows; r++) {
        const float *g = gate + r * in_stride, *u = up + r * in_stride;
        float *o = out + r * out_stride;
        for (long j = 0; j < columns; j += 16) {
            __mmask16 m = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
            __m512 x = _mm512_maskz_loadu_ps(m, g + j), uu = _mm512_maskz_loadu_ps(m, u + j);
            __m512 s = attractor_reciprocal_zmm(_mm512_add_ps(one, attractor_exp_zmm(_mm512_sub_ps(_mm512_setzero_ps(), x))));
            _mm512_mask_storeu_ps(o + j, m, _mm512_mul_ps(_mm512_mul_ps(x, s), uu));
        }
    }
}

__attribute__((target("avx512f")))
static void attractor_silu_gate_backward_avx512(long rows, long columns, const float *dout, long out_stride,
                                                const float *gate, const float *up, long in_stride,
                                                float *dgate, float *dup) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long r = 0; r < rows; r++) {
        const float *g = gate + r * in_stride, *u = up + r * in_stride, *d = dout + r * out_stride;
        float *dg = dgate + r * in_stride, *du = dup + r * in_stride;
        for (long j = 0; j < columns; j += 16) {
            __mmask16 m = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
            __m512 x = _mm512_maskz_loadu_ps(m, g + j), uu = _mm512_maskz_loadu_ps(m, u + j);
            __m512 dj = _mm512_maskz_loadu_ps(m, d + j);
            __m512 s = attractor_reciprocal_zmm(_mm512_add_ps(one, attractor_exp_zmm(_mm512_sub_ps(_mm512_setzero_ps(), x))));
            __m512 ds = _mm512_mul_ps(s, _mm512_fmadd_ps(x, _mm512_sub_ps(one, s), one));  /* s(1 + x(1 − s)) */
            _mm512_mask_storeu_ps(dg + j, m, _mm512_mul_ps(_mm512_mul_ps(dj, uu), ds));
            _mm512_mask_storeu_ps(du + j, m, _mm512_mul_ps(dj, _mm512_mul_ps(x, s)));
        }
    }
}

void attractor_silu_gate_forward_f32(int path, long rows, long columns, const float *gate, const float *up,
                                     long in_stride, float *out, long out_stride) {
    if (path == ATTRACTOR_KERNELS_AVX512 && attractor_kernels_available(ATTRACTOR_KERNELS_AVX512))
        attractor_silu_gate_forward_avx512(rows, columns, gate, up, in_stride, out, out_stride);
    else
        attractor_silu_gate_forward_portable(rows, columns, gate, up, in_stride, out, out_stride);
}

void attractor_silu_gate_backward_f32(int path, long rows, long columns, const float *dout, long out_stride,
                                      const float *gate, const float *up, long in_stride, float *dgate, float *dup) {
    if (path == ATTRACTOR_KERNELS_AVX512 && attractor_kernels_available(ATTRACTOR_KERNELS_AVX512))
        attractor_silu_gate_backward_avx512(rows, columns, dout, out_stride, gate, up, in_stride, dgate, dup);
    else
        attractor_silu_gate_backward_portable(rows, columns, dout, out_stride, gate, up, in_stride, dgate, dup);
}
