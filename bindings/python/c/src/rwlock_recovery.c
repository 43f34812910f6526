/*
 * rwlock_recovery.c -- freeing the holds of a readers-writer lock holder
 * whose process died (docs/algorithm.md, "Dead holders").
 *
 * Nobody checks on the fast path: a waiter that has waited SHM_REAP_AFTER_NS
 * (rwlock.c, struct stuck_timer) calls rwlock_recover_if_dead for the
 * holders it waits for. Each step undoes the dead owner's part with a CAS
 * on the exact value it left (D-a .. D-f below), so recoverers racing each
 * other, or a later owner of the entry, undo nothing twice and nothing of
 * anybody else; a recoverer that dies midway is redone by the next.
 */
#include "rwlock.h"

int rwlock_recover_if_dead(shmring_rwlock_t *lock, uint32_t index) {
    struct rwlock_control *c = lock->control;
    struct rwlock_holder *h = &lock->holders[index];
    /* D-a: the exclusive word first, then the owner: a word naming this entry
     * that a later owner wrote is then seen with that owner's generation.
     * SYNC(rw-word): pairs with the CAS in claim_attempt. */
    uint64_t word = load_seq_cst(&c->exclusive);
    /* D-a. SYNC(rw-owner): pairs with the claiming CAS in claim_holder
     * (rwlock_segment.c). */
    uint64_t owner = load_seq_cst(&h->owner);
    uint32_t pid = (uint32_t)owner, generation = (uint32_t)(owner >> 32);
    /* No shortcut for our own pid: the entry may be a dead process's whose
     * pid this process reuses (common in pid namespaces); the start time
     * tells them apart. */
    if (pid == 0) return 0;
    /* D-b. SYNC(rw-start): pairs with store_release(start_generation) in
     * claim_holder: start_time is this generation's. Otherwise
     * (still being claimed) only existence counts. */
    uint64_t start = 0;
    if (load_acquire(&h->start_generation) == generation) {
        /* Relaxed: published by the acquire load just above. */
        start = load_relaxed(&h->start_time);
    }
    if (!participant_is_dead(pid, start)) return 0; /* D-c */
    /* Each step is a CAS on the exact value the dead owner left, so
     * recoverers racing each other (or a later owner of the entry) undo
     * nothing twice and nothing of anybody else. */
    /* D-d */
    if (exclusive_index(lock, word) == index &&
        (uint32_t)(word >> 32) == generation) {
        /* SYNC(rw-word): as above; the dead writer's hold ends, which
         * counts as a writer's turn (SYNC(rw-holds)) for readers lending
         * their hold in shmring_rwlock_wait_for_exclusive. */
        if (cas_seq_cst(&c->exclusive, &word, 0)) {
            fetch_add_seq_cst(&c->exclusive_holds, 1);
        }
    }
    /* D-e. SYNC(rw-shared): pairs with the loads in drain_attempt. */
    uint64_t shared = load_seq_cst(&h->shared);
    if ((uint32_t)(shared >> 32) == generation && (uint32_t)shared != 0) {
        /* SYNC(rw-shared): as above; the dead reader's hold ends. */
        cas_seq_cst(&h->shared, &shared, (uint64_t)generation << 32);
    }
    /* D-f, last: a recoverer that dies before it is redone by the next.
     * SYNC(rw-owner): as above; the entry is free for a new holder. */
    int freed = cas_seq_cst(&h->owner, &owner, (uint64_t)generation << 32);
    if (freed) {
        /* Relaxed: a statistic, read by observers only. */
        fetch_add_relaxed(&c->recovered, 1);
    }
    wake_all(&c->free_wait);
    wake_all(&c->drain_wait);
    return freed;
}
