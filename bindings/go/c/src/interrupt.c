/*
 * interrupt.c -- ending a handle's wait from outside: another thread (a Go
 * context's cancellation, an event loop) or a signal handler.
 *
 * Raising stores the handle's pending flag, then wakes the wait words the
 * handle sleeps on (wake_all: a CAS loop on a lock-free atomic and one
 * FUTEX_WAKE, both async-signal-safe; errno is kept). The waiter looks at
 * the flag before spinning and after registering as a sleeper (W1 in
 * wait.c): either it sees the flag, or its registration came first and
 * the epoch moved by the wake makes its FUTEX_WAIT return at once. The
 * flag stays pending until a wait takes it, so an interrupt raised just
 * before a wait begins is not lost; the wait that takes it returns
 * SHMRING_EINTERRUPTED. Waking a shared word also wakes other processes'
 * sleepers on it: they re-attempt and sleep again (an interrupt is rare).
 */
#include <errno.h>

#include "internal.h"
#include "rwlock.h"

void interrupt_init(struct interrupt *in, atomic_u64 *word, atomic_u64 *other) {
    /* Relaxed: the handle is not yet shared with any other thread. */
    store_relaxed(&in->pending, 0);
    in->words[0] = word;
    in->words[1] = other;
}

int interrupt_take(struct interrupt *in) {
    /* SYNC(interrupt-pending): pairs with store_seq_cst in interrupt_raise:
     * a flag seen here was stored before its wake; seq_cst orders this load
     * after the waiter's registration (W1) in wait_until_ready. */
    if (load_seq_cst(&in->pending) == 0) return 0;
    /* SYNC(interrupt-pending): taking it; a raise racing with this take is
     * either taken now or left pending for the next wait. */
    return atomic_exchange_explicit(&in->pending, 0, memory_order_seq_cst) != 0;
}

static int interrupt_raise(struct interrupt *in) {
    int saved_errno = errno;
    /* SYNC(interrupt-pending): pairs with load_seq_cst in interrupt_take;
     * stored before the epoch moves in wake_all. */
    store_seq_cst(&in->pending, 1);
    for (int i = 0; i < 2; i++) {
        if (in->words[i]) wake_all(in->words[i]);
    }
    errno = saved_errno;
    return SHMRING_OK;
}

/* No set_error here: last_error's formatting is not async-signal-safe. */
SHMRING_API int shmring_reader_interrupt(shmring_reader_t *reader) {
    return reader ? interrupt_raise(&reader->interrupt) : SHMRING_EINVALID;
}

SHMRING_API int shmring_writer_interrupt(shmring_writer_t *writer) {
    return writer ? interrupt_raise(&writer->interrupt) : SHMRING_EINVALID;
}

SHMRING_API int shmring_rwlock_interrupt(shmring_rwlock_t *lock) {
    return lock ? interrupt_raise(&lock->interrupt) : SHMRING_EINVALID;
}
