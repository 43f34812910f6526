/*
 * rwlock.c -- the readers-writer lock protocol: shared and exclusive
 * acquire and release, nested shared holds, writer preference, and the
 * state snapshots (docs/algorithm.md, "Readers-writer lock"). A waiter
 * stuck for SHM_REAP_AFTER_NS frees the holds of dead holders
 * (rwlock_recovery.c); lending a shared hold to a writer is rwlock_lend.c.
 *
 * There is no shared reader count: each holder entry records its own shared
 * depth, and the one `exclusive` word names the writer that holds the lock
 * or is waiting for the readers to leave. A holder's contribution to the
 * state is thus always in words it alone writes (or a recoverer, after its
 * death, with a CAS on the exact value it saw), so a process killed at any
 * instruction leaves nothing that cannot be undone.
 *
 *   reader: RS-b shared = 1 (sc); RS-c exclusive (sc) == 0 ? held : back off
 *   writer: X-a CAS exclusive 0 -> me (sc); X-b every other shared (sc) == 0
 * RS-b/RS-c against X-a/X-b is a store-load (Dekker) pair in the seq_cst
 * order: the reader sees the writer, or the writer sees the reader.
 */
#include "rwlock.h"

static inline uint64_t exclusive_word(const shmring_rwlock_t *lock) {
    return ((uint64_t)lock->generation << 32) | (lock->index + 1u);
}

/* The holder entries that may be in use. */
static uint32_t holders_in_use(const shmring_rwlock_t *lock) {
    /* SYNC(rw-high-water): pairs with the CAS in raise_holders_high_water;
     * raised before an entry is claimed, so a scan never misses one. */
    uint32_t n = load_seq_cst(&lock->control->holders_high_water);
    return n > lock->max_holders ? lock->max_holders : n;
}

/* ---- waiting ------------------------------------------------------------ */

/* A waiter looks for dead holders once it has waited SHM_REAP_AFTER_NS,
 * and again after each further such period (the fast path never looks). */
struct waiting {
    shmring_rwlock_t *lock;
    struct stuck_timer stuck;         /* no hold yet */
};

/* The lock is held (or claimed) by the writer that `word` names: not ready,
 * and after a while, a check that the writer still lives. */
static int writer_holds(struct waiting *w, uint64_t word) {
    shmring_rwlock_t *lock = w->lock;
    uint32_t writer = exclusive_index(lock, word);
    if (writer == lock->max_holders) {
        return set_error(SHMRING_ECORRUPT,
                         "the exclusive word %#llx names no holder entry",
                         (unsigned long long)word);
    }
    if (stuck_timer_due(&w->stuck, 0)) rwlock_recover_if_dead(lock, writer);
    return NOT_READY;
}

/* RS: one attempt at a first shared hold. */
static int shared_attempt(void *context) {
    struct waiting *w = context;
    shmring_rwlock_t *lock = w->lock;
    struct rwlock_control *c = lock->control;
    atomic_u64 *mine = &lock->holders[lock->index].shared;
    /* RS-a: a writer holds it or waits for it (writer preference).
     * SYNC(rw-word): pairs with the CAS in claim_attempt and the stores in
     * lock_exclusive_by and shmring_rwlock_unlock_exclusive. */
    uint64_t word = load_seq_cst(&c->exclusive);
    if (word == 0) {
        /* RS-b. SYNC(rw-shared): pairs with load_seq_cst(shared) in
         * drain_attempt (X-b): the writer sees us, or ... */
        store_seq_cst(mine, shared_word(lock, 1));
        /* RS-c. SYNC(rw-word): ... we see the writer's claim (X-a). */
        word = load_seq_cst(&c->exclusive);
        if (word == 0) return SHMRING_OK;
        /* RS-d: back off; the writer may be asleep waiting for us.
         * SYNC(rw-shared): as above. */
        store_seq_cst(mine, shared_word(lock, 0));
        wake_waiters(&c->drain_wait);
    }
    return writer_holds(w, word);
}

/* X-a: one attempt to become the writer. */
static int claim_attempt(void *context) {
    struct waiting *w = context;
    shmring_rwlock_t *lock = w->lock;
    uint64_t word = 0;
    /* SYNC(rw-word): pairs with load_seq_cst(exclusive) in shared_attempt
     * (RS-a, RS-c): from here on no new reader gets in. */
    if (cas_seq_cst(&lock->control->exclusive, &word, exclusive_word(lock))) {
        return SHMRING_OK;
    }
    return writer_holds(w, word);
}

/* X-b: one look for shared holders (the writer owns `exclusive`). */
static int drain_attempt(void *context) {
    struct waiting *w = context;
    shmring_rwlock_t *lock = w->lock;
    uint32_t n = holders_in_use(lock);
    int busy = 0, due = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (i == lock->index) continue;
        /* SYNC(rw-shared): pairs with store_seq_cst(shared) in
         * shared_attempt (RS-b) and shmring_rwlock_unlock_shared. */
        uint64_t shared = load_seq_cst(&lock->holders[i].shared);
        if ((uint32_t)shared == 0) continue;
        if (due < 0) due = stuck_timer_due(&w->stuck, 0);
        if (!due) return NOT_READY;
        /* Free every dead reader in one pass, not one per period. */
        if (!rwlock_recover_if_dead(lock, i)) busy = 1;
    }
    return busy ? NOT_READY : SHMRING_OK;
}

/* ---- the calls ---------------------------------------------------------- */

int rwlock_check_handle(const shmring_rwlock_t *lock) {
    if (!lock) return set_error(SHMRING_EINVALID, "lock is NULL");
    if (lock->pid != rwlock_current_pid()) {
        return set_error(SHMRING_EINVALID,
                         "this handle's holder belongs to pid %u (inherited "
                         "across fork?); take one with shmring_rwlock_dup",
                         lock->pid);
    }
    return SHMRING_OK;
}

/* A wait that ended without the lock: ETIMEOUT with who holds it. */
static int busy_error(shmring_rwlock_t *lock, int rc, const char *wanted) {
    if (rc != NOT_READY && rc != SHMRING_ETIMEOUT) return rc;
    uint32_t shared = 0, exclusive = 0;
    shmring_rwlock_state(lock, &shared, &exclusive);
    return set_error(SHMRING_ETIMEOUT,
                     "no %s hold before the deadline (%u shared hold(s), "
                     "%s)",
                     wanted, shared,
                     exclusive ? "held exclusively" : "a writer first in line");
}

static int lock_shared_by(shmring_rwlock_t *lock,
                          const struct deadline *deadline) {
    int rc = rwlock_check_handle(lock);
    if (rc != SHMRING_OK) return rc;
    if (lock->exclusive) {
        return set_error(SHMRING_EINVALID,
                         "this handle holds the lock exclusively");
    }
    if (lock->shared_depth > 0) {
        /* Nested: never waits, not even behind a waiting writer (that
         * writer waits for this very hold). */
        if (lock->shared_depth == UINT32_MAX) {
            return set_error(SHMRING_ELIMIT, "shared holds nested 2^32-1 deep");
        }
        lock->shared_depth++;
        /* Relaxed: the depth stays non-zero; only zero vs non-zero matters
         * to the other parties. */
        store_relaxed(&lock->holders[lock->index].shared,
                      shared_word(lock, lock->shared_depth));
        return SHMRING_OK;
    }
    struct waiting w = {.lock = lock};
    rc = wait_until_ready(shared_attempt, &w, NOT_READY,
                          &lock->control->free_wait, deadline, &lock->spin,
                          &lock->control->waits, &lock->interrupt);
    if (rc != SHMRING_OK) return busy_error(lock, rc, "shared");
    lock->shared_depth = 1;
    return SHMRING_OK;
}

SHMRING_API int shmring_rwlock_lock_shared(shmring_rwlock_t *lock,
                                           int64_t timeout_ns) {
    struct deadline deadline = deadline_in(timeout_ns);
    return lock_shared_by(lock, &deadline);
}

SHMRING_API int shmring_rwlock_lock_shared_until(shmring_rwlock_t *lock,
                                                 int64_t deadline_ns) {
    struct deadline deadline = deadline_at(deadline_ns);
    return lock_shared_by(lock, &deadline);
}

SHMRING_API int shmring_rwlock_try_lock_shared(shmring_rwlock_t *lock) {
    return shmring_rwlock_lock_shared(lock, 0);
}

SHMRING_API int shmring_rwlock_unlock_shared(shmring_rwlock_t *lock) {
    int rc = rwlock_check_handle(lock);
    if (rc != SHMRING_OK) return rc;
    if (lock->shared_depth == 0) {
        return set_error(SHMRING_EINVALID, "this handle holds no shared hold");
    }
    atomic_u64 *mine = &lock->holders[lock->index].shared;
    lock->shared_depth--;
    if (lock->shared_depth > 0) {
        /* Relaxed: still non-zero, as in shmring_rwlock_lock_shared. */
        store_relaxed(mine, shared_word(lock, lock->shared_depth));
        return SHMRING_OK;
    }
    /* RS-e. SYNC(rw-shared): pairs with load_seq_cst(shared) in
     * drain_attempt: the writer that sees 0 sees our reads done. */
    store_seq_cst(mine, shared_word(lock, 0));
    wake_waiters(&lock->control->drain_wait);
    return SHMRING_OK;
}

static int lock_exclusive_by(shmring_rwlock_t *lock, struct deadline deadline) {
    int rc = rwlock_check_handle(lock);
    if (rc != SHMRING_OK) return rc;
    if (lock->exclusive || lock->shared_depth > 0) {
        return set_error(SHMRING_EINVALID,
                         "this handle already holds the lock %s (an upgrade "
                         "would deadlock)",
                         lock->exclusive ? "exclusively" : "shared");
    }
    struct rwlock_control *c = lock->control;
    /* Both waits end at the same time: count it from now. */
    deadline_resolve(&deadline);
    struct waiting w = {.lock = lock};
    rc = wait_until_ready(claim_attempt, &w, NOT_READY, &c->free_wait,
                          &deadline, &lock->spin, &c->waits, &lock->interrupt);
    if (rc != SHMRING_OK) return busy_error(lock, rc, "exclusive");
    rc = wait_until_ready(drain_attempt, &w, NOT_READY, &c->drain_wait,
                          &deadline, &lock->spin, &c->waits, &lock->interrupt);
    if (rc != SHMRING_OK) {
        /* X-e: give up the claim; readers and writers waiting may go.
         * SYNC(rw-word): pairs with load_seq_cst(exclusive) in
         * shared_attempt and the CAS in claim_attempt. */
        store_seq_cst(&c->exclusive, 0);
        wake_waiters(&c->free_wait);
        return busy_error(lock, rc, "exclusive");
    }
    /* X-c: the readers have left; say so (observers only).
     * SYNC(rw-word): as above. */
    store_seq_cst(&c->exclusive, exclusive_word(lock) | RWLOCK_HELD);
    lock->exclusive = 1;
    return SHMRING_OK;
}

SHMRING_API int shmring_rwlock_lock_exclusive(shmring_rwlock_t *lock,
                                              int64_t timeout_ns) {
    return lock_exclusive_by(lock, deadline_in(timeout_ns));
}

SHMRING_API int shmring_rwlock_lock_exclusive_until(shmring_rwlock_t *lock,
                                                    int64_t deadline_ns) {
    return lock_exclusive_by(lock, deadline_at(deadline_ns));
}

SHMRING_API int shmring_rwlock_try_lock_exclusive(shmring_rwlock_t *lock) {
    return shmring_rwlock_lock_exclusive(lock, 0);
}

SHMRING_API int shmring_rwlock_unlock_exclusive(shmring_rwlock_t *lock) {
    int rc = rwlock_check_handle(lock);
    if (rc != SHMRING_OK) return rc;
    if (!lock->exclusive) {
        return set_error(SHMRING_EINVALID,
                         "this handle does not hold the lock exclusively");
    }
    lock->exclusive = 0;
    /* X-d. SYNC(rw-holds): pairs with the loads in
     * wait_for_exclusive_by: a reader waiting for a writer's
     * turn sees this one ended. */
    fetch_add_seq_cst(&lock->control->exclusive_holds, 1);
    /* SYNC(rw-word): pairs with load_seq_cst(exclusive) in shared_attempt
     * and the CAS in claim_attempt: the next holder sees every write made
     * under this hold. */
    store_seq_cst(&lock->control->exclusive, 0);
    wake_waiters(&lock->control->free_wait);
    return SHMRING_OK;
}

void rwlock_release_holds(shmring_rwlock_t *lock) {
    if (lock->exclusive) shmring_rwlock_unlock_exclusive(lock);
    if (lock->shared_depth > 0) {
        lock->shared_depth = 1;
        shmring_rwlock_unlock_shared(lock);
    }
}

SHMRING_API int shmring_rwlock_state(const shmring_rwlock_t *lock,
                                     uint32_t *shared_holds_out,
                                     uint32_t *exclusive_out) {
    if (!lock) return set_error(SHMRING_EINVALID, "lock is NULL");
    uint32_t n = holders_in_use(lock);
    uint64_t shared = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* SYNC(rw-shared): a snapshot; pairs with the shared stores in
         * shared_attempt and shmring_rwlock_unlock_shared. */
        shared += (uint32_t)load_seq_cst(&lock->holders[i].shared);
    }
    if (shared > UINT32_MAX) shared = UINT32_MAX;
    /* SYNC(rw-word): a snapshot; pairs with the exclusive stores in
     * claim_attempt and shmring_rwlock_unlock_exclusive. */
    uint64_t word = load_seq_cst(&lock->control->exclusive);
    if (shared_holds_out) *shared_holds_out = (uint32_t)shared;
    if (exclusive_out) *exclusive_out = (word & RWLOCK_HELD) != 0;
    return SHMRING_OK;
}

SHMRING_API int shmring_rwlock_waiting(const shmring_rwlock_t *lock,
                                       uint32_t *writer_waiting_out,
                                       uint32_t *waiters_out) {
    if (!lock) return set_error(SHMRING_EINVALID, "lock is NULL");
    struct rwlock_control *c = lock->control;
    /* SYNC(rw-word): a snapshot; pairs with the CAS in claim_attempt (X-a)
     * and the stores of X-c, X-d and X-e. */
    uint64_t word = load_seq_cst(&c->exclusive);
    /* Every wait of the lock blocks on one of these two event counts. */
    uint64_t waiters = (uint64_t)wait_sleepers(&c->free_wait) +
                       wait_sleepers(&c->drain_wait);
    if (writer_waiting_out) {
        *writer_waiting_out = word != 0 && (word & RWLOCK_HELD) == 0;
    }
    if (waiters_out) {
        *waiters_out = waiters > UINT32_MAX ? UINT32_MAX : (uint32_t)waiters;
    }
    return SHMRING_OK;
}
