/*
 * hostile_peer.c -- a peer that writes garbage into a live ring (by bug or
 * by malice) never makes another participant crash, read out of bounds or
 * wait forever: every call returns, with SHMRING_ECORRUPT (and a message
 * saying what was wrong) or a timeout, and the ring stays usable.
 *
 * The test maps the segment a second time, as any peer can, and scribbles
 * one field at a time (docs/layout.md gives the offsets):
 *   - a slot's length above slot_bytes, for every read path and reader kind
 *     (once SIGBUS in shmring_peek / shmring_read with a large buffer);
 *   - a slot's stamp a few laps ahead (a broadcast reader);
 *   - a group's cursor more than a lap behind tail, and ahead of tail;
 *   - the registry lock word: pids no process can have are taken over at
 *     once (0xFFFFFFFF once made kill(-1, 0) "find" a live holder); a live
 *     pid there makes joins and closes fail after the documented bound;
 *   - writer and reader entries with impossible pids: reaped;
 *   - a readers-writer lock holder with an impossible pid: recovered;
 * and names: ".", "..", embedded NUL bytes are not valid ring names.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "hostile"
#include "unit_checks.h" /* first: it defines _GNU_SOURCE */

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmring.h"
#include "../src/layout.h"
#include "../src/rwlock.h"

#define BIG_BUFFER (1u << 20) /* far more than the segment */
#define SLOT_BYTES 64u
#define SLOT_COUNT 8u
#define WAIT_NS (30ll * 1000000000ll) /* a hang guard, never reached */

/* A second mapping of a named segment: what a scribbling peer has. */
struct peer {
    uint8_t *base;
    size_t bytes;
};

static int peer_map(const char *name, struct peer *p) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) return -1;
    p->bytes = (size_t)lseek(fd, 0, SEEK_END);
    p->base = mmap(NULL, p->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p->base == MAP_FAILED ? -1 : 0;
}

static void peer_unmap(struct peer *p) { munmap(p->base, p->bytes); }

static const struct segment_header *header_of(const struct peer *p) {
    return (const struct segment_header *)p->base;
}
static struct control *control_of(const struct peer *p) {
    return (struct control *)(p->base + SHM_CONTROL_OFFSET);
}
static struct slot_header *slot_of(const struct peer *p, uint64_t sequence) {
    const struct segment_header *h = header_of(p);
    return (struct slot_header *)(p->base + h->slots_offset +
                                  (sequence & (h->array_slots - 1)) *
                                      h->slot_stride);
}
static struct reader_entry *reader_entry_of(const struct peer *p, uint32_t i) {
    return (struct reader_entry *)(p->base + header_of(p)->readers_offset) + i;
}
static struct writer_entry *writer_entry_of(const struct peer *p, uint32_t i) {
    return (struct writer_entry *)(p->base + header_of(p)->writers_offset) + i;
}
static struct group_entry *group_entry_of(const struct peer *p, uint32_t i) {
    return (struct group_entry *)(p->base + header_of(p)->groups_offset) + i;
}

/* The scribbles: plain relaxed stores, as a buggy peer makes them. */
static void scribble_u32(void *field, uint32_t v) {
    __atomic_store_n((uint32_t *)field, v, __ATOMIC_RELAXED);
}
static void scribble_u64(void *field, uint64_t v) {
    __atomic_store_n((uint64_t *)field, v, __ATOMIC_RELAXED);
}

/* What the ring holds in a field (any width up to 64 bits). */
#define peek_field(field) \
    (sizeof *(field) == 8 ? __atomic_load_n((uint64_t *)(field), __ATOMIC_RELAXED) \
                          : __atomic_load_n((uint32_t *)(field), __ATOMIC_RELAXED))

static int error_mentions(const char *word) {
    return strstr(shmring_last_error(), word) != NULL;
}

/* ---- slot length above slot_bytes --------------------------------------- */

enum read_path { COPY, TRY_COPY, COPY_BATCH, PEEK, PEEK_BATCH, PATHS };
static const char *const path_names[PATHS] = {"read", "try_read",
                                              "read_batch", "peek",
                                              "peek_batch"};
enum kind { BROADCAST, MEMBER, LOSSY, KINDS };
static const char *const kind_names[KINDS] = {"broadcast", "member", "lossy"};

/* One read by `path` into a buffer much larger than the segment; the
 * message (if any) goes to *got. */
static int read_by(shmring_reader_t *r, enum read_path path, uint8_t *buffer,
                   uint64_t *got_length, uint8_t *got) {
    uint64_t lengths[4];
    const void *datas[4];
    uint32_t count = 0;
    int rc;
    switch (path) {
    case COPY:
        rc = shmring_read(r, buffer, BIG_BUFFER, got_length, WAIT_NS);
        if (rc == SHMRING_OK) memcpy(got, buffer, *got_length);
        return rc;
    case TRY_COPY:
        rc = shmring_try_read(r, buffer, BIG_BUFFER, got_length);
        if (rc == SHMRING_OK) memcpy(got, buffer, *got_length);
        return rc;
    case COPY_BATCH:
        rc = shmring_read_batch(r, buffer, BIG_BUFFER, lengths, 1, &count,
                                WAIT_NS);
        if (rc == SHMRING_OK) {
            *got_length = lengths[0];
            memcpy(got, buffer, lengths[0]);
        }
        return rc;
    case PEEK:
    case PEEK_BATCH:
        if (path == PEEK) {
            rc = shmring_peek(r, datas, lengths, WAIT_NS);
        } else {
            rc = shmring_peek_batch(r, datas, lengths, 1, &count, WAIT_NS);
        }
        if (rc != SHMRING_OK) return rc;
        /* Touch every byte of the view, as a caller would: a length past
         * the segment's end faults here. */
        *got_length = lengths[0];
        if (lengths[0] <= BIG_BUFFER) memcpy(buffer, datas[0], lengths[0]);
        memcpy(got, datas[0], lengths[0] < SLOT_BYTES ? lengths[0] : SLOT_BYTES);
        return shmring_release(r);
    default:
        return SHMRING_EINVALID;
    }
}

static shmring_reader_t *open_kind(shmring_ring_t *ring, enum kind kind) {
    shmring_reader_t *r = NULL;
    int rc = kind == MEMBER  ? shmring_reader_open(ring, "g", 0, &r)
             : kind == LOSSY ? shmring_reader_open(ring, NULL,
                                                   SHMRING_READER_LOSSY, &r)
                             : shmring_reader_open(ring, NULL, 0, &r);
    return rc == SHMRING_OK ? r : NULL;
}

static void check_bad_length(enum read_path path, enum kind kind,
                             uint32_t bad) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    shmring_reader_t *r = open_kind(ring, kind);
    CHECK(r != NULL);
    shmring_reader_t *other = open_kind(ring, BROADCAST);
    CHECK(other != NULL);
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t first = shmring_next_sequence(ring);
    CHECK_OK(shmring_write(w, "m0", 2, 0));
    CHECK_OK(shmring_write(w, "m1", 2, 0));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    scribble_u32(&slot_of(&p, first)->length, bad);

    uint8_t *buffer = malloc(BIG_BUFFER);
    CHECK(buffer != NULL);
    uint8_t got[SLOT_BYTES];
    uint64_t length = 0;
    int rc = read_by(r, path, buffer, &length, got);
    if (rc != SHMRING_ECORRUPT || !error_mentions("slot_bytes")) {
        FAILF("%s %s of a slot claiming %#x bytes: %s (%s), want "
              "ECORRUPT naming slot_bytes",
              kind_names[kind], path_names[path], bad, rc_name(rc),
              shmring_last_error());
    }
    /* Passed over: the next message comes, and is counted as missed. */
    rc = read_by(r, path, buffer, &length, got);
    if (rc != SHMRING_OK || length != 2 || memcmp(got, "m1", 2) != 0) {
        FAILF("%s %s after the bad slot: %s, length %llu, want m1",
              kind_names[kind], path_names[path], rc_name(rc),
              (unsigned long long)length);
    }
    if (shmring_reader_missed(r) != 1) {
        FAILF("%s %s: missed %llu, want 1", kind_names[kind], path_names[path],
              (unsigned long long)shmring_reader_missed(r));
    }
    /* Another reader meets the same slot and goes on too. */
    CHECK_RC(read_by(other, COPY, buffer, &length, got), SHMRING_ECORRUPT);
    CHECK_OK(read_by(other, COPY, buffer, &length, got));
    CHECK(length == 2 && memcmp(got, "m1", 2) == 0);
    /* Nobody is held back: a whole lap fits again. */
    for (uint32_t i = 0; i < SLOT_COUNT; i++) CHECK_OK(shmring_write(w, "x", 1, 0));
    free(buffer);
    peer_unmap(&p);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(other));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* Lengths past the segment's end but within the buffer (once SIGBUS), and
 * past the buffer too (once ETOOLARGE for ever: the reader stuck). */
static void test_slot_length_every_path(void) {
    const uint32_t bad[] = {BIG_BUFFER / 2, 0xFFFFFFF0u, SLOT_BYTES + 1};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        for (int kind = 0; kind < KINDS; kind++) {
            for (int path = 0; path < PATHS; path++) {
                check_bad_length((enum read_path)path, (enum kind)kind, bad[b]);
            }
        }
    }
}

/* A member that died holding two messages, the first of them scribbled:
 * the surviving member adopts the hold, gets ECORRUPT for that one and
 * the other one redelivered. */
static void test_slot_length_in_an_adopted_hold(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *survivor;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &survivor));
    CHECK_OK(shmring_writer_open(ring, &w));
    int go[2], taken[2]; /* parent -> child, child -> parent */
    CHECK(pipe(go) == 0 && pipe(taken) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) { /* takes m0, m1 and holds them until killed */
        shmring_ring_t *mine;
        shmring_reader_t *member;
        const void *datas[2];
        uint64_t lengths[2];
        uint32_t count = 0;
        if (shmring_open(name, 0, &mine) != SHMRING_OK ||
            shmring_reader_open(mine, "g", 0, &member) != SHMRING_OK) {
            _exit(1);
        }
        char c = 0;
        if (read(go[0], &c, 1) != 1) _exit(1);
        int rc = shmring_peek_batch(member, datas, lengths, 2, &count, WAIT_NS);
        c = rc == SHMRING_OK && count == 2 ? 'y' : 'n';
        if (write(taken[1], &c, 1) != 1) _exit(1);
        for (;;) pause();
    }
    CHECK_OK(shmring_write(w, "m0", 2, 0));
    CHECK_OK(shmring_write(w, "m1", 2, 0));
    /* The child joins before the messages are taken: wait until it has. */
    for (int64_t give_up = now_ns() + WAIT_NS; now_ns() < give_up;) {
        shmring_stats_t *stats;
        CHECK_OK(shmring_stats_read(ring, &stats));
        uint32_t readers = shmring_stats_reader_count(stats);
        shmring_stats_free(stats);
        if (readers == 2) break;
        sched_yield();
    }
    char c = 'g';
    CHECK(write(go[1], &c, 1) == 1);
    CHECK(read(taken[0], &c, 1) == 1 && c == 'y');
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    scribble_u32(&slot_of(&p, 0)->length, BIG_BUFFER / 2);
    CHECK_OK(shmring_write(w, "m2", 2, 0));
    uint8_t *buffer = malloc(BIG_BUFFER);
    CHECK(buffer != NULL);
    uint64_t n;
    CHECK_OK(shmring_read(survivor, buffer, BIG_BUFFER, &n, WAIT_NS));
    CHECK(n == 2 && memcmp(buffer, "m2", 2) == 0);
    /* Idle now: the survivor finds the dead member and adopts its hold. */
    CHECK_RC(shmring_read(survivor, buffer, BIG_BUFFER, &n, WAIT_NS),
             SHMRING_ECORRUPT);
    CHECK(error_mentions("slot_bytes"));
    CHECK_OK(shmring_read(survivor, buffer, BIG_BUFFER, &n, WAIT_NS));
    CHECK(n == 2 && memcmp(buffer, "m1", 2) == 0);
    CHECK_EQ_U64(shmring_reader_missed(survivor), 1);
    free(buffer);
    peer_unmap(&p);
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(taken[i]);
    }
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(survivor));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* ---- stamps and group cursors --------------------------------------------- */

static void test_broadcast_future_stamp(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t first = shmring_next_sequence(ring);
    CHECK_OK(shmring_write(w, "m0", 2, 0));
    CHECK_OK(shmring_write(w, "m1", 2, 0));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    scribble_u64(&slot_of(&p, first)->stamp, (first + 5 * SLOT_COUNT) << 1);
    char buf[SLOT_BYTES];
    uint64_t n;
    CHECK_RC(shmring_read(r, buf, sizeof buf, &n, WAIT_NS), SHMRING_ECORRUPT);
    CHECK(error_mentions("stamp"));
    CHECK_OK(shmring_read(r, buf, sizeof buf, &n, WAIT_NS));
    CHECK(n == 2 && memcmp(buf, "m1", 2) == 0);
    peer_unmap(&p);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* A member whose group cursor was moved `delta` from tail reports it and
 * the group goes on with the next message written. */
static void check_group_cursor(int64_t delta, const char *word) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    char buf[SLOT_BYTES];
    uint64_t n;
    /* Two laps and a half, so that a cursor a lap behind is still past
     * skip_floor (0), which would otherwise pull it forward. */
    for (uint32_t i = 0; i < 2 * SLOT_COUNT + 4; i++) {
        CHECK_OK(shmring_write(w, "old", 3, 0));
        CHECK_OK(shmring_read(r, buf, sizeof buf, &n, 0));
    }
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    uint64_t tail = shmring_next_sequence(ring);
    scribble_u64(&group_entry_of(&p, 0)->next, tail + (uint64_t)delta);
    int rc = shmring_read(r, buf, sizeof buf, &n, WAIT_NS);
    if (rc != SHMRING_ECORRUPT || !error_mentions(word)) {
        FAILF("cursor moved by %lld: %s (%s), want ECORRUPT saying \"%s\"",
              (long long)delta, rc_name(rc), shmring_last_error(), word);
    }
    CHECK_OK(shmring_write(w, "new", 3, 0));
    CHECK_OK(shmring_read(r, buf, sizeof buf, &n, WAIT_NS));
    CHECK(n == 3 && memcmp(buf, "new", 3) == 0);
    peer_unmap(&p);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

static void test_group_cursor_behind(void) {
    check_group_cursor(-(int64_t)SLOT_COUNT - 4, "more than a lap behind");
}
static void test_group_cursor_ahead(void) { check_group_cursor(1000, "ahead"); }

/* ---- pids ------------------------------------------------------------------ */

static uint32_t kernel_pid_max(void) {
    FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
    unsigned long v = 0;
    if (f) {
        if (fscanf(f, "%lu", &v) != 1) v = 0;
        fclose(f);
    }
    return v ? (uint32_t)v : (1u << 22);
}

/* A lock word naming no possible process is taken over at once: joins and
 * closes go on (once: every join timed out, as the holder looked alive). */
static void test_lock_word_impossible_pid(void) {
    const uint32_t words[] = {0xFFFFFFFFu, 0x80000000u, 1u << 22,
                              kernel_pid_max()};
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_options_t *options;
    CHECK_OK(shmring_options_create(&options));
    CHECK_OK(shmring_options_set_close_on_last_writer(options, 0));
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, options, &ring));
    shmring_options_destroy(options);
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        shmring_reader_t *r;
        shmring_writer_t *w;
        scribble_u32(&control_of(&p)->registry_lock, words[i]);
        int rc = shmring_reader_open(ring, NULL, 0, &r);
        if (rc != SHMRING_OK) {
            FAILF("reader_open with lock word %#x: %s (%s)", words[i],
                  rc_name(rc), shmring_last_error());
            continue;
        }
        scribble_u32(&control_of(&p)->registry_lock, words[i]);
        CHECK_OK(shmring_writer_open(ring, &w));
        scribble_u32(&control_of(&p)->registry_lock, words[i]);
        CHECK_OK(shmring_writer_close(w));
        scribble_u32(&control_of(&p)->registry_lock, words[i]);
        CHECK_OK(shmring_reader_close(r));
        CHECK_EQ_U64(peek_field(&control_of(&p)->registry_lock), 0);
    }
    peer_unmap(&p);
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* A live pid in the lock word (ours: alive as long as we look) bounds
 * joins and closes: an error after the documented bound, never an endless
 * wait; the data path does not need the lock. */
static void test_lock_word_live_pid(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r, *late;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    scribble_u32(&control_of(&p)->registry_lock, (uint32_t)getpid());
    CHECK_RC(shmring_reader_open(ring, NULL, 0, &late), SHMRING_ETIMEOUT);
    CHECK(error_mentions("registry lock"));
    char buf[SLOT_BYTES];
    uint64_t n;
    CHECK_OK(shmring_write(w, "m", 1, 0));
    CHECK_OK(shmring_read(r, buf, sizeof buf, &n, 0));
    /* A close past the bound frees its entry anyway, and says so. */
    CHECK_RC(shmring_reader_close(r), SHMRING_ETIMEOUT);
    scribble_u32(&control_of(&p)->registry_lock, 0);
    CHECK_EQ_U64(peek_field(&reader_entry_of(&p, 0)->state), SHM_ENTRY_FREE);
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &late));
    peer_unmap(&p);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(late));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* A reader entry whose pid no process can have is reaped like a dead one:
 * a writer it held back goes on. */
static void test_reader_entry_impossible_pid(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    reader_entry_of(&p, 0)->pid = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < SLOT_COUNT; i++) CHECK_OK(shmring_write(w, "x", 1, 0));
    CHECK_OK(shmring_write(w, "y", 1, WAIT_NS));
    CHECK_EQ_U64(peek_field(&control_of(&p)->readers_reaped), 1);
    /* The handle's entry is gone: its close says so and frees nothing. */
    CHECK_RC(shmring_reader_close(r), SHMRING_ECORRUPT);
    peer_unmap(&p);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* A writer entry with pid 0 (never a process) is reaped by a reader stuck
 * waiting: it was the last writer, so the stream ends. */
static void test_writer_entry_pid_zero(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOT_COUNT, NULL, &ring));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    writer_entry_of(&p, 0)->pid = 0;
    char buf[SLOT_BYTES];
    uint64_t n;
    CHECK_RC(shmring_read(r, buf, sizeof buf, &n, WAIT_NS), SHMRING_ECLOSED);
    CHECK_EQ_U64(peek_field(&control_of(&p)->writers_reaped), 1);
    CHECK_RC(shmring_writer_close(w), SHMRING_ECORRUPT);
    CHECK_EQ_U64(peek_field(&control_of(&p)->writers_open), 0);
    peer_unmap(&p);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    shmring_unlink(name);
}

/* A readers-writer lock held exclusively by a holder whose pid was
 * overwritten with one no process can have: the next writer recovers it. */
static void test_rwlock_holder_impossible_pid(void) {
    const char *name = unique_name();
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(name, 4, 0600, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    CHECK_OK(shmring_rwlock_lock_exclusive(a, 0));
    struct peer p;
    CHECK(peer_map(name, &p) == 0);
    struct rwlock_holder *holders =
        (struct rwlock_holder *)(p.base + RWLOCK_HOLDERS_OFFSET);
    int found = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t owner = peek_field(&holders[i].owner);
        if ((uint32_t)owner != (uint32_t)getpid() || found) continue;
        /* The first holder claimed is a's. */
        scribble_u64(&holders[i].owner, (owner & ~0xFFFFFFFFull) | 0xFFFFFFFFu);
        found = 1;
    }
    CHECK(found);
    CHECK_OK(shmring_rwlock_lock_exclusive(b, WAIT_NS));
    CHECK_OK(shmring_rwlock_unlock_exclusive(b));
    peer_unmap(&p);
    CHECK_OK(shmring_rwlock_close(b));
    shmring_rwlock_close(a);
    shmring_unlink(name);
}

/* ---- names ----------------------------------------------------------------- */

static void test_names(void) {
    const char *bad[] = {".", "..", "/.", "/..", "", "/", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shmring_ring_t *ring;
        shmring_rwlock_t *lock;
        int rc = shmring_create(bad[i], SLOT_BYTES, SLOT_COUNT, NULL, &ring);
        if (rc != SHMRING_EINVALID || !error_mentions("not a valid ring name")) {
            FAILF("create(\"%s\"): %s (%s)", bad[i], rc_name(rc),
                  shmring_last_error());
        }
        CHECK_RC(shmring_open(bad[i], 0, &ring), SHMRING_EINVALID);
        CHECK_RC(shmring_unlink(bad[i]), SHMRING_EINVALID);
        CHECK_RC(shmring_rwlock_create(bad[i], 4, 0600, &lock), SHMRING_EINVALID);
        CHECK_RC(shmring_name_check(bad[i], strlen(bad[i])), SHMRING_EINVALID);
    }
    CHECK_RC(shmring_name_check("/ab\0cd", 6), SHMRING_EINVALID);
    CHECK(error_mentions("not a valid ring name") && error_mentions("NUL"));
    CHECK(error_mentions("ab\\0cd"));
    CHECK_OK(shmring_name_check("/ab\0cd", 3));
    CHECK_OK(shmring_name_check("/...", 4));
    CHECK_OK(shmring_name_check("ab", 2));
    CHECK_RC(shmring_name_check(NULL, 0), SHMRING_EINVALID);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_names);
    tu_watchdog(600);
    RUN(test_slot_length_every_path);
    RUN(test_slot_length_in_an_adopted_hold);
    RUN(test_broadcast_future_stamp);
    RUN(test_group_cursor_behind);
    RUN(test_group_cursor_ahead);
    RUN(test_lock_word_impossible_pid);
    RUN(test_lock_word_live_pid);
    RUN(test_reader_entry_impossible_pid);
    RUN(test_writer_entry_pid_zero);
    RUN(test_rwlock_holder_impossible_pid);
    RUN(test_names);
    printf("%d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
