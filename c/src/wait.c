/*
 * wait.c -- deadlines, shared futexes, and the one wait protocol that every
 * blocking call uses.
 *
 * Protocol (docs/algorithm.md, "Sleeping and waking"):
 *   waiter: attempt; spin a while re-attempting; then
 *           W1 waiters += 1 (seq_cst)   W2 v = futex_word
 *           W3 attempt again             W4 futex_wait(futex_word, v)
 *           W5 waiters -= 1
 *   waker:  K1 the seq_cst store that makes progress (stamp, position)
 *           K2 if waiters (seq_cst) != 0: futex_word += 1; FUTEX_WAKE all
 * W1/K2 and K1/W3 form a store-load pair in the seq_cst order: either the
 * waker sees the waiter registered, or the waiter's re-attempt sees the
 * progress. A wake between W2 and W4 changes futex_word, so W4 returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SPIN_MIN 16u
#define SPIN_MAX 4096u
#define SPIN_START 256u

int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

struct deadline deadline_after(int64_t timeout_ns) {
    struct deadline d = {timeout_ns < 0, 0};
    if (!d.forever) {
        int64_t now = monotonic_ns();
        d.at_ns = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
    }
    return d;
}

void spinner_init(struct spinner *spin) { spin->limit = SPIN_START; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. No
 * FUTEX_PRIVATE_FLAG: the word is shared between processes. */
static int futex_wait(atomic_u32 *word, uint32_t expected,
                      const struct deadline *deadline) {
    struct timespec at, *atp = NULL;
    if (!deadline->forever) {
        at.tv_sec = deadline->at_ns / 1000000000;
        at.tv_nsec = deadline->at_ns % 1000000000;
        atp = &at;
    }
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET, expected,
                      atp, NULL, FUTEX_BITSET_MATCH_ANY);
    return rc == 0 ? 0 : errno;
}

void wake_all(atomic_u32 *futex_word) {
    /* Relaxed: the futex syscall orders it; sleepers only compare values.
     * SYNC(futex-word): pairs with load_seq_cst(futex_word) in
     * wait_until_ready (W2): a bump after it makes FUTEX_WAIT return. */
    fetch_add_relaxed(futex_word, 1);
    syscall(SYS_futex, (uint32_t *)futex_word, FUTEX_WAKE, INT_MAX, NULL,
            NULL, 0);
}

void wake_waiters(atomic_u32 *futex_word, atomic_u32 *waiters) {
    /* SYNC(waiter-registered): pairs with fetch_add_seq_cst(waiters) W1 in
     * wait_until_ready, after the caller's seq_cst progress store K1. */
    if (load_seq_cst(waiters) != 0) wake_all(futex_word);
}

int wait_until_ready(attempt_fn attempt, void *context, int not_ready,
                     atomic_u32 *futex_word, atomic_u32 *waiters,
                     int64_t timeout_ns, struct spinner *spin,
                     atomic_u64 *wait_counter) {
    int rc = attempt(context);
    if (rc != not_ready || timeout_ns == 0) return rc;
    struct deadline deadline = deadline_after(timeout_ns);
    for (;;) {
        for (uint32_t i = 0; i < spin->limit; i++) {
            cpu_relax();
            if ((rc = attempt(context)) != not_ready) {
                if (spin->limit < SPIN_MAX) spin->limit *= 2;
                return rc;
            }
        }
        if (spin->limit > SPIN_MIN) spin->limit /= 2;
        /* SYNC(waiter-registered): pairs with load_seq_cst(waiters) in
         * wake_waiters (K2). */
        fetch_add_seq_cst(waiters, 1);
        /* SYNC(futex-word): pairs with fetch_add in wake_all; seq_cst so it
         * is read before the re-attempt below. */
        uint32_t seen = load_seq_cst(futex_word);
        rc = attempt(context);
        int err = 0;
        if (rc == not_ready) {
            /* Relaxed: a statistic, read by observers only. */
            fetch_add_relaxed(wait_counter, 1);
            err = futex_wait(futex_word, seen, &deadline);
        }
        /* SYNC(waiter-registered): the count only needs to be current for
         * the next waker's K2; seq_cst keeps it in the same order. */
        fetch_sub_seq_cst(waiters, 1);
        if (rc != not_ready) return rc;
        if (err == EINTR) {
            return set_error(SHMRING_EINTERRUPTED,
                             "a signal handler ran during the wait");
        }
        if (!deadline.forever && monotonic_ns() >= deadline.at_ns) {
            rc = attempt(context);
            if (rc != not_ready) return rc;
            return set_error(SHMRING_ETIMEOUT, "no progress before deadline");
        }
        if (err != 0 && err != EAGAIN && err != ETIMEDOUT) {
            return set_error(SHMRING_ESYSTEM, "futex wait failed: errno %d",
                             err);
        }
    }
}
