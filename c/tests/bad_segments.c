/*
 * bad_segments.c -- opening a segment that is not a healthy v2 ring gives a
 * clear status and message, and never crashes (no SIGBUS/SIGSEGV, no
 * mapping of a size the file does not have).
 *
 * Each case damages a real ring (or makes a file by hand) in /dev/shm,
 * opens it, prints what shmring_open() reported and checks the status.
 * docs/layout.md, "Opening": wrong magic, size < 128, file size different
 * from segment_bytes, any derived value that differs, or a capacity of 0 or
 * above the slot array: ECORRUPT; a
 * layout_version other than 2 or a foreign byte order: EVERSION (naming
 * both versions); layout_version 0: retry until the deadline, ETIMEOUT.
 *
 * Also: a create that cannot get its memory fails with ENOSPACE at once
 * and leaves no segment behind.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "bad" /* segment names /shmring_bad_... */
#include "unit_checks.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"
#include "../src/layout.h"

/* A real, healthy ring of this geometry under `name`; returns its size. */
static uint64_t make_ring(const char *name, uint64_t slot_bytes,
                          uint64_t slot_count) {
    shmring_ring_t *ring;
    int rc = shmring_create(name, slot_bytes, slot_count, NULL, &ring);
    if (rc != SHMRING_OK) {
        FAILF("create %s: %s: %s", name, rc_name(rc), shmring_last_error());
        return 0;
    }
    uint64_t bytes = shmring_segment_bytes(ring);
    shmring_close(ring);
    return bytes;
}

static int open_file(const char *name) {
    char path[128];
    return open(shm_path(name, path, sizeof path), O_RDWR | O_CLOEXEC);
}

static int poke(const char *name, size_t offset, const void *data, size_t n) {
    int fd = open_file(name);
    if (fd < 0) return -1;
    ssize_t w = pwrite(fd, data, n, (off_t)offset);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}
static int poke_u32(const char *name, size_t offset, uint32_t v) {
    return poke(name, offset, &v, sizeof v);
}
static int poke_u64(const char *name, size_t offset, uint64_t v) {
    return poke(name, offset, &v, sizeof v);
}
static int peek_header(const char *name, struct segment_header *h) {
    int fd = open_file(name);
    if (fd < 0) return -1;
    ssize_t r = pread(fd, h, sizeof *h, 0);
    close(fd);
    return r == (ssize_t)sizeof *h ? 0 : -1;
}

/* Open `name`, print the outcome, and check it is `want` (and, if given,
 * that the message contains `needle`). Returns the status. */
static int expect_open(const char *label, const char *name, int64_t timeout,
                       int want, const char *needle) {
    shmring_ring_t *ring = (shmring_ring_t *)1;
    int64_t t0 = now_ns();
    int rc = shmring_open(name, timeout, &ring);
    double ms = (now_ns() - t0) / 1e6;
    printf("  %-44s -> %-11s (%.1f ms) %s\n", label, rc_name(rc), ms,
           rc == SHMRING_OK ? "" : shmring_last_error());
    if (rc == SHMRING_OK) {
        shmring_close(ring);
    } else if (ring != NULL) {
        FAILF("%s: ring_out not NULL after a failed open", label);
    }
    if (rc != want) {
        FAILF("%s: open = %s, want %s (%s)", label, rc_name(rc), rc_name(want),
              shmring_last_error());
    } else if (needle && rc != SHMRING_OK &&
               strstr(shmring_last_error(), needle) == NULL) {
        FAILF("%s: message \"%s\" does not mention \"%s\"", label,
              shmring_last_error(), needle);
    }
    return rc;
}

/* ---- cases on damaged real rings ------------------------------------------ */

static void test_healthy_control(void) {
    const char *name = unique_name();
    CHECK(make_ring(name, 64, 8));
    expect_open("healthy ring (control)", name, 0, SHMRING_OK, NULL);
}

static void test_truncated(void) {
    const char *name = unique_name();
    /* The creator keeps its handle (and mapping) while the file shrinks:
     * the opener must notice before mapping, and the creator must simply
     * not touch it (it is closed without access below). */
    shmring_ring_t *creator;
    CHECK_OK(shmring_create(name, 256, 64, NULL, &creator));
    uint64_t bytes = shmring_segment_bytes(creator);
    char path[128];
    CHECK(truncate(shm_path(name, path, sizeof path), (off_t)(bytes / 2)) == 0);
    expect_open("truncated to half", name, 50000000, SHMRING_ECORRUPT,
                "truncated");
    CHECK(truncate(path, (off_t)bytes - 1) == 0);
    expect_open("truncated by one byte", name, 0, SHMRING_ECORRUPT, NULL);
    CHECK(truncate(path, 4096) == 0);
    expect_open("truncated to one page (header intact)", name, 0,
                SHMRING_ECORRUPT, NULL);
    CHECK(truncate(path, (off_t)bytes + 4096) == 0);
    expect_open("grown by a page", name, 0, SHMRING_ECORRUPT, NULL);
    CHECK(truncate(path, 128) == 0);
    expect_open("truncated to exactly the header", name, 0, SHMRING_ECORRUPT,
                "truncated");
    CHECK(truncate(path, 127) == 0);
    expect_open("truncated to 127 B", name, 0, SHMRING_ECORRUPT, "too small");
    CHECK(truncate(path, 100) == 0);
    expect_open("truncated below the header (100 B)", name, 50000000,
                SHMRING_ECORRUPT, "too small");
    CHECK_OK(shmring_close(creator));
}

static void test_wrong_magic(void) {
    const char *name = unique_name();
    CHECK(make_ring(name, 64, 8));
    CHECK(poke(name, 0, "SHMRINX", 8) == 0);
    expect_open("wrong magic \"SHMRINX\"", name, 50000000, SHMRING_ECORRUPT,
                "magic");
    CHECK(poke(name, 0, "shmring", 8) == 0);
    expect_open("wrong magic (lower case)", name, 0, SHMRING_ECORRUPT, "magic");
    /* Magic all zero but a version set: not "still being created". */
    CHECK(poke(name, 0, "\0\0\0\0\0\0\0", 8) == 0);
    expect_open("zero magic, version 1", name, 50000000, SHMRING_ECORRUPT,
                NULL);
}

/* A segment of layout version `version` is refused with a message naming
 * it and the version this library supports. */
static void expect_version_refused(const char *label, const char *name,
                                   uint32_t version) {
    size_t off = offsetof(struct segment_header, layout_version);
    CHECK(poke_u32(name, off, version) == 0);
    int rc = expect_open(label, name, 50000000, SHMRING_EVERSION, NULL);
    if (rc != SHMRING_EVERSION) return;
    char have[32], supported[32];
    snprintf(have, sizeof have, "layout version %u;", version);
    snprintf(supported, sizeof supported, "supports layout version %u",
             SHMRING_LAYOUT_VERSION);
    const char *e = shmring_last_error();
    if (!strstr(e, have) || !strstr(e, supported)) {
        FAILF("EVERSION message does not name both versions: %s", e);
    }
}

static void test_versions(void) {
    const char *name = unique_name();
    CHECK(make_ring(name, 64, 8));
    size_t off = offsetof(struct segment_header, layout_version);
    /* Version 2 added the capacity: version 1 rings (every slot usable,
     * no capacity field) and anything newer are refused, as a version 1
     * library refuses these (it accepts version 1 only). */
    CHECK(SHMRING_LAYOUT_VERSION == 2);
    expect_version_refused("layout_version 1 (older)", name, 1);
    expect_version_refused("layout_version 3 (newer)", name, 3);
    expect_version_refused("layout_version 0xFFFFFFFF", name, 0xFFFFFFFFu);
    CHECK(poke_u32(name, off, SHMRING_LAYOUT_VERSION) == 0);
    expect_open("layout_version 2 again", name, 0, SHMRING_OK, NULL);

    /* layout_version 0 with everything else in place: the creator has
     * not finished. Wait for the deadline, then ETIMEOUT. */
    CHECK(poke_u32(name, off, 0) == 0);
    int64_t t0 = now_ns();
    expect_open("layout_version 0 (not ready), 50 ms", name, 50000000,
                SHMRING_ETIMEOUT, "not ready");
    int64_t ms = (now_ns() - t0) / 1000000;
    CHECK(ms >= 49 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    expect_open("layout_version 0, timeout 0", name, 0, SHMRING_ETIMEOUT,
                NULL);
}

static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
static uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }

static void test_byte_order(void) {
    const char *name = unique_name();
    CHECK(make_ring(name, 64, 8));
    size_t bom = offsetof(struct segment_header, byte_order_mark);
    CHECK(poke_u32(name, bom, bswap32(SHM_BYTE_ORDER_MARK)) == 0);
    expect_open("byte order mark swapped", name, 50000000, SHMRING_EVERSION,
                "byte order");
    CHECK(poke_u32(name, bom, 0) == 0);
    expect_open("byte order mark 0", name, 0, SHMRING_EVERSION, NULL);

    /* A whole header as a machine of the other byte order would write it
     * (layout_version reads as 0x01000000 here). */
    const char *name2 = unique_name();
    CHECK(make_ring(name2, 64, 8));
    struct segment_header h;
    CHECK(peek_header(name2, &h) == 0);
    struct segment_header s = h;
    s.byte_order_mark = bswap32(h.byte_order_mark);
    s.segment_bytes = bswap64(h.segment_bytes);
    s.slot_bytes = bswap64(h.slot_bytes);
    s.array_slots = bswap64(h.array_slots);
    s.capacity = bswap64(h.capacity);
    s.slot_stride = bswap64(h.slot_stride);
    s.max_writers = bswap32(h.max_writers);
    s.max_readers = bswap32(h.max_readers);
    s.max_groups = bswap32(h.max_groups);
    s.config_flags = bswap32(h.config_flags);
    s.writers_offset = bswap64(h.writers_offset);
    s.readers_offset = bswap64(h.readers_offset);
    s.groups_offset = bswap64(h.groups_offset);
    s.slots_offset = bswap64(h.slots_offset);
    s.block_bytes = bswap32(h.block_bytes);
    uint32_t v = bswap32(SHMRING_LAYOUT_VERSION);
    memcpy((char *)&s + offsetof(struct segment_header, layout_version), &v, 4);
    CHECK(poke(name2, 0, &s, sizeof s) == 0);
    expect_open("whole header byte-swapped", name2, 50000000,
                SHMRING_EVERSION, "byte order");
}

struct field_case {
    const char *label;
    size_t offset;
    int width; /* 4 or 8 */
    uint64_t value;
    const char *needle;
};

static void test_geometry(void) {
    const char *name = unique_name();
    uint64_t bytes = make_ring(name, 64, 8);
    CHECK(bytes);
    struct segment_header h;
    CHECK(peek_header(name, &h) == 0);
#define F(field) offsetof(struct segment_header, field)
    /* needle: what the message must say (the reason, not just "bad"). */
    const struct field_case cases[] = {
        {"array_slots 3 (not a power of two)", F(array_slots), 8, 3,
         "power of two"},
        {"array_slots 12", F(array_slots), 8, 12, "power of two"},
        {"array_slots 0", F(array_slots), 8, 0, "power of two"},
        {"array_slots 1", F(array_slots), 8, 1, "power of two"},
        {"array_slots 4 (below the capacity 8)", F(array_slots), 8, 4,
         "holding the capacity 8"},
        {"array_slots 2^40", F(array_slots), 8, 1ull << 40, "power of two"},
        {"array_slots 2^63", F(array_slots), 8, 1ull << 63, "power of two"},
        {"array_slots 16 (sizes disagree)", F(array_slots), 8, 16, NULL},
        {"capacity 0", F(capacity), 8, 0, "slot_count must be 1..2147483648"},
        {"capacity 9 (above the 8 slots)", F(capacity), 8, 9,
         "holding the capacity 9"},
        {"capacity 2^63", F(capacity), 8, 1ull << 63,
         "slot_count must be 1..2147483648"},
        {"slot_bytes 0", F(slot_bytes), 8, 0, "slot_bytes must be"},
        {"slot_bytes 2^32 (huge)", F(slot_bytes), 8, 1ull << 32,
         "slot_bytes must be"},
        {"slot_bytes 2^63 (huge)", F(slot_bytes), 8, 1ull << 63,
         "slot_bytes must be"},
        {"slot_bytes 113 (stride disagrees)", F(slot_bytes), 8, 113, NULL},
        {"slot_stride 64", F(slot_stride), 8, 64, NULL},
        {"slot_stride 2^62", F(slot_stride), 8, 1ull << 62, NULL},
        {"max_writers 0", F(max_writers), 4, 0, "writers 0"},
        {"max_writers 0xFFFFFFFF", F(max_writers), 4, 0xFFFFFFFFu,
         "writers 4294967295"},
        {"max_readers 65537", F(max_readers), 4, 65537, "readers 65537"},
        {"max_groups 4097", F(max_groups), 4, 4097, "groups 4097"},
        {"max_groups 64 (offsets disagree)", F(max_groups), 4, 64, NULL},
        {"writers_offset + 128", F(writers_offset), 8, h.writers_offset + 128,
         NULL},
        {"readers_offset 0", F(readers_offset), 8, 0, NULL},
        {"groups_offset - 128", F(groups_offset), 8, h.groups_offset - 128,
         NULL},
        {"slots_offset + 4096", F(slots_offset), 8, h.slots_offset + 4096,
         NULL},
        {"slots_offset past the end", F(slots_offset), 8, UINT64_MAX - 4095,
         NULL},
        {"segment_bytes * 2", F(segment_bytes), 8, h.segment_bytes * 2, NULL},
        {"segment_bytes 0", F(segment_bytes), 8, 0, NULL},
        {"block_bytes 64", F(block_bytes), 4, 64, NULL},
    };
#undef F
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct field_case *c = &cases[i];
        CHECK(poke(name, 0, &h, sizeof h) == 0); /* start from the original */
        if (c->width == 4) {
            CHECK(poke_u32(name, c->offset, (uint32_t)c->value) == 0);
        } else {
            CHECK(poke_u64(name, c->offset, c->value) == 0);
        }
        expect_open(c->label, name, 10000000, SHMRING_ECORRUPT, c->needle);
    }

    /* A header that is consistent in itself (derived values recomputed),
     * for a geometry the file does not have: still refused by size, and
     * never mapped at the size the header claims (2^63 bytes here). */
    struct segment_header g = h;
    g.slot_bytes = 0xFFFFFFFFull;
    g.array_slots = 1ull << 31;
    g.slot_stride = (16 + g.slot_bytes + 63) / 64 * 64;
    g.segment_bytes = g.slots_offset + g.array_slots * g.slot_stride;
    CHECK(poke(name, 0, &g, sizeof g) == 0);
    expect_open("self-consistent header claiming 2^63 B", name, 10000000,
                SHMRING_ECORRUPT, NULL);
    g = h;
    g.array_slots = 16;
    g.segment_bytes = g.slots_offset + g.array_slots * g.slot_stride;
    CHECK(poke(name, 0, &g, sizeof g) == 0);
    expect_open("self-consistent header, 16 slots in an 8-slot file", name, 0,
                SHMRING_ECORRUPT, NULL);
    /* Back to the original: opens again (the cases changed nothing else). */
    CHECK(poke(name, 0, &h, sizeof h) == 0);
    expect_open("original header restored", name, 0, SHMRING_OK, NULL);
}

/* ---- files made by hand ------------------------------------------------------ */

static int make_file(const char *name, const void *data, size_t n) {
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return -1;
    ssize_t w = n ? write(fd, data, n) : 0;
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static uint64_t g_rng = 0x2545F4914F6CDD1Dull;
static uint64_t rng_next(void) {
    g_rng += 0x9E3779B97F4A7C15ull;
    uint64_t z = g_rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static void random_bytes(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rng_next();
    if (p[0] == 0) p[0] = 1; /* "all zero magic" means "not ready yet" */
}

static void test_hand_made_files(void) {
    static uint8_t buf[65536];
    const char *name;

    name = unique_name();
    random_bytes(buf, sizeof buf);
    CHECK(make_file(name, buf, sizeof buf) == 0);
    expect_open("64 KiB of random bytes", name, 50000000, SHMRING_ECORRUPT,
                NULL);

    name = unique_name();
    random_bytes(buf, 5000);
    CHECK(make_file(name, buf, 5000) == 0);
    expect_open("5000 random bytes (not a page multiple)", name, 0,
                SHMRING_ECORRUPT, NULL);

    /* Random bytes behind a valid magic, version and byte order mark. */
    name = unique_name();
    random_bytes(buf, sizeof buf);
    memcpy(buf, SHM_MAGIC, 8);
    uint32_t v = SHMRING_LAYOUT_VERSION, bom = SHM_BYTE_ORDER_MARK;
    memcpy(buf + 8, &v, 4);
    memcpy(buf + 12, &bom, 4);
    CHECK(make_file(name, buf, sizeof buf) == 0);
    expect_open("valid magic/version/BOM, random geometry", name, 0,
                SHMRING_ECORRUPT, NULL);

    /* Zero-length: what a creator's file looks like before it reserved its
     * memory. Not ready: ETIMEOUT after the open timeout. */
    name = unique_name();
    CHECK(make_file(name, NULL, 0) == 0);
    int64_t t0 = now_ns();
    expect_open("zero-length file, 50 ms", name, 50000000, SHMRING_ETIMEOUT,
                "not ready");
    int64_t ms = (now_ns() - t0) / 1000000;
    CHECK(ms >= 49 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    t0 = now_ns();
    expect_open("zero-length file, timeout 0", name, 0, SHMRING_ETIMEOUT,
                NULL);
    CHECK(now_ns() - t0 < TU_HANG_GUARD_NS); /* timeout 0 does not wait: a hang guard */

    /* All zero bytes of a plausible size: reserved but not initialised. */
    name = unique_name();
    memset(buf, 0, sizeof buf);
    CHECK(make_file(name, buf, sizeof buf) == 0);
    expect_open("64 KiB of zeros (not initialised), 20 ms", name, 20000000,
                SHMRING_ETIMEOUT, "not ready");

    /* Smaller than the header. */
    const size_t small[] = {1, 8, 64, 127};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        char label[64];
        name = unique_name();
        random_bytes(buf, small[i]);
        memcpy(buf, SHM_MAGIC, small[i] < 8 ? small[i] : 8);
        CHECK(make_file(name, buf, small[i]) == 0);
        snprintf(label, sizeof label, "%zu-byte file (smaller than header)",
                 small[i]);
        expect_open(label, name, 50000000, SHMRING_ECORRUPT, NULL);
    }
    name = unique_name();
    memset(buf, 0, 64);
    CHECK(make_file(name, buf, 64) == 0);
    expect_open("64 zero bytes (smaller than header)", name, 50000000,
                SHMRING_ECORRUPT, NULL);
}

/* Not a regular file at all. */
static void test_not_regular(void) {
    char path[128];
    const char *name = unique_name();
    if (mkfifo(shm_path(name, path, sizeof path), 0600) == 0) {
        expect_open("a FIFO in /dev/shm", name, 50000000, SHMRING_ECORRUPT,
                    NULL);
        unlink(path);
    } else {
        printf("  (mkfifo in /dev/shm failed: %s; FIFO case skipped)\n",
               strerror(errno));
    }
    name = unique_name();
    if (mkdir(shm_path(name, path, sizeof path), 0700) == 0) {
        shmring_ring_t *ring = (shmring_ring_t *)1;
        int rc = shmring_open(name, 50000000, &ring);
        printf("  %-44s -> %-11s %s\n", "a directory in /dev/shm", rc_name(rc),
               shmring_last_error());
        /* A clear refusal, no crash. (glibc's shm_open turns EISDIR into
         * EINVAL, so this reads "Invalid argument" today; ECORRUPT "not a
         * regular segment" would say more.) */
        if (rc == SHMRING_OK) FAILF("a directory opened as a ring");
        rmdir(path);
    }
}

/* A segment that becomes ready while the opener waits: the open succeeds
 * as soon as layout_version is published. */
struct late_creator {
    const char *name;
    const uint8_t *image;
    size_t bytes;
    int ok;
};
static void *late_creator_thread(void *arg) {
    struct late_creator *lc = arg;
    struct timespec t = {0, 30000000};
    nanosleep(&t, NULL);
    int fd = open_file(lc->name);
    if (fd < 0) return NULL;
    /* Reserve, then fill with layout_version still 0, then publish it. */
    uint8_t *copy = malloc(lc->bytes);
    if (!copy) {
        close(fd);
        return NULL;
    }
    memcpy(copy, lc->image, lc->bytes);
    uint32_t zero = 0, one = SHMRING_LAYOUT_VERSION;
    size_t off = offsetof(struct segment_header, layout_version);
    memcpy(copy + off, &zero, 4);
    int ok = ftruncate(fd, (off_t)lc->bytes) == 0;
    nanosleep(&t, NULL);
    ok = ok && pwrite(fd, copy, lc->bytes, 0) == (ssize_t)lc->bytes;
    nanosleep(&t, NULL);
    ok = ok && pwrite(fd, &one, 4, (off_t)off) == 4;
    close(fd);
    free(copy);
    lc->ok = ok;
    return NULL;
}

static void test_open_waits_for_creator(void) {
    const char *model = unique_name();
    uint64_t bytes = make_ring(model, 64, 8);
    CHECK(bytes);
    uint8_t *image = malloc(bytes);
    CHECK(image);
    int fd = open_file(model);
    CHECK(fd >= 0);
    CHECK(pread(fd, image, bytes, 0) == (ssize_t)bytes);
    close(fd);

    const char *name = unique_name();
    CHECK(make_file(name, NULL, 0) == 0);
    struct late_creator lc = {name, image, bytes, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, late_creator_thread, &lc) == 0);
    int64_t t0 = now_ns();
    shmring_ring_t *ring = NULL;
    int rc = shmring_open(name, 5000000000ll, &ring);
    double ms = (now_ns() - t0) / 1e6;
    pthread_join(t, NULL);
    free(image);
    printf("  %-44s -> %-11s (%.1f ms)\n", "creator finishes during the wait",
           rc_name(rc), ms);
    CHECK(lc.ok);
    CHECK_OK(rc);
    CHECK(ms >= 80); /* it really waited for the version */
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_try_write(w, "hello", 5));
    char got[8];
    uint64_t len;
    CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
    CHECK(len == 5 && memcmp(got, "hello", 5) == 0);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- no space ------------------------------------------------------------------ */

static void test_no_space(void) {
    struct statvfs vfs;
    CHECK(statvfs("/dev/shm", &vfs) == 0);
    uint64_t total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    printf("  /dev/shm: %" PRIu64 " MiB total, %" PRIu64 " MiB free\n",
           total >> 20, avail >> 20);
    if (total == 0) {
        printf("  /dev/shm reports no size limit: ENOSPACE case skipped\n");
        return;
    }
    /* More than the whole file system (not just the free part), so the
     * kernel refuses at once instead of filling /dev/shm page by page. */
    const uint64_t slot_bytes = 0xFFFFFFFFull; /* stride 2^32 + 64 */
    uint64_t slot_count = 2;
    while (slot_count * (slot_bytes + 1) <= total + (total >> 2)) {
        slot_count *= 2;
    }
    if (slot_count > (1ull << 31)) {
        printf("  /dev/shm too large to exceed: ENOSPACE case skipped\n");
        return;
    }
    const char *name = unique_name();
    shmring_ring_t *ring = (shmring_ring_t *)1;
    int64_t t0 = now_ns();
    int rc = shmring_create(name, slot_bytes, slot_count, NULL, &ring);
    printf("  create %" PRIu64 " x %" PRIu64 " B (%" PRIu64
           " GiB) -> %s (%.1f ms) %s\n",
           slot_count, slot_bytes, (slot_count * (slot_bytes + 65)) >> 30,
           rc_name(rc), (now_ns() - t0) / 1e6, shmring_last_error());
    if (rc == SHMRING_OK) {
        shmring_close(ring);
        FAILF("a ring larger than /dev/shm was created");
        return;
    }
    CHECK(ring == NULL);
    CHECK_RC(rc, SHMRING_ENOSPACE);
    /* The message says what the ring needs, what /dev/shm has free, and
     * how a container's limit is raised. */
    const char *message = shmring_last_error();
    const char *needs_at = strstr(message, "cannot reserve ");
    CHECK_MSG(needs_at != NULL, "no \"cannot reserve\" in: %s", message);
    unsigned long long needs = strtoull(needs_at + 15, NULL, 10);
    CHECK_MSG(needs >= slot_count * slot_bytes &&
                  needs <= slot_count * (slot_bytes + 64) + (1ull << 20),
              "says it needs %llu bytes for %" PRIu64 " slots of %" PRIu64,
              needs, slot_count, slot_bytes);
    CHECK_MSG(strstr(message, "bytes free of") != NULL &&
                  strstr(message, "shm-size") != NULL &&
                  strstr(message, "--shm-size=") != NULL &&
                  strstr(message, "rm --stale") != NULL,
              "no free bytes, shm-size or rm --stale hint in: %s", message);
    /* The free bytes it names are /dev/shm's (within what changed since). */
    const char *free_at = strstr(message, "has ");
    CHECK(free_at != NULL);
    unsigned long long said_free = strtoull(free_at + 4, NULL, 10);
    CHECK_MSG(said_free <= total && said_free + (64ull << 20) >= avail &&
                  said_free <= avail + (64ull << 20),
              "says %llu bytes free, statvfs said %" PRIu64, said_free, avail);
    char path[128];
    struct stat st;
    CHECK(stat(shm_path(name, path, sizeof path), &st) != 0 && errno == ENOENT);
    CHECK_RC(shmring_open(name, 0, &ring), SHMRING_ENOTFOUND);

    /* The largest geometry the API accepts (2^32-1 bytes x 2^31 slots,
     * about 2^63 bytes): also "not enough shared memory". */
    name = unique_name();
    rc = shmring_create(name, slot_bytes, 1ull << 31, NULL, &ring);
    printf("  create 2^31 x (2^32-1) B (the largest accepted) -> %s %s\n",
           rc_name(rc), shmring_last_error());
    if (rc == SHMRING_OK) shmring_close(ring);
    CHECK(stat(shm_path(name, path, sizeof path), &st) != 0);
    CHECK_RC(rc, SHMRING_ENOSPACE);
}

/* ---- control-block damage (hardening, informational) ------------------------------- */

/* The header is validated at open; the control block is not. A segment
 * whose readers_high_water is absurd opens fine; what happens when a
 * writer joins? Run in a child, report, do not fail. */
static void test_control_block_damage(void) {
    const char *name = unique_name();
    CHECK(make_ring(name, 64, 8));
    size_t off = SHM_CONTROL_OFFSET + offsetof(struct control, readers_high_water);
    CHECK(poke_u32(name, off, 0xFFFFFFFFu) == 0);
    printf("  readers_high_water = 0xFFFFFFFF; a child opens and writes (it "
           "may crash or print a sanitizer report: that is what this "
           "informational case documents)\n");
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        shmring_ring_t *ring;
        if (shmring_open(name, 0, &ring) != SHMRING_OK) _exit(2);
        shmring_writer_t *w;
        int rc = shmring_writer_open(ring, &w);
        if (rc == SHMRING_OK) {
            for (int i = 0; i < 20 && rc == SHMRING_OK; i++) {
                rc = shmring_try_write(w, "x", 1);
            }
            shmring_writer_close(w);
        }
        shmring_close(ring);
        _exit(rc == SHMRING_OK || rc == SHMRING_EFULL ? 0 : 3);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    if (WIFSIGNALED(status)) {
        printf("  NOTE (hardening): readers_high_water = 0xFFFFFFFF: open "
               "succeeds, then writer_open/try_write dies with signal %d "
               "(%s)\n",
               WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
        int code = WEXITSTATUS(status);
        printf("  %sreaders_high_water = 0xFFFFFFFF: writer child exit "
               "status %d%s\n",
               code ? "NOTE (hardening): " : "", code,
               code ? " (a sanitizer stopped it: out-of-bounds table scan)"
                    : "");
    }
}

/* ---- main ------------------------------------------------------------------------ */

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_names);
    RUN(test_healthy_control);
    RUN(test_truncated);
    RUN(test_wrong_magic);
    RUN(test_versions);
    RUN(test_byte_order);
    RUN(test_geometry);
    RUN(test_hand_made_files);
    RUN(test_not_regular);
    RUN(test_open_waits_for_creator);
    RUN(test_no_space);
    RUN(test_control_block_damage);
    printf("%d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
