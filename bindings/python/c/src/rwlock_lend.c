/*
 * rwlock_lend.c -- shmring_rwlock_wait_for_exclusive: a shared holder lends
 * its hold (all its nesting) to a writer and takes it back once a writer's
 * exclusive hold has ended (docs/algorithm.md, "Readers-writer lock", W).
 */
#include "rwlock.h"

/* W: one look whether a writer's hold ended since `before`. */
struct turn {
    shmring_rwlock_t *lock;
    uint64_t before;
};
static int writer_turn_attempt(void *context) {
    struct turn *t = context;
    /* SYNC(rw-holds): pairs with the fetch_add in
     * shmring_rwlock_unlock_exclusive. */
    uint64_t now = load_seq_cst(&t->lock->control->exclusive_holds);
    return now != t->before ? SHMRING_OK : NOT_READY;
}

static int wait_for_exclusive_by(shmring_rwlock_t *lock,
                                 const struct deadline *deadline) {
    int rc = rwlock_check_handle(lock);
    if (rc != SHMRING_OK) return rc;
    if (lock->shared_depth == 0) {
        return set_error(SHMRING_EINVALID,
                         "wait_for_exclusive needs a shared hold to lend");
    }
    uint32_t depth = lock->shared_depth;
    /* W-a: count before letting go, so that a writer that goes in at once
     * is not missed. SYNC(rw-holds): as above. */
    struct turn turn = {lock, load_seq_cst(&lock->control->exclusive_holds)};
    /* W-b: let go of every nested hold (RS-e). */
    lock->shared_depth = 1;
    shmring_rwlock_unlock_shared(lock);
    /* W-c: wait until a writer's hold has ended. */
    int waited = wait_until_ready(writer_turn_attempt, &turn, NOT_READY,
                                  &lock->control->free_wait, deadline,
                                  &lock->spin, &lock->control->waits,
                                  &lock->interrupt);
    /* W-d: take the shared hold back, whatever happened meanwhile (a
     * signal does not leave the caller without its hold). */
    do {
        rc = shmring_rwlock_lock_shared(lock, -1);
    } while (rc == SHMRING_EINTERRUPTED);
    if (rc != SHMRING_OK) return rc; /* the hold is lost: said in the header */
    lock->shared_depth = depth;
    /* Relaxed: non-zero as before, as in shmring_rwlock_lock_shared. */
    store_relaxed(&lock->holders[lock->index].shared, shared_word(lock, depth));
    if (waited == NOT_READY || waited == SHMRING_ETIMEOUT) {
        return set_error(SHMRING_ETIMEOUT,
                         "no writer had its turn before the deadline");
    }
    return waited;
}

SHMRING_API int shmring_rwlock_wait_for_exclusive(shmring_rwlock_t *lock,
                                                  int64_t timeout_ns) {
    struct deadline deadline = deadline_in(timeout_ns);
    return wait_for_exclusive_by(lock, &deadline);
}

SHMRING_API int shmring_rwlock_wait_for_exclusive_until(shmring_rwlock_t *lock,
                                                        int64_t deadline_ns) {
    struct deadline deadline = deadline_at(deadline_ns);
    return wait_for_exclusive_by(lock, &deadline);
}
