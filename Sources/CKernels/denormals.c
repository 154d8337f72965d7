#include "attractor_kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* FTZ (bit 15) flushes denormal results to zero, DAZ (bit 6) reads denormal inputs as zero.
   Denormal operands can cost the FP units ~100 cycles each, and trained networks can produce
   them in activations and gradients; flushing keeps a step's cost independent of that. */
unsigned attractor_flush_denormals_begin(void) {
    unsigned old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);
    return old;
}
void attractor_flush_denormals_end(unsigned state) { _mm_setcsr(state); }
#else
unsigned attractor_flush_denormals_begin(void) { return 0; }
void attractor_flush_denormals_end(unsigned state) { (void)state; }
#endif
