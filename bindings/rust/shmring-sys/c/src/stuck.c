/*
 * stuck.c -- the one timer of "stuck for longer than the reap bound": a
 * writer that finds no free slot, a reader that finds nothing at its
 * position, and a readers-writer lock waiter each look for a dead
 * participant once per SHM_REAP_AFTER_NS of being stuck, and never pay for
 * the clock while they make progress.
 */
#include "internal.h"

int stuck_timer_due(struct stuck_timer *t, uint64_t at) {
    int64_t now = monotonic_ns();
    if (t->since_ns == 0 || t->at != at) {
        t->at = at;
        t->since_ns = now;
        return 0;
    }
    if (now - t->since_ns < SHM_REAP_AFTER_NS) return 0;
    t->since_ns = now;
    return 1;
}

void stuck_timer_reset(struct stuck_timer *t) { t->since_ns = 0; }
