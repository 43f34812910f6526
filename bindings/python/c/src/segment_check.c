/*
 * segment_check.c -- what a ring segment must be before this process
 * follows anything in it: its header agrees with the layout version, with
 * the geometry it implies and with the file's size (ring_check_segment),
 * and its control counters and entries are in range (ring_check_tables).
 * Every value a correct ring can hold passes; garbage is refused with
 * SHMRING_ECORRUPT (or SHMRING_EVERSION) rather than followed.
 */
#include <stdio.h>

#include "geometry.h"
#include "internal.h"

/* Checks a header against the file it came from. SHMRING_EEMPTY = not
 * initialised yet (the creator is still at work). */
static int validate_header(const struct segment_header *h, uint32_t version,
                           uint64_t file_bytes, const char *name) {
    int rc = shm_check_identity(h, version, SHM_MAGIC, SHMRING_LAYOUT_VERSION,
                                "", name);
    if (rc != SHMRING_OK) return rc;
    struct geometry g = {.slot_bytes = h->slot_bytes,
                         .capacity = h->capacity,
                         .array_slots = h->array_slots,
                         .max_writers = h->max_writers,
                         .max_readers = h->max_readers,
                         .max_groups = h->max_groups};
    if (geometry_compute(&g) != SHMRING_OK) {
        char reason[160];
        snprintf(reason, sizeof reason, "%s", shmring_last_error());
        return set_error(SHMRING_ECORRUPT, "%s has an impossible geometry: %s",
                         name, reason);
    }
    if (h->block_bytes != SHM_BLOCK || g.slot_stride != h->slot_stride ||
        g.writers_offset != h->writers_offset ||
        g.readers_offset != h->readers_offset ||
        g.groups_offset != h->groups_offset ||
        g.slots_offset != h->slots_offset ||
        g.segment_bytes != h->segment_bytes) {
        return set_error(SHMRING_ECORRUPT,
                         "%s: header offsets disagree with its geometry", name);
    }
    if (h->segment_bytes != file_bytes) {
        return set_error(SHMRING_ECORRUPT,
                         "%s is %llu bytes but its header says %llu "
                         "(truncated?)",
                         name, (unsigned long long)file_bytes,
                         (unsigned long long)h->segment_bytes);
    }
    return SHMRING_OK;
}

/* The shared state an opener relies on to stay inside the mapping and to
 * terminate: counters and entry fields with a bounded range. Every value a
 * correct ring can hold passes; garbage is refused rather than followed. */
int ring_check_tables(const shmring_ring_t *ring) {
    const struct segment_header *h = ring->header;
    const struct control *c = ring->control;
    const char *name = ring->name;
    /* Relaxed: a snapshot for plausibility only. */
    uint32_t closed = load_relaxed(&c->closed);
    uint32_t writers_hw = load_relaxed(&c->writers_high_water);
    uint32_t readers_hw = load_relaxed(&c->readers_high_water);
    uint32_t groups_hw = load_relaxed(&c->groups_high_water);
    uint32_t writers_open = load_relaxed(&c->writers_open);
    if (closed > 1 || writers_hw > h->max_writers ||
        readers_hw > h->max_readers || groups_hw > h->max_groups ||
        writers_open > h->max_writers) {
        return set_error(SHMRING_ECORRUPT,
                         "%s: control counters out of range (closed %u, "
                         "high-water marks %u/%u/%u, writers open %u)",
                         name, closed, writers_hw, readers_hw, groups_hw,
                         writers_open);
    }
    for (uint32_t i = 0; i < h->max_writers; i++) {
        /* Relaxed: a plausibility snapshot. */
        uint32_t state = load_relaxed(&ring->writers[i].state);
        if (state > SHM_ENTRY_ACTIVE) {
            return set_error(SHMRING_ECORRUPT, "%s: writer entry %u has state %u",
                             name, i, state);
        }
    }
    for (uint32_t i = 0; i < h->max_groups; i++) {
        /* Relaxed: a plausibility snapshot. */
        uint32_t state = load_relaxed(&ring->groups[i].state);
        if (state > SHM_ENTRY_ACTIVE) {
            return set_error(SHMRING_ECORRUPT, "%s: group entry %u has state %u",
                             name, i, state);
        }
    }
    for (uint32_t i = 0; i < h->max_readers; i++) {
        const struct reader_entry *r = &ring->readers[i];
        /* Relaxed: a plausibility snapshot. */
        uint32_t state = load_relaxed(&r->state), kind = load_relaxed(&r->kind);
        uint32_t group = load_relaxed(&r->group_index);
        uint32_t adopter = load_relaxed(&r->adopter);
        /* Orphaned holds (and their adopters) are group members. */
        int held = state == SHM_ENTRY_ORPHAN || state == SHM_ENTRY_ADOPTED;
        int bad = state > SHM_ENTRY_ADOPTED ||
                  (held && kind != SHM_READER_GROUP_MEMBER) ||
                  (state == SHM_ENTRY_ADOPTED &&
                   (adopter == 0 || adopter > h->max_readers)) ||
                  (state != SHM_ENTRY_FREE &&
                   (kind < SHM_READER_BROADCAST || kind > SHM_READER_LOSSY ||
                    (kind == SHM_READER_GROUP_MEMBER && group >= h->max_groups)));
        if (bad) {
            return set_error(SHMRING_ECORRUPT,
                             "%s: reader entry %u has state %u, kind %u", name,
                             i, state, kind);
        }
    }
    return SHMRING_OK;
}

/* Map the header of fd and validate it; SHMRING_EEMPTY while not ready. */
int ring_check_segment(int fd, const char *name, uint64_t *bytes_out,
                         void *header) {
    struct segment_header *copy = header;
    uint32_t version;
    int rc = shm_copy_header(fd, name, "shmring", sizeof *copy,
                             offsetof(struct segment_header, layout_version),
                             copy, &version, bytes_out);
    return rc == SHMRING_OK ? validate_header(copy, version, *bytes_out, name)
                            : rc;
}
