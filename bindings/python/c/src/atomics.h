/*
 * atomics.h -- the one vocabulary for every shared-memory access.
 *
 * Every access to a shared field goes through these names so that the memory
 * order is visible at the call site (and ThreadSanitizer sees each one).
 * Each call site carries a SYNC(label) comment naming the access it pairs
 * with; relaxed accesses say why relaxed is enough.
 */
#ifndef SHMRING_ATOMICS_H
#define SHMRING_ATOMICS_H

#include <stdatomic.h>
#include <stdint.h>

#if ATOMIC_LLONG_LOCK_FREE != 2 || ATOMIC_INT_LOCK_FREE != 2
#error "shmring needs always-lock-free 32- and 64-bit atomics"
#endif

typedef _Atomic uint64_t atomic_u64;
typedef _Atomic uint32_t atomic_u32;

#define load_relaxed(p) atomic_load_explicit((p), memory_order_relaxed)
#define load_acquire(p) atomic_load_explicit((p), memory_order_acquire)
#define load_seq_cst(p) atomic_load_explicit((p), memory_order_seq_cst)
#define store_relaxed(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define store_release(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define store_seq_cst(p, v) atomic_store_explicit((p), (v), memory_order_seq_cst)
#define fetch_add_relaxed(p, v) \
    atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#define fetch_add_seq_cst(p, v) \
    atomic_fetch_add_explicit((p), (v), memory_order_seq_cst)
#define fetch_sub_seq_cst(p, v) \
    atomic_fetch_sub_explicit((p), (v), memory_order_seq_cst)
/* Strong CAS, seq_cst on success, seq_cst on failure: every CAS in shmring
 * takes part in a store-load (Dekker) pattern, see docs/algorithm.md. */
#define cas_seq_cst(p, expected_ptr, desired)                            \
    atomic_compare_exchange_strong_explicit((p), (expected_ptr), (desired), \
                                            memory_order_seq_cst,          \
                                            memory_order_seq_cst)
/* The two fences of the seqlock that lets lossy readers detect a slot
 * overwritten under them (Boehm, "Can seqlocks get along with programming
 * language memory models?", 2012). Used nowhere else. */
#if defined(__SANITIZE_THREAD__)
/* GCC (11+) refuses atomic_thread_fence under -fsanitize=thread (-Wtsan,
 * an error with -Werror: TSan does not model fences). __sync_synchronize()
 * is a full barrier, stronger than either fence; TSan ignores it too, which
 * loses nothing: the only accesses these fences order are a lossy reader's
 * payload copies, whose reads TSan is told to ignore (RACY_COPY_BEGIN). */
#define seqlock_fence_release() __sync_synchronize()
#define seqlock_fence_acquire() __sync_synchronize()
#else
#define seqlock_fence_release() atomic_thread_fence(memory_order_release)
#define seqlock_fence_acquire() atomic_thread_fence(memory_order_acquire)
#endif

#endif /* SHMRING_ATOMICS_H */
