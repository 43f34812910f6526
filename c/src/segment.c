/*
 * segment.c -- creating, opening, inspecting and closing ring segments, and
 * the ring handle's accessors (shmring_name, shmring_slot_bytes, ...).
 *
 * The creator reserves every byte (posix_fallocate) before mapping, fills
 * the header and the slot stamps, and only then release-stores
 * layout_version; an opener acquire-loads it, waits while it is 0, and
 * maps the segment only once segment_check.c accepts its header, and keeps
 * it only once it accepts its tables. ring_inspect_fd reads a segment the
 * same way, read-only, without joining it (shmring_inspect).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "geometry.h"
#include "internal.h"
#include "slots.h"

/* Refuse what no fallocate could give: more than off_t can address, or,
 * for an anonymous ring (memfd, which has no tmpfs size limit and would
 * meet the OOM killer instead), more than the free physical memory. */
static int check_memory(const struct geometry *g, const char *name) {
    uint64_t limit = INT64_MAX < SIZE_MAX ? INT64_MAX : SIZE_MAX;
    if (!name) {
        long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0) limit = (uint64_t)pages * (uint64_t)page;
    }
    if (g->segment_bytes > limit) {
        return set_error(SHMRING_ENOSPACE,
                         "a ring of %llu bytes exceeds the %llu bytes "
                         "available",
                         (unsigned long long)g->segment_bytes,
                         (unsigned long long)limit);
    }
    return SHMRING_OK;
}

/* Point a handle's fields at a mapping whose header has been validated. */
static void attach_views(shmring_ring_t *ring, uint8_t *base, uint64_t bytes,
                         const struct segment_header *validated) {
    ring->base = base;
    ring->mapped_bytes = bytes;
    memcpy(&ring->header_copy, validated, sizeof ring->header_copy);
    ring->header = &ring->header_copy;
    ring->control = (struct control *)(base + SHM_CONTROL_OFFSET);
    ring->writers = (struct writer_entry *)(base + ring->header->writers_offset);
    ring->readers = (struct reader_entry *)(base + ring->header->readers_offset);
    ring->groups = (struct group_entry *)(base + ring->header->groups_offset);
    ring->slots = base + ring->header->slots_offset;
    ring->capacity = ring->header->capacity;
    ring->array_slots = ring->header->array_slots;
    ring->slot_mask = ring->array_slots - 1;
    ring->slot_stride = ring->header->slot_stride;
    ring->slot_bytes = ring->header->slot_bytes;
}

static void initialize_segment(uint8_t *base, const struct geometry *g,
                               const shmring_options_t *o) {
    struct segment_header *h = (struct segment_header *)base;
    memcpy(h->magic, SHM_MAGIC, sizeof h->magic);
    h->byte_order_mark = SHM_BYTE_ORDER_MARK;
    h->segment_bytes = g->segment_bytes;
    h->slot_bytes = g->slot_bytes;
    h->array_slots = g->array_slots;
    h->capacity = g->capacity;
    h->slot_stride = g->slot_stride;
    h->max_writers = g->max_writers;
    h->max_readers = g->max_readers;
    h->max_groups = g->max_groups;
    h->config_flags = o->close_on_last_writer ? SHM_CONFIG_CLOSE_ON_LAST_WRITER
                                              : 0;
    h->writers_offset = g->writers_offset;
    h->readers_offset = g->readers_offset;
    h->groups_offset = g->groups_offset;
    h->slots_offset = g->slots_offset;
    h->initial_sequence = o->initial_sequence;
    h->creator_pid = (uint32_t)getpid();
    h->block_bytes = SHM_BLOCK;
    h->creator_start_time = process_start_time(h->creator_pid);

    struct control *c = (struct control *)(base + SHM_CONTROL_OFFSET);
    /* Relaxed: nobody can see the segment before layout_version is
     * published below. */
    store_relaxed(&c->tail, o->initial_sequence);
    store_relaxed(&c->skip_floor, o->initial_sequence);
    /* Each slot claims to be mid-write for the sequence one lap before the
     * first it will hold, so no reader takes it for a message. Relaxed:
     * published with layout_version, as above. */
    uint64_t n = g->array_slots;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t first = o->initial_sequence + ((i - o->initial_sequence) & (n - 1));
        struct slot_header *slot =
            (struct slot_header *)(base + g->slots_offset + i * g->slot_stride);
        store_relaxed(&slot->stamp, stamp_writing(first - n));
    }
    /* SYNC(layout-published): pairs with load_acquire(layout_version) in
     * shm_copy_header: everything above is visible to an opener that sees
     * the version. */
    store_release(&h->layout_version, SHMRING_LAYOUT_VERSION);
}

SHMRING_API int shmring_create(const char *name, uint64_t slot_bytes,
                               uint64_t slot_count,
                               const shmring_options_t *options,
                               shmring_ring_t **ring_out) {
    if (!ring_out) return set_error(SHMRING_EINVALID, "ring_out is NULL");
    *ring_out = NULL;
    shmring_options_t defaults;
    if (!options) {
        shmring_options_t *d;
        int rc = shmring_options_create(&d);
        if (rc != SHMRING_OK) return rc;
        defaults = *d;
        shmring_options_destroy(d);
        options = &defaults;
    }
    struct geometry g = {.slot_bytes = slot_bytes,
                         .capacity = slot_count,
                         .array_slots = geometry_array_slots(slot_count),
                         .max_writers = options->max_writers,
                         .max_readers = options->max_readers,
                         .max_groups = options->max_groups};
    int rc = geometry_compute(&g);
    if (rc != SHMRING_OK) return rc;
    if ((rc = check_memory(&g, name)) != SHMRING_OK) return rc;

    shmring_ring_t *ring = calloc(1, sizeof *ring);
    if (!ring) return set_error(SHMRING_ENOMEM, "cannot allocate ring handle");
    int fd;
    if (name && (rc = shm_normalize_name(name, &ring->name)) != SHMRING_OK) {
        goto fail;
    }
    rc = shm_create_file(ring->name, options->mode, g.segment_bytes, "shmring",
                         options->replace_stale, &fd);
    if (rc != SHMRING_OK) goto fail;
    void *base = mmap(NULL, g.segment_bytes, PROT_READ | PROT_WRITE,
                      MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = shm_os_error(errno, "cannot map segment", ring->name);
        goto fail_fd;
    }
    initialize_segment(base, &g, options);
    shm_creation_done(fd);
    close(fd);
    attach_views(ring, base, g.segment_bytes, (struct segment_header *)base);
    *ring_out = ring;
    return SHMRING_OK;

fail_fd:
    if (ring->name) shm_unlink(ring->name);
    close(fd);
fail:
    free(ring->name);
    free(ring);
    return rc;
}

static int open_by(const char *name, const struct deadline *deadline,
                   shmring_opener_t *opener, shmring_ring_t **ring_out) {
    if (!ring_out) return set_error(SHMRING_EINVALID, "ring_out is NULL");
    *ring_out = NULL;
    shmring_ring_t *ring = calloc(1, sizeof *ring);
    if (!ring) return set_error(SHMRING_ENOMEM, "cannot allocate ring handle");
    int rc = shm_normalize_name(name, &ring->name);
    if (rc != SHMRING_OK) goto fail;
    int fd;
    uint64_t bytes = 0;
    struct segment_header header;
    rc = shm_open_when_ready(ring->name, deadline, opener, ring_check_segment,
                             &header, &bytes, &fd);
    if (rc != SHMRING_OK) goto fail;
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int map_errno = errno;
    close(fd);
    if (base == MAP_FAILED) {
        rc = shm_os_error(map_errno, "cannot map segment", ring->name);
        goto fail;
    }
    attach_views(ring, base, bytes, &header);
    if ((rc = ring_check_tables(ring)) != SHMRING_OK) {
        munmap(base, bytes);
        goto fail;
    }
    *ring_out = ring;
    return SHMRING_OK;
fail:
    free(ring->name);
    free(ring);
    return rc;
}

SHMRING_API int shmring_open(const char *name, int64_t timeout_ns,
                             shmring_ring_t **ring_out) {
    struct deadline deadline = deadline_in(timeout_ns);
    return open_by(name, &deadline, NULL, ring_out);
}

SHMRING_API int shmring_open_until(const char *name, int64_t deadline_ns,
                                   shmring_opener_t *opener,
                                   shmring_ring_t **ring_out) {
    struct deadline deadline = deadline_at(deadline_ns);
    return open_by(name, &deadline, opener, ring_out);
}

/* Entries of one table that say a process uses the ring. */
static void note_writers(const shmring_ring_t *ring, shmring_inspection_t *in) {
    for (uint32_t i = 0; i < ring->header->max_writers; i++) {
        const struct writer_entry *e = &ring->writers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_writer: the pid and start time stored before it are
         * this owner's. */
        if (load_seq_cst(&e->state) != SHM_ENTRY_ACTIVE) continue;
        in->fields[SHMRING_INSPECT_LIVE_WRITERS] +=
            inspection_note(in, e->pid, e->start_time, SHMRING_ROLE_WRITER);
    }
}

static void note_readers(const shmring_ring_t *ring, shmring_inspection_t *in) {
    for (uint32_t i = 0; i < ring->header->max_readers; i++) {
        const struct reader_entry *e = &ring->readers[i];
        /* SYNC(entry-active): as in note_writers. ORPHAN entries are a dead
         * member's hold; ADOPTED ones belong to their adopter's entry. */
        if (load_seq_cst(&e->state) != SHM_ENTRY_ACTIVE) continue;
        in->fields[SHMRING_INSPECT_LIVE_READERS] +=
            inspection_note(in, e->pid, e->start_time, SHMRING_ROLE_READER);
    }
}

int ring_inspect_fd(int fd, const char *name, shmring_inspection_t *in) {
    struct segment_header header;
    uint64_t bytes = 0;
    int rc = ring_check_segment(fd, name, &bytes, &header);
    if (rc != SHMRING_OK) return rc;
    void *base = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return shm_os_error(errno, "cannot map", name);
    shmring_ring_t ring = {.name = (char *)name};
    attach_views(&ring, base, bytes, &header);
    rc = ring_check_tables(&ring);
    if (rc == SHMRING_OK) {
        uint64_t *f = in->fields;
        f[SHMRING_INSPECT_LAYOUT_VERSION] = SHMRING_LAYOUT_VERSION;
        f[SHMRING_INSPECT_SLOT_BYTES] = header.slot_bytes;
        f[SHMRING_INSPECT_SLOT_COUNT] = header.capacity;
        f[SHMRING_INSPECT_MAX_WRITERS] = header.max_writers;
        f[SHMRING_INSPECT_MAX_READERS] = header.max_readers;
        f[SHMRING_INSPECT_MAX_GROUPS] = header.max_groups;
        f[SHMRING_INSPECT_CREATOR_PID] = header.creator_pid;
        f[SHMRING_INSPECT_CREATOR_ALIVE] =
            inspection_note(in, header.creator_pid, header.creator_start_time,
                            SHMRING_ROLE_CREATOR);
        uint64_t start = 0;
        uint32_t joining = registry_lock_holder(&ring, &start);
        if (joining) inspection_note(in, joining, start, SHMRING_ROLE_JOINING);
        note_writers(&ring, in);
        note_readers(&ring, in);
    }
    munmap(base, bytes);
    return rc;
}

SHMRING_API int shmring_close(shmring_ring_t *ring) {
    if (!ring) return set_error(SHMRING_EINVALID, "ring is NULL");
    munmap(ring->base, ring->mapped_bytes);
    free(ring->name);
    free(ring);
    return SHMRING_OK;
}

SHMRING_API int shmring_unlink(const char *name) {
    char *normalized;
    int rc = shm_normalize_name(name, &normalized);
    if (rc != SHMRING_OK) return rc;
    if (shm_unlink(normalized) != 0) {
        rc = shm_os_error(errno, "cannot unlink segment", normalized);
    }
    free(normalized);
    return rc;
}

SHMRING_API const char *shmring_name(const shmring_ring_t *ring) {
    return ring ? ring->name : NULL;
}
SHMRING_API uint64_t shmring_slot_bytes(const shmring_ring_t *ring) {
    return ring ? ring->slot_bytes : 0;
}
SHMRING_API uint64_t shmring_slot_count(const shmring_ring_t *ring) {
    return ring ? ring->capacity : 0;
}
SHMRING_API uint32_t shmring_max_writers(const shmring_ring_t *ring) {
    return ring ? ring->header->max_writers : 0;
}
SHMRING_API uint32_t shmring_max_readers(const shmring_ring_t *ring) {
    return ring ? ring->header->max_readers : 0;
}
SHMRING_API uint32_t shmring_max_groups(const shmring_ring_t *ring) {
    return ring ? ring->header->max_groups : 0;
}
SHMRING_API uint32_t shmring_layout_version(const shmring_ring_t *ring) {
    /* Relaxed: immutable once the handle exists (validated at open). */
    return ring ? load_relaxed(&ring->header->layout_version) : 0;
}
SHMRING_API uint64_t shmring_segment_bytes(const shmring_ring_t *ring) {
    return ring ? ring->mapped_bytes : 0;
}
