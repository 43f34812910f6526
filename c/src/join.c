/*
 * join.c -- waiting for readers: a producer sleeps on the ring's join_wait
 * event count until n readers (optionally of one group) have joined, woken
 * by each join (shmring_reader_open wakes join_wait after its entry's
 * seq_cst ACTIVE store), not by polling.
 */
#include <string.h>

#include "internal.h"

#define READERS_MISSING 1 /* not a status code: the attempt's not-ready */

struct readers_wanted {
    shmring_ring_t *ring;
    uint32_t count;
    const char *group;                /* NULL: every kind of reader */
    uint32_t seen;                    /* at the last attempt */
};

/* 1 if entry e is a member of the group named `group`. */
static int member_of(const shmring_ring_t *ring, const struct reader_entry *e,
                     const char *group) {
    /* Relaxed: published by the state load of the caller. */
    if (load_relaxed(&e->kind) != SHM_READER_GROUP_MEMBER) return 0;
    /* Relaxed: as above; checked against the table before use. */
    uint32_t index = load_relaxed(&e->group_index);
    if (index >= ring->header->max_groups) return 0;
    const struct group_entry *g = &ring->groups[index];
    return strncmp(g->name, group, sizeof g->name) == 0;
}

static int count_attempt(void *context) {
    struct readers_wanted *w = context;
    const shmring_ring_t *ring = w->ring;
    /* SYNC(high-water): pairs with store_seq_cst in raise_high_water. */
    uint32_t scan = load_seq_cst(&ring->control->readers_high_water);
    if (scan > ring->header->max_readers) scan = ring->header->max_readers;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < scan; i++) {
        const struct reader_entry *e = &ring->readers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_reader; seq_cst after our registration (W1) on
         * join_wait. */
        if (load_seq_cst(&e->state) != SHM_ENTRY_ACTIVE) continue;
        if (w->group && !member_of(ring, e, w->group)) continue;
        seen++;
    }
    w->seen = seen;
    return seen >= w->count ? SHMRING_OK : READERS_MISSING;
}

static int wait_for_readers_by(shmring_ring_t *ring, uint32_t count,
                               const char *group,
                               const struct deadline *deadline) {
    if (!ring) return set_error(SHMRING_EINVALID, "ring is NULL");
    if (group && (group[0] == '\0' || strlen(group) >= SHM_GROUP_NAME_BYTES)) {
        return set_error(SHMRING_EINVALID, "group name must be 1..%u bytes",
                         SHM_GROUP_NAME_BYTES - 1);
    }
    struct readers_wanted w = {ring, count, group, 0};
    struct spinner spin;
    spinner_init(&spin);
    atomic_u64 unused_counter = 0;
    int rc = wait_until_ready(count_attempt, &w, READERS_MISSING,
                              &ring->control->join_wait, deadline, &spin,
                              &unused_counter, NULL);
    if (rc == READERS_MISSING || rc == SHMRING_ETIMEOUT) {
        return set_error(SHMRING_ETIMEOUT,
                         "%u of %u reader(s)%s%s joined before the deadline",
                         w.seen, count, group ? " of group " : "",
                         group ? group : "");
    }
    return rc;
}

SHMRING_API int shmring_wait_for_readers(shmring_ring_t *ring, uint32_t count,
                                         const char *group,
                                         int64_t timeout_ns) {
    struct deadline deadline = deadline_in(timeout_ns);
    return wait_for_readers_by(ring, count, group, &deadline);
}

SHMRING_API int shmring_wait_for_readers_until(shmring_ring_t *ring,
                                               uint32_t count,
                                               const char *group,
                                               int64_t deadline_ns) {
    struct deadline deadline = deadline_at(deadline_ns);
    return wait_for_readers_by(ring, count, group, &deadline);
}
