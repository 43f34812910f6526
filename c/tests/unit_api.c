/*
 * unit_api.c -- every public function of shmring.h, one behaviour at a time.
 *
 * Each test_* function checks one part of the contract and returns at its
 * first failed CHECK (the failure is counted and printed with the status
 * name and shmring_last_error()). Segments are named /shmring_ua_<pid>_<n>
 * and unlinked at exit even when a test fails half-way.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "ua" /* segment names /shmring_ua_... */
#include "unit_checks.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

/* The deprecated spellings (docs/api-map.md) are the same codes. */
_Static_assert(SHMRING_ETOO_LARGE == SHMRING_ETOOLARGE, "old spelling of ETOOLARGE");
_Static_assert(SHMRING_ENOT_FOUND == SHMRING_ENOTFOUND, "old spelling of ENOTFOUND");

/* ---- local helpers ------------------------------------------------------ */

static int segment_exists(const char *name) {
    char path[128];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    struct stat st;
    return stat(path, &st) == 0;
}

/* Deterministic message contents: byte i of message `seed` of `len`. */
static void fill(uint8_t *buf, uint64_t len, uint32_t seed) {
    for (uint64_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 8));
    }
}
static int matches(const uint8_t *buf, uint64_t len, uint32_t seed) {
    for (uint64_t i = 0; i < len; i++) {
        if (buf[i] != (uint8_t)(seed * 131u + i * 7u + (i >> 8))) return 0;
    }
    return 1;
}

/* Messages that carry a 32-bit index (first 4 bytes). */
static int write_index(shmring_writer_t *w, uint32_t index) {
    return shmring_try_write(w, &index, sizeof index);
}
/* Read one index message; returns the status; *index_out on success. */
static int read_index(shmring_reader_t *r, uint32_t *index_out,
                      int64_t timeout_ns) {
    uint8_t buf[64];
    uint64_t len = 0;
    int rc = shmring_read(r, buf, sizeof buf, &len, timeout_ns);
    if (rc == SHMRING_OK) {
        if (len != sizeof(uint32_t)) return 1000; /* not one of ours */
        memcpy(index_out, buf, sizeof *index_out);
    }
    return rc;
}

#define CHECK_READ_INDEX(reader, want)                                     \
    do {                                                                   \
        uint32_t got_ = 0xFFFFFFFFu;                                       \
        CHECK_OK(read_index((reader), &got_, 0));                          \
        if (got_ != (uint32_t)(want)) {                                    \
            FAILF("read index %u, want %u", got_, (unsigned)(want));       \
            return;                                                        \
        }                                                                  \
    } while (0)

static shmring_ring_t *make_ring(const char *name, uint64_t slot_bytes,
                                 uint64_t slot_count,
                                 const shmring_options_t *o) {
    shmring_ring_t *ring = NULL;
    int rc = shmring_create(name, slot_bytes, slot_count, o, &ring);
    if (rc != SHMRING_OK) {
        FAILF("shmring_create(%s, %llu, %llu) = %s: %s", name ? name : "NULL",
              (unsigned long long)slot_bytes, (unsigned long long)slot_count,
              rc_name(rc), shmring_last_error());
        return NULL;
    }
    return ring;
}

/* ---- library ------------------------------------------------------------- */

static void test_strerror(void) {
    const char *unknown = shmring_strerror(12345);
    CHECK(unknown != NULL && unknown[0] != '\0');
    CHECK(shmring_strerror(1) != NULL);
    CHECK(shmring_strerror(-18) != NULL);
    CHECK(shmring_strerror(INT_MIN) != NULL);
    CHECK(shmring_strerror(INT_MAX) != NULL);
    CHECK(strcmp(shmring_strerror(-18), unknown) == 0);
    CHECK(strcmp(shmring_strerror(INT_MIN), unknown) == 0);
    const char *seen[18];
    for (int code = 0; code >= -17; code--) {
        const char *s = shmring_strerror(code);
        CHECK(s != NULL && s[0] != '\0');
        if (strcmp(s, unknown) == 0) {
            FAILF("code %d has no name of its own", code);
            return;
        }
        for (int j = 0; j < -code; j++) {
            if (strcmp(seen[j], s) == 0) {
                FAILF("codes %d and %d share the name \"%s\"", -j, code, s);
                return;
            }
        }
        seen[-code] = s;
        printf("  %3d %-13s %s\n", code, rc_name(code), s);
    }
    printf("  unknown: %s\n", unknown);
}

static void *last_error_thread(void *arg) {
    const char **out = arg;
    *out = shmring_last_error(); /* a new thread: nothing failed yet */
    return NULL;
}

static void test_last_error(void) {
    shmring_ring_t *ring;
    CHECK_RC(shmring_create(NULL, 0, 4, NULL, &ring), SHMRING_EINVALID);
    const char *e = shmring_last_error();
    CHECK(e != NULL && e[0] != '\0');
    CHECK(strstr(e, "slot_bytes") != NULL);
    printf("  after create(slot_bytes 0): %s\n", e);
    CHECK_RC(shmring_open("/shmring_ua_surely_not_there", 0, &ring),
             SHMRING_ENOTFOUND);
    e = shmring_last_error();
    CHECK(strstr(e, "shmring_ua_surely_not_there") != NULL);
    printf("  after open(missing): %s\n", e);

    /* Per thread: another thread sees its own (empty) state. */
    const char *other = NULL;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, last_error_thread, &other) == 0);
    pthread_join(t, NULL);
    CHECK(other != NULL);
    CHECK(strstr(other, "shmring_ua_surely_not_there") == NULL);
    printf("  fresh thread: %s\n", other);

    /* Full, empty and closed are expected outcomes of a poll: no detail
     * (nothing is formatted), and a real failure after them has its own. */
    CHECK_OK(shmring_create(NULL, 8, 1, NULL, &ring));
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    uint8_t buffer[8];
    uint64_t length;
    CHECK_RC(shmring_try_read(r, buffer, sizeof buffer, &length), SHMRING_EEMPTY);
    CHECK(strcmp(shmring_last_error(), "") == 0);
    CHECK_OK(shmring_try_write(w, "a", 1));
    CHECK_RC(shmring_try_write(w, "b", 1), SHMRING_EFULL);
    CHECK(strcmp(shmring_last_error(), "") == 0);
    CHECK_RC(shmring_write(w, "b", 1, 1000000), SHMRING_ETIMEOUT);
    CHECK(shmring_last_error()[0] != '\0');
    CHECK_RC(shmring_reserve(w, &(void *){NULL}, 0), SHMRING_EFULL);
    CHECK(strcmp(shmring_last_error(), "") == 0);
    CHECK_RC(shmring_write(w, "toolarge!", 9, 0), SHMRING_ETOO_LARGE);
    CHECK(strstr(shmring_last_error(), "slot_bytes") != NULL);
    CHECK_OK(shmring_close_stream(ring));
    CHECK_RC(shmring_try_write(w, "c", 1), SHMRING_ECLOSED);
    CHECK(strcmp(shmring_last_error(), "") == 0);
    CHECK_OK(shmring_try_read(r, buffer, sizeof buffer, &length));
    CHECK_RC(shmring_try_read(r, buffer, sizeof buffer, &length), SHMRING_ECLOSED);
    CHECK(strcmp(shmring_last_error(), "") == 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_version(void) {
    uint32_t v = shmring_version();
    CHECK_EQ_U64(v, SHMRING_VERSION);
    CHECK_EQ_U64(v >> 16, SHMRING_VERSION_MAJOR);
    CHECK_EQ_U64((v >> 8) & 0xFF, SHMRING_VERSION_MINOR);
    CHECK_EQ_U64(v & 0xFF, SHMRING_VERSION_PATCH);
    printf("  version %u.%u.%u, layout %d\n", v >> 16, (v >> 8) & 0xFF,
           v & 0xFF, SHMRING_LAYOUT_VERSION);
}

/* ---- options --------------------------------------------------------------- */

static void test_options(void) {
    CHECK_RC(shmring_options_create(NULL), SHMRING_EINVALID);
    shmring_options_destroy(NULL); /* harmless */
    CHECK_RC(shmring_options_set_max_writers(NULL, 4), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_max_readers(NULL, 4), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_max_groups(NULL, 4), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_mode(NULL, 0600), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_close_on_last_writer(NULL, 1),
             SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_initial_sequence(NULL, 1), SHMRING_EINVALID);

    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    /* writers and readers: 1..65536 */
    CHECK_RC(shmring_options_set_max_writers(o, 0), SHMRING_EINVALID);
    CHECK_OK(shmring_options_set_max_writers(o, 1));
    CHECK_OK(shmring_options_set_max_writers(o, 65536));
    CHECK_RC(shmring_options_set_max_writers(o, 65537), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_max_writers(o, UINT32_MAX), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_max_readers(o, 0), SHMRING_EINVALID);
    CHECK_OK(shmring_options_set_max_readers(o, 1));
    CHECK_OK(shmring_options_set_max_readers(o, 65536));
    CHECK_RC(shmring_options_set_max_readers(o, 65537), SHMRING_EINVALID);
    /* groups: 0..4096 */
    CHECK_OK(shmring_options_set_max_groups(o, 0));
    CHECK_OK(shmring_options_set_max_groups(o, 4096));
    CHECK_RC(shmring_options_set_max_groups(o, 4097), SHMRING_EINVALID);
    /* mode: permission bits only */
    CHECK_OK(shmring_options_set_mode(o, 0));
    CHECK_OK(shmring_options_set_mode(o, 0777));
    CHECK_RC(shmring_options_set_mode(o, 01000), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_mode(o, 04755), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_close_on_last_writer(o, 2), SHMRING_EINVALID);
    CHECK_OK(shmring_options_set_close_on_last_writer(o, 0));
    CHECK_OK(shmring_options_set_close_on_last_writer(o, 1));
    CHECK_OK(shmring_options_set_initial_sequence(o, 0));
    CHECK_OK(shmring_options_set_initial_sequence(o, UINT64_MAX));
    CHECK_OK(shmring_options_set_initial_sequence(o, 1000));
    printf("  last invalid setter said: %s\n", shmring_last_error());

    /* A refused value leaves the previous one in place. */
    CHECK_OK(shmring_options_set_max_writers(o, 3));
    CHECK_RC(shmring_options_set_max_writers(o, 0), SHMRING_EINVALID);
    CHECK_OK(shmring_options_set_max_readers(o, 5));
    CHECK_RC(shmring_options_set_max_readers(o, 70000), SHMRING_EINVALID);
    CHECK_OK(shmring_options_set_max_groups(o, 2));
    CHECK_RC(shmring_options_set_max_groups(o, 5000), SHMRING_EINVALID);
    shmring_ring_t *ring = make_ring(NULL, 32, 8, o);
    CHECK(ring);
    CHECK_EQ_U64(shmring_max_writers(ring), 3);
    CHECK_EQ_U64(shmring_max_readers(ring), 5);
    CHECK_EQ_U64(shmring_max_groups(ring), 2);
    CHECK_EQ_U64(shmring_next_sequence(ring), 1000);
    CHECK_OK(shmring_close(ring));

    /* Defaults: 64 writers, 128 readers, 32 groups, 0600, close on last
     * writer, sequence 0. */
    ring = make_ring(NULL, 32, 8, NULL);
    CHECK(ring);
    CHECK_EQ_U64(shmring_max_writers(ring), 64);
    CHECK_EQ_U64(shmring_max_readers(ring), 128);
    CHECK_EQ_U64(shmring_max_groups(ring), 32);
    CHECK_EQ_U64(shmring_next_sequence(ring), 0);
    CHECK_OK(shmring_close(ring));
    shmring_options_destroy(o);
}

/* ---- rings ----------------------------------------------------------------- */

static uint64_t round_up(uint64_t n, uint64_t unit) {
    return (n + unit - 1) / unit * unit;
}

/* docs/layout.md: 128 B header + 896 B control + tables, slots page-aligned. */
static uint64_t expected_segment_bytes(uint64_t slot_bytes, uint64_t slot_count,
                                       uint64_t w, uint64_t r, uint64_t g) {
    uint64_t slots_off = round_up(1024 + (w + r + g) * 128, 4096);
    return slots_off + slot_count * round_up(16 + slot_bytes, 64);
}

static void test_create_open_unlink(void) {
    const char *name = unique_name();
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_max_writers(o, 3));
    CHECK_OK(shmring_options_set_max_readers(o, 7));
    CHECK_OK(shmring_options_set_max_groups(o, 2));
    shmring_ring_t *ring = make_ring(name, 100, 16, o);
    shmring_options_destroy(o);
    CHECK(ring);
    CHECK(segment_exists(name));

    /* Geometry and identity. */
    CHECK(shmring_name(ring) != NULL);
    CHECK(strcmp(shmring_name(ring), name) == 0);
    CHECK_EQ_U64(shmring_slot_bytes(ring), 100);
    CHECK_EQ_U64(shmring_slot_count(ring), 16);
    CHECK_EQ_U64(shmring_max_writers(ring), 3);
    CHECK_EQ_U64(shmring_max_readers(ring), 7);
    CHECK_EQ_U64(shmring_max_groups(ring), 2);
    CHECK_EQ_U64(shmring_layout_version(ring), SHMRING_LAYOUT_VERSION);
    CHECK_EQ_U64(shmring_segment_bytes(ring),
                 expected_segment_bytes(100, 16, 3, 7, 2));
    CHECK_EQ_U64(shmring_is_closed(ring), 0);
    CHECK_EQ_U64(shmring_next_sequence(ring), 0);
    char path[128];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_U64((uint64_t)st.st_size, shmring_segment_bytes(ring));
    CHECK_EQ_U64(st.st_mode & 0777, 0600); /* default mode */
    printf("  %s: %llu bytes\n", name,
           (unsigned long long)shmring_segment_bytes(ring));

    /* The name is taken, in either spelling. */
    shmring_ring_t *dup = (shmring_ring_t *)1;
    CHECK_RC(shmring_create(name, 100, 16, NULL, &dup), SHMRING_EEXISTS);
    CHECK(dup == NULL);
    printf("  duplicate: %s\n", shmring_last_error());
    CHECK_RC(shmring_create(name + 1, 8, 2, NULL, &dup), SHMRING_EEXISTS);
    /* A refused create left the original alone. */
    CHECK_EQ_U64((uint64_t)(stat(path, &st) == 0 ? st.st_size : 0),
                 shmring_segment_bytes(ring));

    /* Open with and without the leading '/'. */
    shmring_ring_t *a, *b;
    CHECK_OK(shmring_open(name, 0, &a));
    CHECK_OK(shmring_open(name + 1, 1000000, &b));
    CHECK(strcmp(shmring_name(a), name) == 0);
    CHECK(strcmp(shmring_name(b), name) == 0);
    CHECK_EQ_U64(shmring_slot_bytes(b), 100);
    CHECK_EQ_U64(shmring_slot_count(b), 16);
    CHECK_EQ_U64(shmring_max_writers(b), 3);
    CHECK_EQ_U64(shmring_max_readers(b), 7);
    CHECK_EQ_U64(shmring_max_groups(b), 2);
    CHECK_EQ_U64(shmring_layout_version(b), 2);
    CHECK_EQ_U64(shmring_segment_bytes(b), shmring_segment_bytes(ring));

    /* All three handles see the same ring. */
    shmring_reader_t *r;
    shmring_writer_t *w;
    CHECK_OK(shmring_reader_open(b, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(a, &w));
    CHECK_OK(write_index(w, 42));
    CHECK_EQ_U64(shmring_next_sequence(ring), 1);
    CHECK_READ_INDEX(r, 42);
    CHECK_OK(shmring_writer_close(w));
    CHECK_EQ_U64(shmring_is_closed(ring), 1);
    CHECK_OK(shmring_reader_close(r));

    /* Unlink: attached handles keep working; the name is gone. */
    CHECK_OK(shmring_unlink(name + 1));
    CHECK(!segment_exists(name));
    shmring_ring_t *c = (shmring_ring_t *)1;
    CHECK_RC(shmring_open(name, 0, &c), SHMRING_ENOTFOUND);
    CHECK(c == NULL);
    printf("  open after unlink: %s\n", shmring_last_error());
    CHECK_RC(shmring_unlink(name), SHMRING_ENOTFOUND);
    CHECK_EQ_U64(shmring_slot_count(a), 16);
    CHECK_OK(shmring_close(a));
    CHECK_OK(shmring_close(b));
    CHECK_OK(shmring_close(ring));

    /* The name is free again. */
    ring = make_ring(name, 8, 2, NULL);
    CHECK(ring);
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));

    /* Create without the leading '/': the name is normalized. */
    const char *name2 = unique_name();
    ring = make_ring(name2 + 1, 8, 2, NULL);
    CHECK(ring);
    CHECK(strcmp(shmring_name(ring), name2) == 0);
    CHECK(segment_exists(name2));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name2));
}

static void test_bad_names_and_arguments(void) {
    shmring_ring_t *ring = (shmring_ring_t *)1;
    CHECK_RC(shmring_open("/shmring_ua_never_created_xyz", 0, &ring),
             SHMRING_ENOTFOUND);
    CHECK(ring == NULL);
    CHECK_RC(shmring_open("shmring_ua_never_created_xyz", 10000000, &ring),
             SHMRING_ENOTFOUND);
    char long_name[300];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[0] = '/';
    long_name[sizeof long_name - 1] = '\0';
    const char *bad[] = {"", "/", "/a/b", "a/b", long_name};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_RC(shmring_create(bad[i], 8, 2, NULL, &ring), SHMRING_EINVALID);
        CHECK_RC(shmring_open(bad[i], 0, &ring), SHMRING_EINVALID);
        CHECK_RC(shmring_unlink(bad[i]), SHMRING_EINVALID);
    }
    CHECK_RC(shmring_open(NULL, 0, &ring), SHMRING_EINVALID);
    CHECK_RC(shmring_unlink(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_create(NULL, 8, 2, NULL, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_open("/x", 0, NULL), SHMRING_EINVALID);

    /* Calls on NULL handles refuse instead of crashing. */
    CHECK_RC(shmring_close(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_close_stream(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_skip_all_to_latest(NULL), SHMRING_EINVALID);
    CHECK(shmring_name(NULL) == NULL);
    CHECK_EQ_U64(shmring_slot_bytes(NULL), 0);
    CHECK_EQ_U64(shmring_slot_count(NULL), 0);
    CHECK_EQ_U64(shmring_max_writers(NULL), 0);
    CHECK_EQ_U64(shmring_max_readers(NULL), 0);
    CHECK_EQ_U64(shmring_max_groups(NULL), 0);
    CHECK_EQ_U64(shmring_layout_version(NULL), 0);
    CHECK_EQ_U64(shmring_segment_bytes(NULL), 0);
    CHECK_EQ_U64(shmring_is_closed(NULL), 0);
    CHECK_EQ_U64(shmring_next_sequence(NULL), 0);
    shmring_writer_t *w = (shmring_writer_t *)1;
    shmring_reader_t *r = (shmring_reader_t *)1;
    CHECK_RC(shmring_writer_open(NULL, &w), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(NULL, NULL, 0, &r), SHMRING_EINVALID);
    CHECK_RC(shmring_writer_close(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_close(NULL), SHMRING_EINVALID);
    uint8_t buf[8];
    uint64_t len;
    uint32_t n;
    const void *view;
    void *slot;
    CHECK_RC(shmring_try_write(NULL, buf, 1), SHMRING_EINVALID);
    CHECK_RC(shmring_write(NULL, buf, 1, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_reserve(NULL, &slot, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_commit(NULL, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_abort(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_try_read(NULL, buf, sizeof buf, &len), SHMRING_EINVALID);
    CHECK_RC(shmring_read(NULL, buf, sizeof buf, &len, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_read_batch(NULL, buf, sizeof buf, &len, 1, &n, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_peek(NULL, &view, &len, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_peek_batch(NULL, &view, &len, 1, &n, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_release(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_skip_to_latest(NULL, &len), SHMRING_EINVALID);
    CHECK_EQ_U64(shmring_reader_missed(NULL), 0);
    CHECK_EQ_U64(shmring_reader_position(NULL), 0);

    /* NULL out-pointers and bad arguments on real handles. */
    ring = make_ring(NULL, 16, 4, NULL);
    CHECK(ring);
    CHECK_RC(shmring_writer_open(ring, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(ring, NULL, 0, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(ring, NULL, 2, &r), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(ring, NULL, 0x80000000u, &r),
             SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(ring, "", 0, &r), SHMRING_EINVALID);
    CHECK_RC(shmring_reader_open(ring, "g", SHMRING_READER_LOSSY, &r),
             SHMRING_EINVALID);
    char group[40];
    memset(group, 'g', sizeof group);
    group[32] = '\0'; /* 32 bytes: one too many */
    CHECK_RC(shmring_reader_open(ring, group, 0, &r), SHMRING_EINVALID);
    group[31] = '\0'; /* 31 bytes: the longest */
    CHECK_OK(shmring_reader_open(ring, group, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_RC(shmring_try_write(w, NULL, 1), SHMRING_EINVALID);
    CHECK_OK(shmring_try_write(w, NULL, 0)); /* zero length: data unused */
    CHECK_RC(shmring_reserve(w, NULL, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_read(r, NULL, 4, &len, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_read(r, buf, sizeof buf, NULL, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, NULL, 1, &n, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, &len, 0, &n, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, &len, 1, NULL, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_peek_batch(r, &view, &len, 0, &n, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_peek_batch(r, NULL, &len, 1, &n, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_peek(r, &view, NULL, 0), SHMRING_EINVALID);
    /* The zero-length message is still there, readable into no buffer. */
    CHECK_OK(shmring_read(r, NULL, 0, &len, 0));
    CHECK_EQ_U64(len, 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_invalid_geometry(void) {
    const struct {
        uint64_t slot_bytes, slot_count;
    } bad[] = {
        {64, 0}, {64, (1ull << 31) + 1}, {64, 1ull << 32}, {64, UINT64_MAX},
        {0, 4}, {1ull << 32, 4}, {UINT64_MAX, 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *name = unique_name();
        shmring_ring_t *ring = (shmring_ring_t *)1;
        CHECK_RC(shmring_create(name, bad[i].slot_bytes, bad[i].slot_count,
                                NULL, &ring),
                 SHMRING_EINVALID);
        CHECK(ring == NULL);
        CHECK(!segment_exists(name)); /* nothing left behind */
        CHECK_RC(shmring_create(NULL, bad[i].slot_bytes, bad[i].slot_count,
                                NULL, &ring),
                 SHMRING_EINVALID);
        printf("  slot_bytes %llu slot_count %llu: %s\n",
               (unsigned long long)bad[i].slot_bytes,
               (unsigned long long)bad[i].slot_count, shmring_last_error());
        /* The message names the range. */
        const char *range = bad[i].slot_bytes == 64
                                ? "slot_count must be 1..2147483648"
                                : "slot_bytes must be 1..4294967295";
        if (!strstr(shmring_last_error(), range)) {
            FAILF("message \"%s\" does not name the range \"%s\"",
                  shmring_last_error(), range);
        }
    }
    /* The smallest legal ring: 1 byte, 1 slot (unit_capacity.c tests
     * every count's bound). */
    shmring_ring_t *ring = make_ring(NULL, 1, 1, NULL);
    CHECK(ring);
    CHECK_EQ_U64(shmring_slot_bytes(ring), 1);
    CHECK_EQ_U64(shmring_slot_count(ring), 1);
    CHECK_OK(shmring_close(ring));
}

static void test_anonymous_and_fork(void) {
    shmring_ring_t *ring = make_ring(NULL, 64, 8, NULL);
    CHECK(ring);
    CHECK(shmring_name(ring) == NULL);
    CHECK_EQ_U64(shmring_segment_bytes(ring),
                 expected_segment_bytes(64, 8, 64, 128, 32));
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        /* The ring handle survives fork; open new writer handles. */
        shmring_writer_t *w;
        if (shmring_writer_open(ring, &w) != SHMRING_OK) _exit(2);
        for (uint32_t i = 0; i < 20; i++) {
            uint8_t msg[64];
            fill(msg, 64, i);
            if (shmring_write(w, msg, 64, 5000000000ll) != SHMRING_OK) {
                _exit(3);
            }
        }
        shmring_writer_close(w);
        _exit(0);
    }
    for (uint32_t i = 0; i < 20; i++) {
        uint8_t msg[64];
        uint64_t len;
        CHECK_OK(shmring_read(r, msg, sizeof msg, &len, 5000000000ll));
        CHECK_EQ_U64(len, 64);
        CHECK(matches(msg, 64, i));
    }
    uint64_t len;
    CHECK_RC(shmring_read(r, NULL, 0, &len, 5000000000ll), SHMRING_ECLOSED);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- writing --------------------------------------------------------------- */

static void test_write_and_read_sizes(void) {
    enum { SLOT = 1000 };
    shmring_ring_t *ring = make_ring(NULL, SLOT, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    static uint8_t msg[SLOT + 1], got[SLOT + 8];
    uint64_t len;

    /* Too large: refused, nothing claimed, the ring still works. */
    fill(msg, SLOT + 1, 9);
    CHECK_RC(shmring_try_write(w, msg, SLOT + 1), SHMRING_ETOOLARGE);
    printf("  too large: %s\n", shmring_last_error());
    CHECK_RC(shmring_write(w, msg, UINT64_MAX, -1), SHMRING_ETOOLARGE);
    CHECK_EQ_U64(shmring_next_sequence(ring), 0);
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);

    /* Zero length, one byte, exactly slot_bytes. */
    CHECK_OK(shmring_try_write(w, msg, 0));
    fill(msg, 1, 1);
    CHECK_OK(shmring_write(w, msg, 1, 0));
    fill(msg, SLOT, 2);
    CHECK_OK(shmring_write(w, msg, SLOT, -1));
    CHECK_EQ_U64(shmring_next_sequence(ring), 3);

    len = 99;
    CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
    CHECK_EQ_U64(len, 0);
    CHECK_OK(shmring_read(r, got, 1, &len, 0));
    CHECK_EQ_U64(len, 1);
    CHECK(matches(got, 1, 1));
    memset(got, 0, sizeof got);
    CHECK_OK(shmring_read(r, got, SLOT, &len, -1));
    CHECK_EQ_U64(len, SLOT);
    CHECK(matches(got, SLOT, 2));
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);

    /* Buffer too small: ETOOLARGE with the length needed; the message
     * stays for a retry with a larger buffer. */
    fill(msg, 500, 3);
    CHECK_OK(shmring_try_write(w, msg, 500));
    len = 0;
    CHECK_RC(shmring_try_read(r, got, 499, &len), SHMRING_ETOOLARGE);
    CHECK_EQ_U64(len, 500);
    printf("  small buffer: %s\n", shmring_last_error());
    len = 0;
    CHECK_RC(shmring_read(r, NULL, 0, &len, 1000000), SHMRING_ETOOLARGE);
    CHECK_EQ_U64(len, 500);
    uint64_t lengths[4] = {0};
    uint32_t count = 7;
    CHECK_RC(shmring_read_batch(r, got, 10, lengths, 4, &count, 0),
             SHMRING_ETOOLARGE);
    CHECK_EQ_U64(lengths[0], 500);
    const void *view;
    CHECK_OK(shmring_peek(r, &view, &len, 0)); /* a view needs no buffer */
    CHECK_EQ_U64(len, 500);
    CHECK(matches(view, 500, 3));
    CHECK_OK(shmring_release(r));
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);

    /* The small-buffer case right after an aborted slot. */
    void *slot;
    CHECK_OK(shmring_reserve(w, &slot, 0));
    CHECK_OK(shmring_abort(w));
    CHECK_OK(shmring_try_write(w, msg, 500));
    len = 0;
    int rc = shmring_try_read(r, got, 10, &len);
    if (rc != SHMRING_ETOOLARGE || len != 500) {
        /* Not fatal to the rest of the test (which then still cleans up). */
        FAILF("try_read(capacity 10) after an aborted slot = %s, length %llu; "
              "want ETOOLARGE, 500",
              rc_name(rc), (unsigned long long)len);
    }
    CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
    CHECK_EQ_U64(len, 500);
    CHECK(matches(got, 500, 3));

    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

static void test_write_batch(void) {
    shmring_ring_t *ring = make_ring(NULL, 64, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint8_t m[12][64];
    const void *datas[12];
    uint64_t lengths[12];
    for (uint32_t i = 0; i < 12; i++) {
        fill(m[i], 64, 100 + i);
        datas[i] = m[i];
        lengths[i] = i * 5;
    }
    uint32_t written = 99;
    CHECK_OK(shmring_write_batch(w, datas, lengths, 0, &written, 0));
    CHECK_EQ_U64(written, 0);
    CHECK_OK(shmring_write_batch(w, datas, lengths, 3, &written, 0));
    CHECK_EQ_U64(written, 3);
    CHECK_OK(shmring_write_batch(w, datas, lengths, 3, NULL, 0));
    CHECK_EQ_U64(shmring_next_sequence(ring), 6);
    /* One oversized message refuses the whole batch. */
    lengths[1] = 65;
    CHECK_RC(shmring_write_batch(w, datas, lengths, 3, &written, 0),
             SHMRING_ETOOLARGE);
    CHECK_EQ_U64(written, 0);
    CHECK_EQ_U64(shmring_next_sequence(ring), 6);
    lengths[1] = 5;
    CHECK_RC(shmring_write_batch(w, NULL, lengths, 3, &written, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_write_batch(w, datas, NULL, 3, &written, 0),
             SHMRING_EINVALID);
    /* More than fits: a prefix is written. */
    CHECK_OK(shmring_write_batch(w, datas, lengths, 12, &written, 0));
    CHECK_EQ_U64(written, 2);
    /* Full now: try-batch says EFULL and wrote nothing. */
    CHECK_RC(shmring_write_batch(w, datas, lengths, 12, &written, 0),
             SHMRING_EFULL);
    CHECK_EQ_U64(written, 0);
    for (uint32_t i = 0; i < 8; i++) {
        uint8_t got[64];
        uint64_t len;
        uint32_t want = i < 3 ? i : i < 6 ? i - 3 : i - 6;
        CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
        CHECK_EQ_U64(len, want * 5);
        CHECK(matches(got, len, 100 + want));
    }
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

static void test_reserve_commit_abort(void) {
    enum { SLOT = 128 };
    shmring_ring_t *ring = make_ring(NULL, SLOT, 4, NULL);
    CHECK(ring);
    shmring_writer_t *w, *w2;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_writer_open(ring, &w2));
    uint8_t got[SLOT];
    uint64_t len;

    /* Out of order: nothing reserved. */
    CHECK_RC(shmring_commit(w, 1), SHMRING_EINVALID);
    CHECK_RC(shmring_abort(w), SHMRING_EINVALID);

    void *slot = NULL;
    CHECK_OK(shmring_reserve(w, &slot, 0));
    CHECK(slot != NULL);
    /* One reservation at a time; no plain writes meanwhile. */
    void *slot2;
    CHECK_RC(shmring_reserve(w, &slot2, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_try_write(w, "x", 1), SHMRING_EINVALID);
    CHECK_RC(shmring_write_batch(w, NULL, NULL, 0, NULL, 0), SHMRING_EINVALID);
    fill(slot, SLOT, 7);
    /* Too large a commit: refused, and the reservation stays open. */
    CHECK_RC(shmring_commit(w, SLOT + 1), SHMRING_ETOOLARGE);
    printf("  commit too large: %s\n", shmring_last_error());
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);
    CHECK_RC(shmring_try_write(w, "x", 1), SHMRING_EINVALID);
    CHECK_OK(shmring_commit(w, SLOT));
    CHECK_RC(shmring_commit(w, SLOT), SHMRING_EINVALID);
    CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
    CHECK_EQ_U64(len, SLOT);
    CHECK(matches(got, SLOT, 7));

    /* Aborted: never seen; the next message is. */
    CHECK_OK(shmring_reserve(w, &slot, 1000000));
    memset(slot, 0xAB, 16);
    CHECK_OK(shmring_abort(w));
    CHECK_RC(shmring_abort(w), SHMRING_EINVALID);
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);
    CHECK_OK(write_index(w, 1));
    CHECK_READ_INDEX(r, 1);
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);

    /* A zero-length commit is a message. */
    CHECK_OK(shmring_reserve(w, &slot, -1));
    CHECK_OK(shmring_commit(w, 0));
    len = 99;
    CHECK_OK(shmring_try_read(r, got, sizeof got, &len));
    CHECK_EQ_U64(len, 0);

    /* Several aborts in a row, then a message: the reader skips them all. */
    for (int i = 0; i < 3; i++) {
        CHECK_OK(shmring_reserve(w, &slot, 0));
        CHECK_OK(shmring_abort(w));
    }
    CHECK_OK(write_index(w, 2));
    CHECK_READ_INDEX(r, 2);

    /* Closing a writer aborts its open reservation. */
    CHECK_OK(shmring_reserve(w, &slot, 0));
    memset(slot, 0xCD, 16);
    CHECK_OK(shmring_writer_close(w));
    CHECK_EQ_U64(shmring_is_closed(ring), 0); /* w2 still open */
    CHECK_OK(write_index(w2, 3));
    CHECK_READ_INDEX(r, 3);
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_EEMPTY);

    CHECK_OK(shmring_writer_close(w2));
    CHECK_RC(shmring_try_read(r, got, sizeof got, &len), SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- reading ---------------------------------------------------------------- */

static void test_read_batch(void) {
    shmring_ring_t *ring = make_ring(NULL, 32, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint8_t msg[32];
    for (uint32_t i = 0; i < 6; i++) {
        fill(msg, i + 1, i);
        CHECK_OK(shmring_try_write(w, msg, i + 1));
    }
    uint8_t buf[256];
    uint64_t lengths[8];
    uint32_t count = 0;
    /* max_count bounds the batch. */
    CHECK_OK(shmring_read_batch(r, buf, sizeof buf, lengths, 2, &count, 0));
    CHECK_EQ_U64(count, 2);
    CHECK_EQ_U64(lengths[0], 1);
    CHECK_EQ_U64(lengths[1], 2);
    CHECK(matches(buf, 1, 0));
    CHECK(matches(buf + 1, 2, 1));
    /* capacity bounds the batch: 3 + 4 fit in 8, 5 more do not. */
    CHECK_OK(shmring_read_batch(r, buf, 8, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 2);
    CHECK_EQ_U64(lengths[0], 3);
    CHECK_EQ_U64(lengths[1], 4);
    CHECK(matches(buf, 3, 2));
    CHECK(matches(buf + 3, 4, 3));
    /* The rest, with room to spare. */
    CHECK_OK(shmring_read_batch(r, buf, sizeof buf, lengths, 8, &count, -1));
    CHECK_EQ_U64(count, 2);
    CHECK(matches(buf, 5, 4));
    CHECK(matches(buf + 5, 6, 5));
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, lengths, 8, &count, 0),
             SHMRING_EEMPTY);
    CHECK_EQ_U64(count, 0);
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, lengths, 8, &count,
                                2000000),
             SHMRING_ETIMEOUT);
    CHECK_OK(shmring_writer_close(w));
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, lengths, 8, &count, -1),
             SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

static void test_peek_release(void) {
    shmring_ring_t *ring = make_ring(NULL, 32, 4, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    const void *view;
    uint64_t len;
    uint8_t buf[32];
    uint32_t count;

    CHECK_RC(shmring_release(r), SHMRING_EINVALID); /* nothing peeked */
    CHECK_RC(shmring_peek(r, &view, &len, 0), SHMRING_EEMPTY);
    CHECK_RC(shmring_peek(r, &view, &len, 1000000), SHMRING_ETIMEOUT);
    CHECK_RC(shmring_release(r), SHMRING_EINVALID);

    for (uint32_t i = 0; i < 4; i++) CHECK_OK(write_index(w, i));
    CHECK_RC(write_index(w, 99), SHMRING_EFULL);
    CHECK_OK(shmring_peek(r, &view, &len, 0));
    CHECK_EQ_U64(len, 4);
    CHECK_EQ_U64(*(const uint32_t *)view, 0);
    /* Out of order while a view is open. */
    CHECK_RC(shmring_peek(r, &view, &len, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_try_read(r, buf, sizeof buf, &len), SHMRING_EINVALID);
    CHECK_RC(shmring_read_batch(r, buf, sizeof buf, &len, 1, &count, 0),
             SHMRING_EINVALID);
    uint64_t skipped;
    CHECK_RC(shmring_reader_skip_to_latest(r, &skipped), SHMRING_EINVALID);
    /* The viewed slot is not reused meanwhile. */
    CHECK_RC(write_index(w, 99), SHMRING_EFULL);
    CHECK_EQ_U64(*(const uint32_t *)view, 0);
    CHECK_OK(shmring_release(r));
    CHECK_RC(shmring_release(r), SHMRING_EINVALID);
    CHECK_OK(write_index(w, 4)); /* the released slot is free */

    /* peek_batch: several views, released together. */
    const void *views[8];
    uint64_t lengths[8];
    CHECK_OK(shmring_peek_batch(r, views, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 4);
    for (uint32_t i = 0; i < count; i++) {
        CHECK_EQ_U64(lengths[i], 4);
        CHECK_EQ_U64(*(const uint32_t *)views[i], i + 1);
    }
    CHECK_RC(shmring_peek_batch(r, views, lengths, 8, &count, 0),
             SHMRING_EINVALID);
    CHECK_OK(shmring_release(r));
    CHECK_RC(shmring_peek(r, &view, &len, 0), SHMRING_EEMPTY);
    CHECK_OK(write_index(w, 5));
    CHECK_OK(write_index(w, 6));
    CHECK_OK(shmring_peek_batch(r, views, lengths, 1, &count, -1));
    CHECK_EQ_U64(count, 1);
    CHECK_EQ_U64(*(const uint32_t *)views[0], 5);
    CHECK_OK(shmring_release(r));
    CHECK_READ_INDEX(r, 6);

    /* Closing a reader with an open view releases it. */
    CHECK_OK(write_index(w, 7));
    CHECK_OK(shmring_peek(r, &view, &len, 0));
    CHECK_OK(shmring_reader_close(r));
    for (uint32_t i = 0; i < 8; i++) CHECK_OK(write_index(w, 10 + i));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_broadcast(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 4, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r[3];
    for (int i = 0; i < 3; i++) CHECK_OK(shmring_reader_open(ring, NULL, 0, &r[i]));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint32_t next[3] = {0, 0, 0};
    /* 40 messages through 4 slots: each reader sees every one, in order;
     * the slowest reader holds the writer back. */
    uint32_t written = 0;
    while (written < 40) {
        int rc = write_index(w, written);
        if (rc == SHMRING_OK) {
            written++;
            continue;
        }
        CHECK_RC(rc, SHMRING_EFULL);
        CHECK_EQ_U64(written - next[0], 4); /* reader 0 is the slowest */
        CHECK_READ_INDEX(r[0], next[0]);
        next[0]++;
        for (int i = 1; i < 3; i++) {
            while (next[i] < written) {
                CHECK_READ_INDEX(r[i], next[i]);
                next[i]++;
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        while (next[i] < 40) {
            CHECK_READ_INDEX(r[i], next[i]);
            next[i]++;
        }
        uint32_t x;
        CHECK_RC(read_index(r[i], &x, 0), SHMRING_EEMPTY);
        CHECK_EQ_U64(shmring_reader_position(r[i]), 40);
        CHECK_EQ_U64(shmring_reader_missed(r[i]), 0);
    }
    for (int i = 0; i < 3; i++) CHECK_OK(shmring_reader_close(r[i]));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_groups(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *a, *b, *solo, *all;
    CHECK_OK(shmring_reader_open(ring, "workers", 0, &a));
    CHECK_OK(shmring_reader_open(ring, "workers", 0, &b));
    CHECK_OK(shmring_reader_open(ring, "audit", 0, &solo));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &all));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t skipped;
    CHECK_RC(shmring_reader_skip_to_latest(a, &skipped), SHMRING_EINVALID);

    int seen[64] = {0};
    uint32_t written = 0, audit_next = 0, all_next = 0;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 8; i++) CHECK_OK(write_index(w, written++));
        CHECK_RC(write_index(w, 999), SHMRING_EFULL);
        /* The members split the 8 messages in an uneven pattern. */
        for (int i = 0; i < 8; i++) {
            shmring_reader_t *m = (i % 3 == round % 3) ? a : b;
            uint32_t x = 0;
            CHECK_OK(read_index(m, &x, 0));
            CHECK(x < 64);
            seen[x]++;
        }
        uint32_t x;
        CHECK_RC(read_index(a, &x, 0), SHMRING_EEMPTY);
        CHECK_RC(read_index(b, &x, 0), SHMRING_EEMPTY);
        /* The group is done, but "audit" and the broadcast reader are not. */
        CHECK_RC(write_index(w, 999), SHMRING_EFULL);
        for (int i = 0; i < 8; i++) {
            CHECK_READ_INDEX(solo, audit_next);
            audit_next++;
        }
        CHECK_RC(write_index(w, 999), SHMRING_EFULL);
        for (int i = 0; i < 8; i++) {
            CHECK_READ_INDEX(all, all_next);
            all_next++;
        }
    }
    for (int i = 0; i < 64; i++) {
        if (seen[i] != 1) {
            FAILF("message %d delivered %d times to the group", i, seen[i]);
            return;
        }
    }
    /* A member that joins an existing group shares its backlog. */
    CHECK_OK(write_index(w, 100));
    CHECK_OK(write_index(w, 101));
    shmring_reader_t *c;
    CHECK_OK(shmring_reader_open(ring, "workers", 0, &c));
    CHECK_READ_INDEX(c, 100);
    CHECK_READ_INDEX(a, 101);
    CHECK_EQ_U64(shmring_reader_position(b), 66);
    CHECK_OK(shmring_reader_close(c));

    /* Group members with read_batch and peek. */
    for (uint32_t i = 0; i < 4; i++) CHECK_OK(write_index(w, 200 + i));
    uint8_t buf[64];
    uint64_t lengths[4];
    uint32_t count;
    CHECK_OK(shmring_read_batch(a, buf, sizeof buf, lengths, 2, &count, 0));
    CHECK_EQ_U64(count, 2);
    CHECK_EQ_U64(((uint32_t *)buf)[0], 200);
    CHECK_EQ_U64(((uint32_t *)buf)[1], 201);
    const void *view;
    uint64_t len;
    CHECK_OK(shmring_peek(b, &view, &len, 0));
    CHECK_EQ_U64(*(const uint32_t *)view, 202);
    CHECK_READ_INDEX(a, 203); /* a member may pass another's open view */
    CHECK_OK(shmring_release(b));
    uint32_t x;
    CHECK_RC(read_index(b, &x, 0), SHMRING_EEMPTY);

    /* When the last member leaves, the group stops holding writers back. */
    CHECK_OK(shmring_reader_close(solo));
    CHECK_OK(shmring_reader_close(all));
    CHECK_OK(shmring_reader_close(a));
    for (int i = 0; i < 8; i++) CHECK_OK(write_index(w, 300 + i));
    CHECK_RC(write_index(w, 999), SHMRING_EFULL); /* b still holds them */
    CHECK_OK(shmring_reader_close(b));
    for (int i = 0; i < 16; i++) CHECK_OK(write_index(w, 400 + i));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_lossy(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 4, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    /* A lossy reader never holds the writer back. */
    for (uint32_t i = 0; i < 10; i++) CHECK_OK(write_index(w, i));
    /* Lapped: it skips to the oldest message still in the ring. */
    CHECK_READ_INDEX(r, 6);
    CHECK_EQ_U64(shmring_reader_missed(r), 6);
    printf("  lapped lossy reader resumed at 6, missed %llu\n",
           (unsigned long long)shmring_reader_missed(r));
    CHECK_READ_INDEX(r, 7);
    CHECK_READ_INDEX(r, 8);
    CHECK_READ_INDEX(r, 9);
    uint32_t x;
    CHECK_RC(read_index(r, &x, 0), SHMRING_EEMPTY);
    CHECK_EQ_U64(shmring_reader_position(r), 10);

    /* Not lapped: it sees everything. */
    for (uint32_t i = 10; i < 13; i++) CHECK_OK(write_index(w, i));
    for (uint32_t i = 10; i < 13; i++) CHECK_READ_INDEX(r, i);
    CHECK_EQ_U64(shmring_reader_missed(r), 6);

    /* Lapped by exactly one message. */
    for (uint32_t i = 13; i < 18; i++) CHECK_OK(write_index(w, i));
    CHECK_READ_INDEX(r, 14);
    CHECK_EQ_U64(shmring_reader_missed(r), 7);
    for (uint32_t i = 15; i < 18; i++) CHECK_READ_INDEX(r, i);

    /* A view overwritten before release: ELAPPED; the reader goes on. */
    CHECK_OK(write_index(w, 18));
    const void *view;
    uint64_t len;
    CHECK_OK(shmring_peek(r, &view, &len, 0));
    CHECK_EQ_U64(*(const uint32_t *)view, 18);
    for (uint32_t i = 19; i < 23; i++) CHECK_OK(write_index(w, i));
    uint64_t missed_before = shmring_reader_missed(r);
    CHECK_RC(shmring_release(r), SHMRING_ELAPPED);
    printf("  release of an overwritten view: %s\n", shmring_last_error());
    /* The lost view counts as missed, like a lap. */
    CHECK_EQ_U64(shmring_reader_missed(r), missed_before + 1);
    CHECK_READ_INDEX(r, 19);

    /* A view that was not overwritten releases cleanly. */
    CHECK_OK(shmring_peek(r, &view, &len, 0));
    CHECK_EQ_U64(*(const uint32_t *)view, 20);
    CHECK_OK(shmring_release(r));

    /* Lapped many times over with read_batch. */
    for (uint32_t i = 23; i < 1000; i++) CHECK_OK(write_index(w, i));
    uint8_t buf[64];
    uint64_t lengths[8];
    uint32_t count;
    missed_before = shmring_reader_missed(r);
    CHECK_OK(shmring_read_batch(r, buf, sizeof buf, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 4);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ_U64(((uint32_t *)buf)[i], 996 + i);
    CHECK_EQ_U64(shmring_reader_missed(r) - missed_before, 996 - 21);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_skip_to_latest(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r, *other, *lossy;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &other));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    CHECK_OK(shmring_writer_open(ring, &w));
    for (uint32_t i = 0; i < 5; i++) CHECK_OK(write_index(w, i));
    uint64_t skipped = 99;
    CHECK_OK(shmring_reader_skip_to_latest(r, &skipped));
    CHECK_EQ_U64(skipped, 5);
    CHECK_EQ_U64(shmring_reader_missed(r), 5);
    CHECK_EQ_U64(shmring_reader_position(r), 5);
    uint32_t x;
    CHECK_RC(read_index(r, &x, 0), SHMRING_EEMPTY);
    CHECK_OK(shmring_reader_skip_to_latest(r, &skipped)); /* nothing new */
    CHECK_EQ_U64(skipped, 0);
    CHECK_OK(shmring_reader_skip_to_latest(r, NULL));
    /* Only this reader moved. */
    CHECK_READ_INDEX(other, 0);
    CHECK_OK(shmring_reader_skip_to_latest(lossy, &skipped));
    CHECK_EQ_U64(skipped, 5);
    CHECK_EQ_U64(shmring_reader_missed(lossy), 5);
    CHECK_OK(write_index(w, 5));
    CHECK_READ_INDEX(r, 5);
    CHECK_READ_INDEX(lossy, 5);
    CHECK_READ_INDEX(other, 1);
    CHECK_EQ_U64(shmring_reader_missed(other), 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_reader_close(other));
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_skip_all_to_latest(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 4, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *b1, *b2, *m1, *m2, *lossy;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b1));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b2));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m1));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m2));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    CHECK_OK(shmring_writer_open(ring, &w));
    for (uint32_t i = 0; i < 3; i++) CHECK_OK(write_index(w, i));
    CHECK_READ_INDEX(b2, 0); /* b2 is one ahead */
    CHECK_OK(shmring_skip_all_to_latest(ring));
    /* Every reader reports where its next read starts at once, before it
     * reads: the floor, not its old cursor (the seed's force_reader_sync);
     * the snapshot says the same, with no lag. */
    shmring_reader_t *all[] = {b1, b2, m1, m2, lossy};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK_EQ_U64(shmring_reader_position(all[i]), 3);
    }
    shmring_stats_t *s;
    CHECK_OK(shmring_stats_read(ring, &s));
    CHECK_EQ_U64(shmring_stats_reader_count(s), 5);
    for (uint32_t i = 0; i < 5; i++) {
        uint64_t position = 0, lag = 1;
        CHECK_OK(shmring_stats_reader(s, i, SHMRING_STAT_POSITION, &position));
        CHECK_OK(shmring_stats_reader(s, i, SHMRING_STAT_LAG, &lag));
        CHECK_EQ_U64(position, 3);
        CHECK_EQ_U64(lag, 0);
    }
    shmring_stats_free(s);
    uint32_t x;
    CHECK_RC(read_index(b1, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(b2, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(m1, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(m2, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(lossy, &x, 0), SHMRING_EEMPTY);
    CHECK_EQ_U64(shmring_reader_missed(b1), 3);
    CHECK_EQ_U64(shmring_reader_missed(b2), 2);
    CHECK_EQ_U64(shmring_reader_missed(lossy), 3);
    CHECK_EQ_U64(shmring_reader_position(b1), 3);
    CHECK_EQ_U64(shmring_reader_position(m2), 3);
    CHECK_OK(write_index(w, 3));
    CHECK_READ_INDEX(b1, 3);
    CHECK_READ_INDEX(b2, 3);
    CHECK_READ_INDEX(m2, 3);
    CHECK_RC(read_index(m1, &x, 0), SHMRING_EEMPTY);
    CHECK_READ_INDEX(lossy, 3);

    /* "writers stop waiting for slow readers": a ring held full by readers
     * that do not read has room again right after skip_all_to_latest. */
    for (uint32_t i = 4; i < 8; i++) CHECK_OK(write_index(w, i));
    CHECK_RC(write_index(w, 8), SHMRING_EFULL);
    CHECK_OK(shmring_skip_all_to_latest(ring));
    int rc = write_index(w, 8);
    if (rc != SHMRING_OK) {
        FAILF("try_write right after skip_all_to_latest on a full ring = %s, "
              "want OK", rc_name(rc));
    } else {
        CHECK_READ_INDEX(b1, 8);
        CHECK_READ_INDEX(b2, 8);
        CHECK_READ_INDEX(m1, 8);
        CHECK_EQ_U64(shmring_reader_missed(b1), 3 + 4); /* cumulative */
    }
    CHECK_OK(shmring_reader_close(b1));
    CHECK_OK(shmring_reader_close(b2));
    CHECK_OK(shmring_reader_close(m1));
    CHECK_OK(shmring_reader_close(m2));
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* A writer blocked on a ring held full by a reader that never reads is
 * released by skip_all_to_latest from another thread. */
struct blocked_write {
    shmring_writer_t *w;
    int rc;
    int64_t elapsed_ns;
};
static void *blocked_write_thread(void *arg) {
    struct blocked_write *bw = arg;
    int64_t t0 = now_ns();
    uint32_t v = 77;
    bw->rc = shmring_write(bw->w, &v, sizeof v, 2000000000ll);
    bw->elapsed_ns = now_ns() - t0;
    return NULL;
}

static void test_skip_all_wakes_blocked_writer(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 2, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_index(w, 0));
    CHECK_OK(write_index(w, 1));
    struct blocked_write bw = {w, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_write_thread, &bw) == 0);
    sleep_ms(50);
    int rc_skip = shmring_skip_all_to_latest(ring);
    pthread_join(t, NULL);
    CHECK_OK(rc_skip);
    printf("  blocked write after skip_all_to_latest: %s after %.1f ms\n",
           rc_name(bw.rc), bw.elapsed_ns / 1e6);
    if (bw.rc != SHMRING_OK) {
        FAILF("a writer blocked on a full ring was not released by "
              "skip_all_to_latest: %s after %.1f ms",
              rc_name(bw.rc), bw.elapsed_ns / 1e6);
    } else {
        CHECK_READ_INDEX(r, 77);
    }
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* ---- end of stream ------------------------------------------------------------ */

/* The end of stream behind trailing aborted slots is reported at once, by
 * every kind of reader, even to a call that does not wait. */
static void test_end_after_aborted_slots(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *b, *m, *l;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_index(w, 0));
    void *slot;
    CHECK_OK(shmring_reserve(w, &slot, 0));
    CHECK_OK(shmring_abort(w));
    CHECK_OK(shmring_writer_close(w));
    shmring_reader_t *rs[3] = {b, m, l};
    for (int i = 0; i < 3; i++) {
        CHECK_READ_INDEX(rs[i], 0);
        uint32_t x;
        CHECK_RC(read_index(rs[i], &x, 0), SHMRING_ECLOSED);
        CHECK_OK(shmring_reader_close(rs[i]));
    }
    CHECK_OK(shmring_close(ring));
}

/* With no gating reader, a writer must not lap a slot another writer is
 * still filling: it waits (FULL) until that message is committed. */
static void test_writer_does_not_lap_open_reservation(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 4, NULL);
    CHECK(ring);
    shmring_reader_t *lossy;
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    shmring_writer_t *slow, *fast;
    CHECK_OK(shmring_writer_open(ring, &slow));
    CHECK_OK(shmring_writer_open(ring, &fast));
    for (uint32_t lap = 0; lap < 3; lap++) { /* first lap and later ones */
        void *slot;
        CHECK_OK(shmring_reserve(slow, &slot, 0));
        for (uint32_t i = 1; i < 4; i++) CHECK_OK(write_index(fast, i));
        CHECK_RC(write_index(fast, 4), SHMRING_EFULL);
        memcpy(slot, &lap, sizeof lap);
        CHECK_OK(shmring_commit(slow, sizeof lap));
        CHECK_OK(write_index(fast, 4));
        /* Fill the ring so the next reservation laps the same slot. */
        for (uint32_t i = 5; i < 8; i++) CHECK_OK(write_index(fast, i));
    }
    CHECK_OK(shmring_writer_close(slow));
    CHECK_OK(shmring_writer_close(fast));
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_close(ring));
}

/* A timeout shorter than the spin phase is not stretched by it. */
static void test_short_timeout_is_short(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    uint32_t x;
    for (int i = 0; i < 3; i++) { /* the spin budget adapts: try a few */
        int64_t t0 = now_ns();
        CHECK_RC(read_index(r, &x, 1000), SHMRING_ETIMEOUT);
        int64_t took = now_ns() - t0;
        /* 1 us asked; the spin checks the clock every 64 pauses, so even a
         * busy machine returns far below this generous bound. */
        if (took >= 200000000ll) {
            FAILF("a 1 us timeout took %.1f ms", took / 1e6);
        }
    }
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

static void test_end_on_last_writer(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w1, *w2;
    shmring_reader_t *b, *m, *l;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_OK(shmring_writer_open(ring, &w1));
    CHECK_OK(shmring_writer_open(ring, &w2));
    CHECK_OK(write_index(w1, 0));
    CHECK_OK(write_index(w2, 1));
    CHECK_OK(shmring_writer_close(w1));
    CHECK_EQ_U64(shmring_is_closed(ring), 0); /* w2 is still there */
    CHECK_OK(write_index(w2, 2));
    CHECK_OK(shmring_writer_close(w2));
    CHECK_EQ_U64(shmring_is_closed(ring), 1);
    /* Readers drain, then see the end. */
    shmring_reader_t *rs[3] = {b, m, l};
    for (int i = 0; i < 3; i++) {
        for (uint32_t k = 0; k < 3; k++) CHECK_READ_INDEX(rs[i], k);
        uint32_t x;
        CHECK_RC(read_index(rs[i], &x, 0), SHMRING_ECLOSED);
        CHECK_RC(read_index(rs[i], &x, -1), SHMRING_ECLOSED);
        CHECK_RC(read_index(rs[i], &x, 1000000), SHMRING_ECLOSED);
        const void *view;
        uint64_t len;
        CHECK_RC(shmring_peek(rs[i], &view, &len, -1), SHMRING_ECLOSED);
    }
    printf("  after the end: %s\n", shmring_last_error());
    /* No new writers; a reader that joins now sees the end at once. */
    shmring_writer_t *w3 = (shmring_writer_t *)1;
    CHECK_RC(shmring_writer_open(ring, &w3), SHMRING_ECLOSED);
    CHECK(w3 == NULL);
    shmring_reader_t *late;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &late));
    uint32_t x;
    CHECK_RC(read_index(late, &x, -1), SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(late));
    for (int i = 0; i < 3; i++) CHECK_OK(shmring_reader_close(rs[i]));
    CHECK_OK(shmring_close(ring));
}

struct blocked_read {
    shmring_reader_t *r;
    int rc;
    uint32_t value;
};
static void *blocked_read_thread(void *arg) {
    struct blocked_read *br = arg;
    br->rc = read_index(br->r, &br->value, -1);
    return NULL;
}

static void test_close_stream_only(void) {
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_close_on_last_writer(o, 0));
    shmring_ring_t *ring = make_ring(NULL, 16, 8, o);
    shmring_options_destroy(o);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_index(w, 0));
    CHECK_OK(shmring_writer_close(w));
    CHECK_EQ_U64(shmring_is_closed(ring), 0); /* not on the last writer */
    CHECK_READ_INDEX(r, 0);
    uint32_t x;
    CHECK_RC(read_index(r, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(r, &x, 1000000), SHMRING_ETIMEOUT);
    /* A new writer may still join and write. */
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_index(w, 1));
    CHECK_READ_INDEX(r, 1);

    /* A reader blocked forever is woken by close_stream. */
    struct blocked_read br = {r, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_read_thread, &br) == 0);
    sleep_ms(30);
    CHECK_OK(write_index(w, 2)); /* first it gets a message ... */
    pthread_join(t, NULL);
    CHECK_OK(br.rc);
    CHECK_EQ_U64(br.value, 2);
    CHECK(pthread_create(&t, NULL, blocked_read_thread, &br) == 0);
    sleep_ms(30);
    CHECK_OK(write_index(w, 3));
    CHECK_OK(shmring_close_stream(ring)); /* ... then the end */
    pthread_join(t, NULL);
    CHECK_OK(br.rc);
    CHECK_EQ_U64(br.value, 3);
    CHECK_EQ_U64(shmring_is_closed(ring), 1);
    CHECK_RC(write_index(w, 4), SHMRING_ECLOSED);
    void *slot;
    CHECK_RC(shmring_reserve(w, &slot, -1), SHMRING_ECLOSED);
    CHECK_RC(shmring_write(w, &x, sizeof x, -1), SHMRING_ECLOSED);
    CHECK_RC(read_index(r, &x, -1), SHMRING_ECLOSED);
    CHECK_OK(shmring_close_stream(ring)); /* idempotent */
    CHECK(pthread_create(&t, NULL, blocked_read_thread, &br) == 0);
    pthread_join(t, NULL);
    CHECK_RC(br.rc, SHMRING_ECLOSED);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

static void test_close_stream_wakes_blocked_reader(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_reader_t *r;
    shmring_writer_t *w;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    struct blocked_read br = {r, 99, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_read_thread, &br) == 0);
    sleep_ms(30);
    int64_t t0 = now_ns();
    CHECK_OK(shmring_writer_close(w)); /* the last writer leaves */
    pthread_join(t, NULL);
    CHECK_RC(br.rc, SHMRING_ECLOSED);
    printf("  blocked reader saw the end %.2f ms after the last writer left\n",
           (now_ns() - t0) / 1e6);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- limits ------------------------------------------------------------------- */

static void test_limits(void) {
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_max_writers(o, 2));
    CHECK_OK(shmring_options_set_max_readers(o, 3));
    CHECK_OK(shmring_options_set_max_groups(o, 1));
    shmring_ring_t *ring = make_ring(NULL, 16, 4, o);
    shmring_options_destroy(o);
    CHECK(ring);
    shmring_writer_t *w1, *w2, *w3 = (shmring_writer_t *)1;
    CHECK_OK(shmring_writer_open(ring, &w1));
    CHECK_OK(shmring_writer_open(ring, &w2));
    CHECK_RC(shmring_writer_open(ring, &w3), SHMRING_ELIMIT);
    CHECK(w3 == NULL);
    printf("  writers: %s\n", shmring_last_error());
    CHECK_OK(shmring_writer_close(w2));
    CHECK_OK(shmring_writer_open(ring, &w2)); /* the entry is reused */

    shmring_reader_t *r1, *r2, *r3, *r4 = (shmring_reader_t *)1;
    CHECK_OK(shmring_reader_open(ring, "g1", 0, &r1));
    CHECK_RC(shmring_reader_open(ring, "g2", 0, &r2), SHMRING_ELIMIT);
    printf("  groups: %s\n", shmring_last_error());
    CHECK_OK(shmring_reader_open(ring, "g1", 0, &r2)); /* same group: fine */
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &r3));
    CHECK_RC(shmring_reader_open(ring, NULL, 0, &r4), SHMRING_ELIMIT);
    CHECK(r4 == NULL);
    printf("  readers: %s\n", shmring_last_error());
    CHECK_RC(shmring_reader_open(ring, "g1", 0, &r4), SHMRING_ELIMIT);
    /* The group entry frees when its last member leaves. */
    CHECK_OK(shmring_reader_close(r1));
    CHECK_OK(shmring_reader_close(r2));
    CHECK_OK(shmring_reader_open(ring, "g2", 0, &r1));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r2));
    CHECK_OK(write_index(w1, 5));
    CHECK_READ_INDEX(r1, 5);
    CHECK_READ_INDEX(r2, 5);
    CHECK_READ_INDEX(r3, 5);
    CHECK_OK(shmring_reader_close(r1));
    CHECK_OK(shmring_reader_close(r2));
    CHECK_OK(shmring_reader_close(r3));
    CHECK_OK(shmring_writer_close(w1));
    CHECK_OK(shmring_writer_close(w2));
    CHECK_OK(shmring_close(ring));

    /* max_groups 0: no groups at all. */
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_max_groups(o, 0));
    CHECK_OK(shmring_options_set_max_readers(o, 1));
    CHECK_OK(shmring_options_set_max_writers(o, 1));
    ring = make_ring(NULL, 16, 4, o);
    shmring_options_destroy(o);
    CHECK(ring);
    CHECK_RC(shmring_reader_open(ring, "g", 0, &r1), SHMRING_ELIMIT);
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r1));
    CHECK_RC(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &r2),
             SHMRING_ELIMIT);
    CHECK_OK(shmring_writer_open(ring, &w1));
    CHECK_RC(shmring_writer_open(ring, &w2), SHMRING_ELIMIT);
    CHECK_OK(shmring_writer_close(w1));
    CHECK_OK(shmring_reader_close(r1));
    CHECK_OK(shmring_close(ring));
}

static void test_late_joiner(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    /* With no reader at all, writes never block: nobody needs them. */
    for (uint32_t i = 0; i < 20; i++) CHECK_OK(write_index(w, i));
    shmring_reader_t *b, *m, *l;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_EQ_U64(shmring_reader_position(b), 20);
    CHECK_EQ_U64(shmring_reader_position(m), 20);
    CHECK_EQ_U64(shmring_reader_position(l), 20);
    uint32_t x;
    CHECK_RC(read_index(b, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(m, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_index(l, &x, 0), SHMRING_EEMPTY);
    CHECK_OK(write_index(w, 20));
    CHECK_READ_INDEX(b, 20);
    CHECK_READ_INDEX(m, 20);
    CHECK_READ_INDEX(l, 20);
    CHECK_EQ_U64(shmring_reader_missed(b), 0);
    CHECK_EQ_U64(shmring_reader_missed(l), 0);
    CHECK_OK(shmring_reader_close(b));
    CHECK_OK(shmring_reader_close(m));
    CHECK_OK(shmring_reader_close(l));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* ---- waiting ----------------------------------------------------------------- */

static void *delayed_write_thread(void *arg) {
    shmring_writer_t *w = arg;
    sleep_ms(30);
    uint32_t v = 1234;
    shmring_write(w, &v, sizeof v, -1);
    return NULL;
}

static void *delayed_read_thread(void *arg) {
    shmring_reader_t *r = arg;
    sleep_ms(30);
    uint8_t buf[16];
    uint64_t len;
    shmring_read(r, buf, sizeof buf, &len, -1);
    return NULL;
}

static void test_timeouts_and_wakeups(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 2, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint8_t buf[16];
    uint64_t len;

    /* read: 20 ms, then ETIMEOUT. */
    int64_t t0 = now_ns();
    CHECK_RC(shmring_read(r, buf, sizeof buf, &len, 20000000), SHMRING_ETIMEOUT);
    int64_t ms = (now_ns() - t0) / 1000000;
    printf("  read(20 ms) timed out after %lld ms: %s\n", (long long)ms,
           shmring_last_error());
    CHECK(ms >= 19 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    const void *view;
    t0 = now_ns();
    CHECK_RC(shmring_peek(r, &view, &len, 20000000), SHMRING_ETIMEOUT);
    ms = (now_ns() - t0) / 1000000;
    CHECK(ms >= 19 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */

    /* write on a full ring: 20 ms, then ETIMEOUT. */
    CHECK_OK(write_index(w, 0));
    CHECK_OK(write_index(w, 1));
    t0 = now_ns();
    uint32_t v = 2;
    CHECK_RC(shmring_write(w, &v, sizeof v, 20000000), SHMRING_ETIMEOUT);
    ms = (now_ns() - t0) / 1000000;
    printf("  write(20 ms) on a full ring timed out after %lld ms\n",
           (long long)ms);
    CHECK(ms >= 19 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    void *slot;
    t0 = now_ns();
    CHECK_RC(shmring_reserve(w, &slot, 20000000), SHMRING_ETIMEOUT);
    ms = (now_ns() - t0) / 1000000;
    CHECK(ms >= 19 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    CHECK_RC(shmring_reserve(w, &slot, 0), SHMRING_EFULL);
    CHECK_EQ_U64(shmring_next_sequence(ring), 2); /* a timeout leaves no hole */

    /* A writer blocked forever is woken by a reader making room. */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, delayed_read_thread, r) == 0);
    CHECK_OK(shmring_write(w, &v, sizeof v, -1));
    pthread_join(t, NULL);
    CHECK_READ_INDEX(r, 1);
    CHECK_READ_INDEX(r, 2);

    /* A reader blocked forever is woken by a write. */
    CHECK(pthread_create(&t, NULL, delayed_write_thread, w) == 0);
    uint32_t x = 0;
    CHECK_OK(read_index(r, &x, -1));
    CHECK_EQ_U64(x, 1234);
    pthread_join(t, NULL);

    /* A huge timeout is not an overflow. */
    CHECK_OK(write_index(w, 5));
    CHECK_OK(read_index(r, &x, INT64_MAX));
    CHECK_EQ_U64(x, 5);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static volatile sig_atomic_t g_alarms;
static void on_alarm(int sig) {
    (void)sig;
    g_alarms++;
}

static void test_interrupted(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART */
    CHECK(sigaction(SIGALRM, &sa, &old) == 0);
    shmring_ring_t *ring = make_ring(NULL, 16, 2, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    /* After 50 ms, then every 50 ms: should the first signal land while
     * the caller is still spinning (not yet asleep in the futex), a later
     * one interrupts the sleep instead of the test hanging. */
    struct itimerval it = {{0, 50000}, {0, 50000}};
    const struct itimerval off = {{0, 0}, {0, 0}};
    uint8_t buf[16];
    uint64_t len;

    g_alarms = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    int64_t t0 = now_ns();
    int rc = shmring_read(r, buf, sizeof buf, &len, -1);
    int64_t ms = (now_ns() - t0) / 1000000;
    setitimer(ITIMER_REAL, &off, NULL);
    printf("  read(forever) + SIGALRM after 50 ms: %s after %lld ms, %d "
           "signal(s) (%s)\n",
           rc_name(rc), (long long)ms, (int)g_alarms, shmring_last_error());
    CHECK_RC(rc, SHMRING_EINTERRUPTED);
    CHECK(g_alarms >= 1);

    /* With a deadline too. */
    g_alarms = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    rc = shmring_read(r, buf, sizeof buf, &len, 5000000000ll);
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK_RC(rc, SHMRING_EINTERRUPTED);
    CHECK(g_alarms >= 1);

    /* A writer blocked on a full ring. */
    CHECK_OK(write_index(w, 0));
    CHECK_OK(write_index(w, 1));
    g_alarms = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    uint32_t v = 2;
    rc = shmring_write(w, &v, sizeof v, -1);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("  write(forever) on a full ring + SIGALRM: %s\n", rc_name(rc));
    CHECK_RC(rc, SHMRING_EINTERRUPTED);
    CHECK(g_alarms >= 1);
    /* The interrupted calls changed nothing: retry works. */
    CHECK_EQ_U64(shmring_next_sequence(ring), 2);
    CHECK_READ_INDEX(r, 0);
    CHECK_OK(shmring_write(w, &v, sizeof v, -1));
    CHECK_READ_INDEX(r, 1);
    CHECK_READ_INDEX(r, 2);
    CHECK(sigaction(SIGALRM, &old, NULL) == 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* ---- permissions -------------------------------------------------------------- */

/* In a child that gave up root: what does opening `name` return? Exit code
 * 100 + (-status), or 77 when the uid cannot be changed. */
static int open_as_nobody(const char *name) {
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
            setuid(65534) != 0 || geteuid() != 65534) {
            _exit(77);
        }
        shmring_ring_t *ring;
        int rc = shmring_open(name, 0, &ring);
        if (rc == SHMRING_OK) {
            /* It can also take part: writing needs write access. */
            shmring_writer_t *w;
            if (shmring_writer_open(ring, &w) == SHMRING_OK) {
                shmring_writer_close(w);
            }
            shmring_close(ring);
        } else {
            printf("    (as uid 65534: %s)\n", shmring_last_error());
            fflush(stdout);
        }
        _exit(100 - rc);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    if (WEXITSTATUS(status) == 77) return 77;
    return -(WEXITSTATUS(status) - 100);
}

static void test_permissions(void) {
    /* The mode is exactly what was asked for, whatever the umask. */
    mode_t old_umask = umask(077);
    const char *name = unique_name();
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_mode(o, 0666));
    CHECK_OK(shmring_options_set_close_on_last_writer(o, 0));
    shmring_ring_t *open_ring = make_ring(name, 16, 4, o);
    umask(old_umask);
    CHECK(open_ring);
    char path[128];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_U64(st.st_mode & 0777, 0666);

    const char *name_private = unique_name();
    CHECK_OK(shmring_options_set_mode(o, 0600));
    shmring_ring_t *private_ring = make_ring(name_private, 16, 4, o);
    CHECK(private_ring);

    /* 0400: the creator still has it mapped read-write. */
    const char *name_ro = unique_name();
    CHECK_OK(shmring_options_set_mode(o, 0400));
    shmring_ring_t *ro_ring = make_ring(name_ro, 16, 4, o);
    shmring_options_destroy(o);
    CHECK(ro_ring);
    snprintf(path, sizeof path, "/dev/shm%s", name_ro);
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_U64(st.st_mode & 0777, 0400);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ro_ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ro_ring, &w));
    CHECK_OK(write_index(w, 3));
    CHECK_READ_INDEX(r, 3);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));

    shmring_ring_t *again = NULL;
    int rc = shmring_open(name_ro, 0, &again);
    if (geteuid() != 0) {
        /* Opening needs read-write access. */
        CHECK_RC(rc, SHMRING_EPERMISSION);
        printf("  open of a 0400 segment: %s\n", shmring_last_error());
        CHECK_RC(shmring_open(name_private, 0, &again), SHMRING_OK);
        CHECK_OK(shmring_close(again));
    } else {
        /* Root is not subject to the mode; a child that gives up root is. */
        CHECK_OK(rc);
        CHECK_OK(shmring_close(again));
        int as_nobody = open_as_nobody(name_private);
        if (as_nobody == 77) {
            printf("  running as root and setuid(65534) failed: EPERMISSION "
                   "part skipped\n");
        } else {
            printf("  open of a root-owned 0600 segment as uid 65534: %s\n",
                   rc_name(as_nobody));
            CHECK_RC(as_nobody, SHMRING_EPERMISSION);
            CHECK_RC(open_as_nobody(name_ro), SHMRING_EPERMISSION);
            CHECK_RC(open_as_nobody(name), SHMRING_OK); /* 0666 */
        }
    }
    CHECK_OK(shmring_close(open_ring));
    CHECK_OK(shmring_close(private_ring));
    CHECK_OK(shmring_close(ro_ring));
    CHECK_OK(shmring_unlink(name));
    CHECK_OK(shmring_unlink(name_private));
    CHECK_OK(shmring_unlink(name_ro));
}

/* ---- main ---------------------------------------------------------------------- */

/* The snapshot index of the reader of `kind` (the test has one of each),
 * or the reader count if there is none. */
static uint32_t stats_reader_of_kind(const shmring_stats_t *s, uint64_t kind) {
    uint32_t i = 0;
    for (; i < shmring_stats_reader_count(s); i++) {
        uint64_t k = 0;
        if (shmring_stats_reader(s, i, SHMRING_STAT_KIND, &k) == SHMRING_OK &&
            k == kind) {
            break;
        }
    }
    return i;
}

static void test_stats(void) {
    shmring_ring_t *ring = make_ring(NULL, 16, 8, NULL);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *broadcast, *member, *lossy;
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &broadcast));
    CHECK_OK(shmring_reader_open(ring, "stats-group", 0, &member));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    for (uint32_t i = 0; i < 5; i++) CHECK_OK(write_index(w, i));
    void *slot;
    CHECK_OK(shmring_reserve(w, &slot, 0));
    CHECK_OK(shmring_abort(w));
    CHECK_READ_INDEX(broadcast, 0);
    CHECK_READ_INDEX(broadcast, 1);
    CHECK_READ_INDEX(member, 0);

    shmring_stats_t *s;
    CHECK_OK(shmring_stats_read(ring, &s));
    uint64_t v = 0;
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_NEXT_SEQUENCE, &v));
    CHECK_EQ_U64(v, shmring_next_sequence(ring));
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_CLOSED, &v));
    CHECK_EQ_U64(v, 0);
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_WRITERS, &v));
    CHECK_EQ_U64(v, 1);
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_READERS, &v));
    CHECK_EQ_U64(v, 3);
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_WRITERS_JOINED, &v));
    CHECK_EQ_U64(v, 1);
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_SLOTS_ABANDONED, &v));
    CHECK_EQ_U64(v, 0);
    CHECK_EQ_U64(shmring_stats_writer_count(s), 1);
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_PID, &v));
    CHECK_EQ_U64(v, (uint64_t)getpid());
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_ALIVE, &v));
    CHECK_EQ_U64(v, 1);
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_MESSAGES, &v));
    CHECK_EQ_U64(v, 5);
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_BYTES, &v));
    CHECK_EQ_U64(v, 5 * sizeof(uint32_t));
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_ABORTED, &v));
    CHECK_EQ_U64(v, 1);
    CHECK_OK(shmring_stats_writer(s, 0, SHMRING_STAT_ENTRY, &v));
    CHECK_EQ_U64(v, shmring_writer_entry_index(w));
    CHECK_EQ_U64(shmring_writer_entry_index(NULL), UINT32_MAX);

    uint32_t b = stats_reader_of_kind(s, SHMRING_KIND_BROADCAST);
    CHECK(b < 3);
    uint64_t tail = shmring_next_sequence(ring);
    CHECK_OK(shmring_stats_reader(s, b, SHMRING_STAT_MESSAGES, &v));
    CHECK_EQ_U64(v, 2);
    CHECK_OK(shmring_stats_reader(s, b, SHMRING_STAT_POSITION, &v));
    CHECK_EQ_U64(v, shmring_reader_position(broadcast));
    CHECK_OK(shmring_stats_reader(s, b, SHMRING_STAT_LAG, &v));
    CHECK_EQ_U64(v, tail - shmring_reader_position(broadcast));
    CHECK(shmring_stats_reader_group(s, b) == NULL);
    uint32_t m = stats_reader_of_kind(s, SHMRING_KIND_GROUP_MEMBER);
    CHECK(m < 3);
    CHECK(shmring_stats_reader_group(s, m) &&
          strcmp(shmring_stats_reader_group(s, m), "stats-group") == 0);
    CHECK_OK(shmring_stats_reader(s, m, SHMRING_STAT_POSITION, &v));
    CHECK_EQ_U64(v, shmring_reader_position(member));
    CHECK_OK(shmring_stats_reader(s, m, SHMRING_STAT_ENTRY, &v));
    CHECK_EQ_U64(v, shmring_reader_entry_index(member));
    CHECK(shmring_reader_entry_index(member) !=
          shmring_reader_entry_index(broadcast));
    uint32_t l = stats_reader_of_kind(s, SHMRING_KIND_LOSSY);
    CHECK(l < 3);
    CHECK_OK(shmring_stats_reader(s, l, SHMRING_STAT_MISSED, &v));
    CHECK_EQ_U64(v, 0);

    /* Bad fields and indexes are errors, never garbage. */
    CHECK_RC(shmring_stats_ring(s, SHMRING_STAT_PID, &v), SHMRING_EINVALID);
    CHECK_RC(shmring_stats_writer(s, 1, SHMRING_STAT_PID, &v), SHMRING_EINVALID);
    CHECK_RC(shmring_stats_writer(s, 0, SHMRING_STAT_LAG, &v), SHMRING_EINVALID);
    CHECK_RC(shmring_stats_reader(s, 3, SHMRING_STAT_PID, &v), SHMRING_EINVALID);
    CHECK_RC(shmring_stats_reader(s, 0, SHMRING_STAT_BYTES, &v),
             SHMRING_EINVALID);
    CHECK_RC(shmring_stats_reader(s, 0, SHMRING_STAT_PID, NULL),
             SHMRING_EINVALID);
    CHECK(shmring_stats_reader_group(s, 3) == NULL);
    shmring_stats_free(s);
    CHECK_RC(shmring_stats_read(NULL, &s), SHMRING_EINVALID);
    CHECK_RC(shmring_stats_read(ring, NULL), SHMRING_EINVALID);
    CHECK_EQ_U64(shmring_stats_writer_count(NULL), 0);
    shmring_stats_free(NULL);

    /* A closed handle leaves the snapshot. */
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_stats_read(ring, &s));
    CHECK_EQ_U64(shmring_stats_reader_count(s), 2);
    shmring_stats_free(s);
    CHECK_OK(shmring_reader_close(broadcast));
    CHECK_OK(shmring_reader_close(member));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_names);
    RUN(test_strerror);
    RUN(test_last_error);
    RUN(test_version);
    RUN(test_options);
    RUN(test_create_open_unlink);
    RUN(test_bad_names_and_arguments);
    RUN(test_invalid_geometry);
    RUN(test_anonymous_and_fork);
    RUN(test_write_and_read_sizes);
    RUN(test_write_batch);
    RUN(test_reserve_commit_abort);
    RUN(test_read_batch);
    RUN(test_peek_release);
    RUN(test_broadcast);
    RUN(test_groups);
    RUN(test_lossy);
    RUN(test_skip_to_latest);
    RUN(test_skip_all_to_latest);
    RUN(test_skip_all_wakes_blocked_writer);
    RUN(test_end_on_last_writer);
    RUN(test_end_after_aborted_slots);
    RUN(test_short_timeout_is_short);
    RUN(test_writer_does_not_lap_open_reservation);
    RUN(test_close_stream_only);
    RUN(test_close_stream_wakes_blocked_reader);
    RUN(test_limits);
    RUN(test_late_joiner);
    RUN(test_timeouts_and_wakeups);
    RUN(test_interrupted);
    RUN(test_permissions);
    RUN(test_stats);
    printf("%d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
