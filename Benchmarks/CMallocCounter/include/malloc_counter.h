#ifndef ATTRACTOR_MALLOC_COUNTER_H
#define ATTRACTOR_MALLOC_COUNTER_H
#include <stdint.h>

/* Number of heap allocations (malloc, calloc, realloc, memalign, posix_memalign,
   aligned_alloc, valloc) made by the whole process since start. Only meaningful in an
   executable that links this target: it interposes the glibc allocator entry points. */
uint64_t attractor_allocation_count(void);
/* Bytes requested by those allocations. */
uint64_t attractor_allocation_bytes(void);

#endif
