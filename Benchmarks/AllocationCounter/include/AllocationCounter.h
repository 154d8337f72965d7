#ifndef ATTRACTOR_ALLOCATION_COUNTER_H
#define ATTRACTOR_ALLOCATION_COUNTER_H

/* Counts heap allocations in the process that links this target (the benchmark only):
   malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign are interposed and
   forwarded to glibc's __libc_* entry points. */
unsigned long attractor_allocation_count(void);

#endif
