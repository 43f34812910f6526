/* wait.h -- deadlines, interrupts and the wait protocol, for every blocking
 * call of the core. Included by internal.h (after the structs it uses). */
#ifndef SHMRING_WAIT_H
#define SHMRING_WAIT_H

/* deadline.c: when a wait ends */
struct deadline {
    int forever;
    /* A timeout of 0: one attempt, whose not-ready answer (SHMRING_EEMPTY,
     * SHMRING_EFULL, ...) is the result. An absolute deadline already past
     * also gets one attempt, but then SHMRING_ETIMEOUT. */
    int try_once;
    /* Made by deadline_in: at_ns still holds the timeout, counted from
     * deadline_resolve (so a call that succeeds at once reads no clock). */
    int relative;
    int64_t at_ns;                    /* CLOCK_MONOTONIC */
};
int64_t monotonic_ns(void);
/* A relative timeout (the header's convention: 0 once, < 0 forever). */
struct deadline deadline_after(int64_t timeout_ns);
/* The same, counted from its first use (deadline_resolve). */
struct deadline deadline_in(int64_t timeout_ns);
void deadline_resolve(struct deadline *deadline);
/* An absolute CLOCK_MONOTONIC deadline (< 0: forever, 0: try once). */
struct deadline deadline_at(int64_t deadline_ns);
/* 1 once a (resolved) deadline has passed (never for forever). */
int deadline_passed(const struct deadline *deadline);
/* The time left until the deadline as a relative timeout (-1 forever, 0
 * once passed). */
int64_t deadline_left_ns(const struct deadline *deadline);

/* interrupt.c */
void interrupt_init(struct interrupt *in, atomic_u64 *word, atomic_u64 *other);
/* Take a pending interrupt: 1 if there was one. */
int interrupt_take(struct interrupt *in);

/* wait.c: futexes and the wait protocol */
/* One attempt: returns SHMRING_OK or a final error, or `not_ready` to wait. */
typedef int (*attempt_fn)(void *context);
/* Run attempt until it is ready, spinning, then sleeping on the event
 * count wait_word until the deadline. A pending or raised interrupt of
 * `in` (may be NULL) ends the wait with SHMRING_EINTERRUPTED. */
int wait_until_ready(attempt_fn attempt, void *context, int not_ready,
                     atomic_u64 *wait_word, const struct deadline *deadline,
                     struct spinner *spin, atomic_u64 *wait_counter,
                     struct interrupt *in);
/* Wake the sleepers registered on wait_word, if any (no syscall if none).
 * The caller's preceding seq_cst store pairs with their registration. */
void wake_waiters(atomic_u64 *wait_word);
/* Wake every sleeper on wait_word. */
void wake_all(atomic_u64 *wait_word);
/* The sleepers registered on wait_word now (a snapshot, for observers). */
uint32_t wait_sleepers(atomic_u64 *wait_word);
void spinner_init(struct spinner *spin);

#endif
