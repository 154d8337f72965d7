/* tanh of 16 floats in AVX-512 registers, shared by the in-place tanh and the fused
   matrix-product epilogue. tanh x = sign(x) · m / (m + 2), m = e^{2|x|} − 1 written as
   2^k q + (2^k − 1) (Cody–Waite reduction, degree-7 Taylor q = e^r − 1), so there is no
   1 − 1 cancellation near 0; |x| is clamped at 9 (tanh = 1 in Float). The division is
   rcp14 + one Newton step (relative error ~2^-28 before rounding, below half an ulp). */
#ifndef ATTRACTOR_TANH_AVX512_H
#define ATTRACTOR_TANH_AVX512_H
#include <immintrin.h>

__attribute__((target("avx512f"), always_inline))
static inline __m512 attractor_tanh_zmm(__m512 v) {
    const __m512 two = _mm512_set1_ps(2.0f), one = _mm512_set1_ps(1.0f);
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    const __m512i signmask = _mm512_set1_epi32((int)0x80000000);
    __m512i vbits = _mm512_castps_si512(v);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(signmask, vbits));
    a = _mm512_min_ps(a, _mm512_set1_ps(9.0f));
    __m512 y = _mm512_mul_ps(two, a);
    __m512 shifted = _mm512_fmadd_ps(y, _mm512_set1_ps(1.44269504f), magic);
    __m512 k = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), y));
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
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), _mm512_and_si512(vbits, signmask)));
}
#endif
