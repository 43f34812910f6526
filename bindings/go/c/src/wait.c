/*
 * wait.c -- deadlines, shared futexes, and the one wait protocol that every
 * blocking call uses.
 *
 * A wait word is an event count in one atomic u64: the low 32 bits are the
 * epoch (the futex word), the high 32 bits the number of sleepers that
 * registered in this epoch. A waker that finds sleepers moves to the next
 * epoch and clears the count in one CAS, then makes one FUTEX_WAKE; later
 * wakers find no sleeper and make no syscall until somebody registers again.
 *
 * Protocol (docs/algorithm.md, "Sleeping and waking"):
 *   waiter: attempt; spin a while re-attempting; then
 *           W1 word += 1 << 32 (seq_cst), remembering the epoch e
 *           W3 attempt again        W4 futex_wait(epoch, e)
 *           W5 if the epoch is still e: word -= 1 << 32 (our registration
 *              was not consumed by a waker)
 *   waker:  K1 the seq_cst store that makes progress (stamp, position)
 *           K2 if sleepers (seq_cst load) != 0: CAS to (e + 1, 0 sleepers),
 *              FUTEX_WAKE all
 * W1/K2 and K1/W3 form a store-load pair in the seq_cst order: either the
 * waker sees the registration, or the waiter's re-attempt sees the
 * progress. A wake between W1 and W4 changes the epoch, so W4 returns.
 * An interrupt (interrupt.c) is one more waker: it stores its pending flag
 * and then moves the epoch; the waiter looks at the flag after W1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define SPIN_MIN 16u
#define SPIN_MAX 4096u
#define SPIN_START 256u
/* Yield the CPU every this many spins: with more busy processes than CPUs
 * the one we wait for may need ours (sched_yield returns at once if not). */
#define SPINS_PER_YIELD 64u
#define SLEEPER (1ull << 32)

void spinner_init(struct spinner *spin) { spin->limit = SPIN_START; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The 32-bit epoch half of a wait word: the futex word. */
static uint32_t *epoch_word(atomic_u64 *wait_word) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint32_t *)wait_word;
#else
    return (uint32_t *)wait_word + 1;
#endif
}

/* The next epoch, with no sleeper registered in it. */
static uint64_t next_epoch(uint64_t word) { return (uint32_t)(word + 1); }

/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. No
 * FUTEX_PRIVATE_FLAG: the word is shared between processes. */
static int futex_wait(atomic_u64 *wait_word, uint32_t epoch,
                      const struct deadline *deadline) {
    struct timespec at, *atp = NULL;
    if (!deadline->forever) {
        at.tv_sec = deadline->at_ns / 1000000000;
        at.tv_nsec = deadline->at_ns % 1000000000;
        atp = &at;
    }
    long rc = syscall(SYS_futex, epoch_word(wait_word), FUTEX_WAIT_BITSET,
                      epoch, atp, NULL, FUTEX_BITSET_MATCH_ANY);
    return rc == 0 ? 0 : errno;
}

static void futex_wake_all(atomic_u64 *wait_word) {
    syscall(SYS_futex, epoch_word(wait_word), FUTEX_WAKE, INT_MAX, NULL, NULL,
            0);
}

void wake_all(atomic_u64 *wait_word) {
    /* SYNC(futex-word): pairs with the registering fetch_add (W1) in
     * wait_until_ready: a new epoch makes its FUTEX_WAIT return. Also the
     * wake of an interrupt (from a signal handler: a CAS and a syscall). */
    uint64_t word = load_seq_cst(wait_word);
    while (!cas_seq_cst(wait_word, &word, next_epoch(word))) {
    }
    futex_wake_all(wait_word);
}

void wake_waiters(atomic_u64 *wait_word) {
    /* SYNC(waiter-registered): pairs with fetch_add_seq_cst (W1) in
     * wait_until_ready, after the caller's seq_cst progress store K1. */
    uint64_t word = load_seq_cst(wait_word);
    while (word >= SLEEPER) {
        /* SYNC(futex-word): consume the registrations, then wake them. */
        if (cas_seq_cst(wait_word, &word, next_epoch(word))) {
            futex_wake_all(wait_word);
            return;
        }
    }
}

uint32_t wait_sleepers(atomic_u64 *wait_word) {
    /* SYNC(waiter-registered): a snapshot; pairs with the registration
     * (W1) and its withdrawal (W5) in wait_until_ready. */
    return (uint32_t)(load_seq_cst(wait_word) / SLEEPER);
}

/* W5: withdraw a registration that no waker consumed. */
static void unregister(atomic_u64 *wait_word, uint32_t epoch) {
    /* SYNC(waiter-registered): the count only needs to be current for the
     * next waker's K2; seq_cst keeps it in the same order. */
    uint64_t word = load_seq_cst(wait_word);
    while ((uint32_t)word == epoch &&
           !cas_seq_cst(wait_word, &word, word - SLEEPER)) {
    }
}

static int interrupted(struct interrupt *in) {
    if (!in || !interrupt_take(in)) return 0;
    return set_error(SHMRING_EINTERRUPTED, "the wait was interrupted");
}

int wait_until_ready(attempt_fn attempt, void *context, int not_ready,
                     atomic_u64 *wait_word, const struct deadline *until,
                     struct spinner *spin, atomic_u64 *wait_counter,
                     struct interrupt *in) {
    int rc = attempt(context);
    if (rc != not_ready || until->try_once) return rc;
    struct deadline resolved = *until, *deadline = &resolved;
    deadline_resolve(deadline);
    for (;;) {
        if (interrupted(in)) return SHMRING_EINTERRUPTED;
        if (deadline_passed(deadline)) {
            return set_error(SHMRING_ETIMEOUT, "no progress before deadline");
        }
        for (uint32_t i = 1; i <= spin->limit; i++) {
            if (i % SPINS_PER_YIELD == 0) {
                if (deadline_passed(deadline)) break;
                sched_yield();
            } else {
                cpu_relax();
            }
            if ((rc = attempt(context)) != not_ready) {
                if (spin->limit < SPIN_MAX) spin->limit *= 2;
                return rc;
            }
        }
        if (spin->limit > SPIN_MIN) spin->limit /= 2;
        /* SYNC(waiter-registered): pairs with load_seq_cst in wake_waiters
         * (K2). SYNC(futex-word): with the epoch CAS in wake_all and
         * wake_waiters: a new epoch after this makes FUTEX_WAIT return. */
        uint32_t epoch = (uint32_t)fetch_add_seq_cst(wait_word, SLEEPER);
        rc = attempt(context);
        int err = 0;
        /* After W1: an interrupt raised later moves the epoch past ours. */
        int stop = rc == not_ready && interrupted(in);
        if (rc == not_ready && !stop) {
            /* Relaxed: a statistic, read by observers only. */
            fetch_add_relaxed(wait_counter, 1);
            /* Sleep in slices, so a peer that died without waking us is
             * noticed by the next attempt (see reap_if_stuck). */
            struct deadline slice = deadline_after(SHM_SLEEP_SLICE_NS);
            if (!deadline->forever && deadline->at_ns < slice.at_ns) {
                slice = *deadline;
            }
            err = futex_wait(wait_word, epoch, &slice);
        }
        unregister(wait_word, epoch);
        if (rc != not_ready) return rc;
        if (stop || interrupted(in)) return SHMRING_EINTERRUPTED;
        if (err == EINTR) {
            return set_error(SHMRING_EINTERRUPTED,
                             "a signal handler ran during the wait");
        }
        if (deadline_passed(deadline)) {
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
