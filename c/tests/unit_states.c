/*
 * unit_states.c -- rings in states that ordinary use reaches only after a
 * very long time or under unlucky timing, set up on purpose:
 *
 *   - sequence counters near 2^64 and 2^63 (shmring_options_set_initial_
 *     sequence): writes, reads, full-ring detection, lapping, skipping and
 *     end of stream across the wrap, for broadcast, group and lossy readers;
 *   - a half-written slot (one writer reserved, another wrote after it):
 *     readers must keep the total order and wait for the hole;
 *   - full rings, including the smallest (2 slots).
 *
 * The segment header and slot stamps are checked through ../src/internal.h
 * (white box) where the public API cannot see them.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#include "unit_checks.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "shmring.h"
#include "../src/internal.h"
#include "../src/slots.h"

/* Messages: a u64 tag followed by a pattern derived from it, 8..40 bytes
 * long depending on the tag, so a wrong slot or a torn copy shows. */
#define MSG_MAX 40
static uint64_t msg_length(uint64_t tag) { return 8 + (tag % 5) * 8; }
static void msg_make(uint8_t *buf, uint64_t tag) {
    memcpy(buf, &tag, 8);
    for (uint64_t i = 8; i < msg_length(tag); i++) {
        buf[i] = (uint8_t)(tag * 29 + i);
    }
}
static int write_tag(shmring_writer_t *w, uint64_t tag) {
    uint8_t buf[MSG_MAX];
    msg_make(buf, tag);
    return shmring_try_write(w, buf, msg_length(tag));
}
/* Read one message and check it is intact; its tag in *tag_out. */
static int read_tag(shmring_reader_t *r, uint64_t *tag_out, int64_t timeout) {
    uint8_t buf[MSG_MAX], want[MSG_MAX];
    uint64_t len = 0;
    int rc = shmring_read(r, buf, sizeof buf, &len, timeout);
    if (rc != SHMRING_OK) return rc;
    if (len < 8) return 1000;
    uint64_t tag;
    memcpy(&tag, buf, 8);
    msg_make(want, tag);
    if (len != msg_length(tag) || memcmp(buf, want, len) != 0) return 1001;
    *tag_out = tag;
    return SHMRING_OK;
}

#define CHECK_READ_TAG(reader, want)                                      \
    do {                                                                  \
        uint64_t got_ = UINT64_MAX;                                       \
        CHECK_OK(read_tag((reader), &got_, 0));                           \
        if (got_ != (uint64_t)(want)) {                                   \
            FAILF("read tag %" PRIu64 ", want %" PRIu64, got_,            \
                  (uint64_t)(want));                                      \
            return;                                                       \
        }                                                                 \
    } while (0)

static shmring_ring_t *ring_at(uint64_t start, uint64_t slot_bytes,
                               uint64_t slot_count, uint32_t close_on_last) {
    shmring_options_t *o;
    shmring_ring_t *ring = NULL;
    if (shmring_options_create(&o) != SHMRING_OK) return NULL;
    shmring_options_set_initial_sequence(o, start);
    shmring_options_set_close_on_last_writer(o, close_on_last);
    int rc = shmring_create(NULL, slot_bytes, slot_count, o, &ring);
    shmring_options_destroy(o);
    if (rc != SHMRING_OK) {
        FAILF("create at %#" PRIx64 ": %s: %s", start, rc_name(rc),
              shmring_last_error());
        return NULL;
    }
    return ring;
}

/* The starting points: around both wraps, the top of the range, and 0. */
static const uint64_t g_starts[] = {
    0,
    UINT64_MAX - 5,
    UINT64_MAX,
    (uint64_t)INT64_MAX - 5,
    (uint64_t)INT64_MAX,
    1ull << 63,
    (1ull << 62) - 3,
    (1ull << 63) + (1ull << 62) - 3,
};
#define N_STARTS (sizeof g_starts / sizeof g_starts[0])

/* ---- the injected initial state -------------------------------------------- */

static void test_initial_state(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, 24, 8, 1);
    CHECK(ring);
    /* White box: header and control block as docs/layout.md describes. */
    CHECK_EQ_U64(ring->header->initial_sequence, start);
    CHECK_EQ_U64(load_relaxed(&ring->control->tail), start);
    CHECK_EQ_U64(load_relaxed(&ring->control->skip_floor), start);
    CHECK_EQ_U64(shmring_next_sequence(ring), start);
    /* Each slot claims to be mid-write one lap before the first sequence it
     * will hold, so no reader takes it for a message. */
    for (uint64_t s = start; s != start + 8; s++) {
        uint64_t stamp = load_relaxed(&slot_at(ring, s)->stamp);
        CHECK_EQ_U64(stamp, stamp_writing(s - 8));
    }
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_EQ_U64(shmring_reader_position(r), start);
    uint64_t tag;
    CHECK_RC(read_tag(r, &tag, 0), SHMRING_EEMPTY);
    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_tag(w, 1));
    CHECK_EQ_U64(load_relaxed(&slot_at(ring, start)->stamp),
                 stamp_published(start));
    CHECK_READ_TAG(r, 1);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- writing and reading across the wrap ------------------------------------ */

static void test_wrap_all_kinds(uint64_t start) {
    enum { SLOTS = 4, ROUNDS = 7 };
    shmring_ring_t *ring = ring_at(start, MSG_MAX, SLOTS, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *b, *m1, *m2, *l;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m1));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m2));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t tag = 0;
    int seen[SLOTS * ROUNDS] = {0};
    for (int round = 0; round < ROUNDS; round++) {
        /* Fill the ring; the next write finds it full (across the wrap,
         * used = tail - gate must not go negative or huge). */
        for (int i = 0; i < SLOTS; i++) CHECK_OK(write_tag(w, tag + i));
        CHECK_RC(write_tag(w, 999), SHMRING_EFULL);
        CHECK_EQ_U64(shmring_next_sequence(ring), start + tag + SLOTS);
        /* Broadcast and lossy see all four in order. */
        for (int i = 0; i < SLOTS; i++) CHECK_READ_TAG(b, tag + i);
        for (int i = 0; i < SLOTS; i++) CHECK_READ_TAG(l, tag + i);
        CHECK_RC(write_tag(w, 999), SHMRING_EFULL); /* the group holds it */
        /* The members split them. */
        for (int i = 0; i < SLOTS; i++) {
            uint64_t got = UINT64_MAX;
            CHECK_OK(read_tag(((i + round) & 1) ? m1 : m2, &got, 0));
            CHECK(got >= tag && got < tag + SLOTS);
            CHECK(got == tag + i); /* in order across members */
            seen[got]++;
        }
        uint64_t x;
        CHECK_RC(read_tag(m1, &x, 0), SHMRING_EEMPTY);
        CHECK_RC(read_tag(m2, &x, 0), SHMRING_EEMPTY);
        CHECK_RC(read_tag(b, &x, 0), SHMRING_EEMPTY);
        CHECK_RC(read_tag(l, &x, 0), SHMRING_EEMPTY);
        tag += SLOTS;
        CHECK_EQ_U64(shmring_reader_position(b), start + tag);
        CHECK_EQ_U64(shmring_reader_position(m1), start + tag);
        CHECK_EQ_U64(shmring_reader_position(l), start + tag);
    }
    for (int i = 0; i < SLOTS * ROUNDS; i++) CHECK(seen[i] == 1);
    CHECK_EQ_U64(shmring_reader_missed(b), 0);
    CHECK_EQ_U64(shmring_reader_missed(l), 0);

    /* Partly full, across the wrap, with batches. */
    const void *views[8];
    uint64_t lengths[8];
    uint32_t count;
    for (int i = 0; i < 3; i++) CHECK_OK(write_tag(w, tag + i));
    CHECK_OK(shmring_peek_batch(b, views, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 3);
    for (uint32_t i = 0; i < 3; i++) {
        uint64_t t;
        memcpy(&t, views[i], 8);
        CHECK_EQ_U64(t, tag + i);
    }
    CHECK_OK(write_tag(w, tag + 3));
    CHECK_RC(write_tag(w, 999), SHMRING_EFULL);
    CHECK_OK(shmring_release(b));
    uint8_t buf[8 * MSG_MAX];
    CHECK_OK(shmring_read_batch(m1, buf, sizeof buf, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 4);
    CHECK_OK(shmring_read_batch(l, buf, sizeof buf, lengths, 8, &count, 0));
    CHECK_EQ_U64(count, 4);
    CHECK_READ_TAG(b, tag + 3);
    tag += 4;

    /* End of stream across the wrap: drain, then ECLOSED. */
    CHECK_OK(write_tag(w, tag));
    CHECK_OK(shmring_writer_close(w));
    CHECK_READ_TAG(b, tag);
    CHECK_READ_TAG(m2, tag);
    CHECK_READ_TAG(l, tag);
    uint64_t x;
    CHECK_RC(read_tag(b, &x, -1), SHMRING_ECLOSED);
    CHECK_RC(read_tag(m1, &x, -1), SHMRING_ECLOSED);
    CHECK_RC(read_tag(m2, &x, -1), SHMRING_ECLOSED);
    CHECK_RC(read_tag(l, &x, -1), SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(b));
    CHECK_OK(shmring_reader_close(m1));
    CHECK_OK(shmring_reader_close(m2));
    CHECK_OK(shmring_reader_close(l));
    CHECK_OK(shmring_close(ring));
}

static void test_wrap_lossy_lapped(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 4, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *l;
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_OK(shmring_writer_open(ring, &w));
    /* 11 messages through 4 slots: lapped; resumes at the oldest (7). */
    for (uint64_t t = 0; t < 11; t++) CHECK_OK(write_tag(w, t));
    CHECK_READ_TAG(l, 7);
    CHECK_EQ_U64(shmring_reader_missed(l), 7);
    CHECK_READ_TAG(l, 8);
    CHECK_READ_TAG(l, 9);
    CHECK_READ_TAG(l, 10);
    uint64_t x;
    CHECK_RC(read_tag(l, &x, 0), SHMRING_EEMPTY);
    CHECK_EQ_U64(shmring_reader_position(l), start + 11);
    /* A view overwritten before release, across the wrap. */
    CHECK_OK(write_tag(w, 11));
    const void *view;
    uint64_t len;
    CHECK_OK(shmring_peek(l, &view, &len, 0));
    for (uint64_t t = 12; t < 16; t++) CHECK_OK(write_tag(w, t));
    CHECK_RC(shmring_release(l), SHMRING_ELAPPED);
    CHECK_EQ_U64(shmring_reader_missed(l), 7 + 1); /* the lost view */
    CHECK_READ_TAG(l, 12);
    /* Lapped by thousands. */
    for (uint64_t t = 16; t < 5000; t++) CHECK_OK(write_tag(w, t));
    CHECK_READ_TAG(l, 4996);
    CHECK_EQ_U64(shmring_reader_missed(l), 8 + 4996 - 13);
    /* skip_to_latest across the wrap. */
    for (uint64_t t = 5000; t < 5003; t++) CHECK_OK(write_tag(w, t));
    uint64_t skipped;
    CHECK_OK(shmring_reader_skip_to_latest(l, &skipped));
    CHECK_EQ_U64(skipped, 6); /* 4997..5002 */
    CHECK_EQ_U64(shmring_reader_position(l), start + 5003);
    CHECK_OK(shmring_reader_close(l));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

static void test_wrap_skip(uint64_t start) {
    /* Start a few before the wrap point so that the skips cross it. */
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 8, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *b, *m;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_writer_open(ring, &w));
    for (uint64_t t = 0; t < 7; t++) CHECK_OK(write_tag(w, t));
    uint64_t skipped;
    CHECK_OK(shmring_reader_skip_to_latest(b, &skipped));
    CHECK_EQ_U64(skipped, 7);
    CHECK_EQ_U64(shmring_reader_position(b), start + 7);
    CHECK_READ_TAG(m, 0);
    CHECK_OK(shmring_skip_all_to_latest(ring));
    uint64_t x;
    CHECK_RC(read_tag(m, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_tag(b, &x, 0), SHMRING_EEMPTY);
    CHECK_EQ_U64(shmring_reader_position(m), start + 7);
    CHECK_EQ_U64(shmring_reader_missed(m), 6);
    CHECK_EQ_U64(shmring_reader_missed(b), 7);
    for (uint64_t t = 7; t < 15; t++) CHECK_OK(write_tag(w, t));
    CHECK_RC(write_tag(w, 99), SHMRING_EFULL);
    for (uint64_t t = 7; t < 15; t++) CHECK_READ_TAG(b, t);
    for (uint64_t t = 7; t < 15; t++) CHECK_READ_TAG(m, t);
    CHECK_OK(shmring_reader_close(b));
    CHECK_OK(shmring_reader_close(m));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* ---- a half-written slot ------------------------------------------------------- */

/* Writer A reserves sequence s; writer B then writes s+1. Until A commits,
 * no reader of any kind may see B's message (total order), and each says
 * EEMPTY (or ETIMEOUT when it waits). */
static void test_half_written(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 8, 1);
    CHECK(ring);
    shmring_writer_t *a, *bw;
    shmring_reader_t *rs[3];
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &rs[0]));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &rs[1]));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &rs[2]));
    CHECK_OK(shmring_writer_open(ring, &a));
    CHECK_OK(shmring_writer_open(ring, &bw));
    /* A few ordinary messages first so the hole is not at the start. */
    for (uint64_t t = 0; t < 3; t++) CHECK_OK(write_tag(bw, t));
    for (int k = 0; k < 3; k++) {
        for (uint64_t t = 0; t < 3; t++) CHECK_READ_TAG(rs[k], t);
    }

    void *slot;
    CHECK_OK(shmring_reserve(a, &slot, 0));       /* sequence start+3 */
    CHECK_OK(write_tag(bw, 4));                   /* sequence start+4 */
    CHECK_OK(write_tag(bw, 5));                   /* sequence start+5 */
    CHECK_EQ_U64(shmring_next_sequence(ring), start + 6);
    /* White box: the reserved slot is still marked "writing". */
    CHECK_EQ_U64(load_relaxed(&slot_at(ring, start + 3)->stamp),
                 stamp_writing(start + 3));
    for (int k = 0; k < 3; k++) {
        uint64_t x;
        const void *view;
        uint64_t len, lengths[4];
        uint32_t count;
        uint8_t buf[4 * MSG_MAX];
        CHECK_RC(read_tag(rs[k], &x, 0), SHMRING_EEMPTY);
        CHECK_RC(read_tag(rs[k], &x, 10000000), SHMRING_ETIMEOUT);
        CHECK_RC(shmring_peek(rs[k], &view, &len, 0), SHMRING_EEMPTY);
        CHECK_RC(shmring_read_batch(rs[k], buf, sizeof buf, lengths, 4, &count,
                                    0),
                 SHMRING_EEMPTY);
        CHECK_EQ_U64(shmring_reader_position(rs[k]), start + 3);
    }
    msg_make(slot, 3);
    CHECK_OK(shmring_commit(a, msg_length(3)));
    for (int k = 0; k < 3; k++) {
        CHECK_READ_TAG(rs[k], 3);
        CHECK_READ_TAG(rs[k], 4);
        CHECK_READ_TAG(rs[k], 5);
    }

    /* The same with an abort: the readers skip the hole, then see B's. */
    CHECK_OK(shmring_reserve(a, &slot, 0));
    CHECK_OK(write_tag(bw, 7));
    for (int k = 0; k < 3; k++) {
        uint64_t x;
        CHECK_RC(read_tag(rs[k], &x, 0), SHMRING_EEMPTY);
    }
    CHECK_OK(shmring_abort(a));
    for (int k = 0; k < 3; k++) {
        CHECK_READ_TAG(rs[k], 7);
        uint64_t x;
        CHECK_RC(read_tag(rs[k], &x, 0), SHMRING_EEMPTY);
    }
    for (int k = 0; k < 3; k++) CHECK_OK(shmring_reader_close(rs[k]));
    CHECK_OK(shmring_writer_close(a));
    CHECK_OK(shmring_writer_close(bw));
    CHECK_OK(shmring_close(ring));
}

struct waiting_reader {
    shmring_reader_t *r;
    int rc;
    uint64_t tag;
    atomic_int done;
};
static void *waiting_reader_thread(void *arg) {
    struct waiting_reader *wr = arg;
    wr->rc = read_tag(wr->r, &wr->tag, 5000000000ll);
    atomic_store(&wr->done, 1);
    return NULL;
}

/* A reader blocked at the hole wakes when the hole is committed, and gets
 * the reserved message first. */
static void test_half_written_wakeup(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 4, 1);
    CHECK(ring);
    shmring_writer_t *a, *bw;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &a));
    CHECK_OK(shmring_writer_open(ring, &bw));
    void *slot;
    CHECK_OK(shmring_reserve(a, &slot, 0));
    struct waiting_reader wr = {r, 99, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, waiting_reader_thread, &wr) == 0);
    CHECK_OK(write_tag(bw, 1)); /* after the hole: must not wake it with 1 */
    sleep_ms(40);
    int done_early = atomic_load(&wr.done);
    msg_make(slot, 0);
    CHECK_OK(shmring_commit(a, msg_length(0)));
    pthread_join(t, NULL);
    CHECK(!done_early);
    CHECK_OK(wr.rc);
    CHECK_EQ_U64(wr.tag, 0);
    CHECK_READ_TAG(r, 1);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(a));
    CHECK_OK(shmring_writer_close(bw));
    CHECK_OK(shmring_close(ring));
}

/* The stream ends while a reservation made before the end is open: what
 * was claimed before the end is still delivered, then ECLOSED. */
static void test_half_written_at_close(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 4, 1);
    CHECK(ring);
    shmring_writer_t *a, *bw;
    shmring_reader_t *r, *m;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_writer_open(ring, &a));
    CHECK_OK(shmring_writer_open(ring, &bw));
    void *slot;
    CHECK_OK(shmring_reserve(a, &slot, 0));
    CHECK_OK(write_tag(bw, 1));
    CHECK_OK(shmring_close_stream(ring));
    CHECK_RC(write_tag(bw, 2), SHMRING_ECLOSED);
    uint64_t x;
    /* Not the end yet: the hole may still be filled. */
    CHECK_RC(read_tag(r, &x, 0), SHMRING_EEMPTY);
    CHECK_RC(read_tag(m, &x, 5000000), SHMRING_ETIMEOUT);
    msg_make(slot, 0);
    CHECK_OK(shmring_commit(a, msg_length(0)));
    CHECK_READ_TAG(r, 0);
    CHECK_READ_TAG(r, 1);
    CHECK_READ_TAG(m, 0);
    CHECK_READ_TAG(m, 1);
    CHECK_RC(read_tag(r, &x, -1), SHMRING_ECLOSED);
    CHECK_RC(read_tag(m, &x, -1), SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_reader_close(m));
    CHECK_OK(shmring_writer_close(a));
    CHECK_OK(shmring_writer_close(bw));
    CHECK_OK(shmring_close(ring));

    /* The last writer leaves with a reservation open: it is aborted, the
     * readers skip it and see the end. */
    ring = ring_at(start, MSG_MAX, 4, 1);
    CHECK(ring);
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &a));
    CHECK_OK(write_tag(a, 5));
    CHECK_OK(shmring_reserve(a, &slot, 0));
    CHECK_OK(shmring_writer_close(a));
    CHECK_READ_TAG(r, 5);
    CHECK_RC(read_tag(r, &x, -1), SHMRING_ECLOSED);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

/* ---- full rings ------------------------------------------------------------------ */

static void test_full_ring(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 8, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    for (uint64_t t = 0; t < 8; t++) CHECK_OK(write_tag(w, t));
    CHECK_RC(write_tag(w, 99), SHMRING_EFULL);
    uint8_t buf[MSG_MAX];
    msg_make(buf, 99);
    int64_t t0 = now_ns();
    CHECK_RC(shmring_write(w, buf, msg_length(99), 20000000), SHMRING_ETIMEOUT);
    int64_t ms = (now_ns() - t0) / 1000000;
    CHECK(ms >= 19 && ms < TU_HANG_GUARD_NS / 1000000); /* from below; above, a hang guard */
    void *slot;
    CHECK_RC(shmring_reserve(w, &slot, 0), SHMRING_EFULL);
    CHECK_RC(shmring_reserve(w, &slot, 5000000), SHMRING_ETIMEOUT);
    const void *datas[3] = {buf, buf, buf};
    uint64_t lengths[3] = {8, 8, 8};
    uint32_t written = 9;
    CHECK_RC(shmring_write_batch(w, datas, lengths, 3, &written, 0),
             SHMRING_EFULL);
    CHECK_EQ_U64(written, 0);
    CHECK_RC(shmring_write_batch(w, datas, lengths, 3, &written, 5000000),
             SHMRING_ETIMEOUT);
    CHECK_EQ_U64(written, 0);
    /* No failed attempt left a claim behind. */
    CHECK_EQ_U64(shmring_next_sequence(ring), start + 8);
    /* Two slots free: a batch of three writes two. */
    CHECK_READ_TAG(r, 0);
    CHECK_READ_TAG(r, 1);
    uint8_t m2[MSG_MAX], m3[MSG_MAX], m4[MSG_MAX];
    msg_make(m2, 8);
    msg_make(m3, 9);
    msg_make(m4, 10);
    const void *batch[3] = {m2, m3, m4};
    uint64_t blen[3] = {msg_length(8), msg_length(9), msg_length(10)};
    CHECK_OK(shmring_write_batch(w, batch, blen, 3, &written, 0));
    CHECK_EQ_U64(written, 2);
    for (uint64_t t = 2; t < 10; t++) CHECK_READ_TAG(r, t);
    uint64_t x;
    CHECK_RC(read_tag(r, &x, 0), SHMRING_EEMPTY);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* The smallest ring: 2 slots, many laps, all three reader kinds. */
static void test_two_slots(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 2, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *b, *m, *l;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &b));
    CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &l));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t next = 0;
    for (int lap = 0; lap < 500; lap++) {
        int n = 1 + lap % 2;
        for (int i = 0; i < n; i++) CHECK_OK(write_tag(w, next + i));
        if (n == 2) CHECK_RC(write_tag(w, 99), SHMRING_EFULL);
        for (int i = 0; i < n; i++) {
            CHECK_READ_TAG(b, next + i);
            CHECK_READ_TAG(m, next + i);
            CHECK_READ_TAG(l, next + i);
        }
        next += n;
    }
    CHECK_EQ_U64(shmring_next_sequence(ring), start + next);
    /* A zero-copy view holds one of the two slots. */
    CHECK_OK(write_tag(w, next));
    const void *view;
    uint64_t len;
    CHECK_OK(shmring_peek(b, &view, &len, 0));
    CHECK_READ_TAG(m, next);
    CHECK_READ_TAG(l, next);
    CHECK_OK(write_tag(w, next + 1));
    CHECK_RC(write_tag(w, 99), SHMRING_EFULL);
    uint64_t t;
    memcpy(&t, view, 8);
    CHECK_EQ_U64(t, next);
    CHECK_OK(shmring_release(b));
    CHECK_READ_TAG(m, next + 1);
    CHECK_OK(write_tag(w, next + 2));
    CHECK_READ_TAG(b, next + 1);
    CHECK_READ_TAG(b, next + 2);
    CHECK_OK(shmring_reader_close(b));
    CHECK_OK(shmring_reader_close(m));
    CHECK_OK(shmring_reader_close(l));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* A writer blocked on a full ring across the wrap wakes when a reader frees
 * a slot (the wait protocol compares sequences modulo 2^64). */
struct blocked_writer {
    shmring_writer_t *w;
    int rc;
};
static void *blocked_writer_thread(void *arg) {
    struct blocked_writer *bw = arg;
    uint8_t buf[MSG_MAX];
    msg_make(buf, 2);
    bw->rc = shmring_write(bw->w, buf, msg_length(2), 5000000000ll);
    return NULL;
}

static void test_full_wakeup(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 2, 1);
    CHECK(ring);
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_tag(w, 0));
    CHECK_OK(write_tag(w, 1));
    struct blocked_writer bw = {w, 99};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_writer_thread, &bw) == 0);
    sleep_ms(20);
    CHECK_READ_TAG(r, 0);
    pthread_join(t, NULL);
    CHECK_OK(bw.rc);
    CHECK_READ_TAG(r, 1);
    CHECK_READ_TAG(r, 2);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
}

/* ---- main ------------------------------------------------------------------------ */

/* A claim whose writer died after its CAS on tail and before marking the
 * slot (its stamp is still the previous lap's): with no gating reader, a
 * writer must not lap that slot while it may still be filled, and once
 * recovery finds no live claimer it publishes it as abandoned. */
static void test_unbegun_claim_not_lapped(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, MSG_MAX, 4, 0);
    if (!ring) return;
    shmring_reader_t *lossy;
    shmring_writer_t *w;
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    CHECK_OK(shmring_writer_open(ring, &w));
    /* A full lap first, so the claimed slot holds a published message. */
    for (uint64_t tag = 0; tag < 4; tag++) CHECK_OK(write_tag(w, tag));
    /* The dead claimer: tail moves, nothing else. */
    fetch_add_seq_cst(&ring->control->tail, 1);
    for (uint64_t tag = 5; tag < 8; tag++) CHECK_OK(write_tag(w, tag));
    CHECK_RC(write_tag(w, 8), SHMRING_EFULL); /* would lap the claimed slot */
    uint8_t buf[MSG_MAX];
    msg_make(buf, 8);
    /* Recovery publishes the hole (after the stuck bound), so this write
     * succeeds; how soon is the machine's business (docs/testing.md). */
    CHECK_OK(shmring_write(w, buf, msg_length(8), TU_HANG_GUARD_NS));
    shmring_stats_t *stats;
    uint64_t abandoned = 0;
    CHECK_OK(shmring_stats_read(ring, &stats));
    CHECK_OK(shmring_stats_ring(stats, SHMRING_STAT_SLOTS_ABANDONED, &abandoned));
    shmring_stats_free(stats);
    CHECK_EQ_U64(abandoned, 1);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_close(ring));
}

/* ---- the registry lock held by a dead, a reused or a live pid ---------- */

static void *open_writer_thread(void *arg) {
    shmring_ring_t *ring = arg;
    shmring_writer_t *w = NULL;
    if (shmring_writer_open(ring, &w) != SHMRING_OK) return NULL;
    return w;
}

/* The registry lock as a crashed process leaves it: taken over at once when
 * its holder is gone or its pid now names another process; waited for while
 * its holder lives. */
static void test_registry_lock_holders(uint64_t start) {
    shmring_ring_t *ring = ring_at(start, 16, 4, 0);
    if (!ring) return;
    struct control *c = ring->control;
    pid_t child = fork();
    if (child == 0) _exit(0);
    CHECK(child > 0 && waitpid(child, NULL, 0) == child);

    /* A dead holder (its pid is free), start time not yet stored. */
    store_seq_cst(&c->registry_lock, (uint32_t)child);
    store_seq_cst(&c->registry_lock_owner, 0);
    shmring_writer_t *w;
    /* Taken over at once: waiting on it would end in ETIMEOUT. */
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_writer_close(w));

    /* A live pid with another start time: the holder died, its pid was
     * reused. */
    uint32_t parent = (uint32_t)getppid();
    uint64_t real_start = process_start_time(parent);
    if (real_start != 0) { /* 0: no /proc to tell, existence only */
        store_seq_cst(&c->registry_lock, parent);
        store_seq_cst(&c->registry_lock_owner,
                      ((real_start + 12345) << 22) | parent);
        CHECK_OK(shmring_writer_open(ring, &w));
        CHECK_OK(shmring_writer_close(w));
    }

    /* A live holder whose owner word still names the dead holder it took
     * the lock from (it has not stored its own yet): judged by existence,
     * so waited for, not taken over. */
    store_seq_cst(&c->registry_lock, parent);
    store_seq_cst(&c->registry_lock_owner, (12345ull << 22) | (uint32_t)child);
    pthread_t early;
    CHECK(pthread_create(&early, NULL, open_writer_thread, ring) == 0);
    sleep_ms(100);
    CHECK_EQ_U64(load_seq_cst(&c->registry_lock), parent);
    store_seq_cst(&c->registry_lock_owner, 0);
    store_seq_cst(&c->registry_lock, 0);
    void *early_writer = NULL;
    CHECK(pthread_join(early, &early_writer) == 0 && early_writer != NULL);
    if (early_writer) CHECK_OK(shmring_writer_close(early_writer));

    /* A live holder, with its own start time: waited for. */
    store_seq_cst(&c->registry_lock, parent);
    store_seq_cst(&c->registry_lock_owner, (real_start << 22) | parent);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, open_writer_thread, ring) == 0);
    sleep_ms(300);
    CHECK_EQ_U64(load_seq_cst(&c->registry_lock), parent); /* still held */
    CHECK_EQ_U64(load_seq_cst(&c->writers_open), 0);
    store_seq_cst(&c->registry_lock_owner, 0);
    store_seq_cst(&c->registry_lock, 0); /* the holder lets go */
    void *joined = NULL;
    CHECK(pthread_join(thread, &joined) == 0);
    CHECK(joined != NULL);
    if (joined) CHECK_OK(shmring_writer_close(joined));

    /* A holder that died half way through a change leaves counts wrong;
     * the process that takes the lock over recounts them. */
    shmring_reader_t *member;
    CHECK_OK(shmring_reader_open(ring, "g", 0, &member));
    struct group_entry *g = &ring->groups[0];
    store_seq_cst(&g->members, 5);         /* joiners that died half way */
    store_seq_cst(&c->writers_open, 7);
    store_seq_cst(&c->registry_lock, (uint32_t)child); /* and the lock */
    store_seq_cst(&c->registry_lock_owner, 0);
    CHECK_OK(shmring_writer_open(ring, &w)); /* takes over, repairs */
    CHECK_EQ_U64(load_seq_cst(&g->members), 1);
    CHECK_EQ_U64(load_seq_cst(&c->writers_open), 1);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(member));
    CHECK_EQ_U64(load_seq_cst(&g->state), SHM_ENTRY_FREE); /* last one left */
    CHECK_OK(shmring_close(ring));
}

#define RUN_AT(fn, start)                                                 \
    do {                                                                  \
        int before_ = g_failures;                                         \
        snprintf(g_test, sizeof g_test, "%s @ %#" PRIx64, #fn,            \
                 (uint64_t)(start));                                      \
        fn(start);                                                        \
        printf("%s %s\n", g_failures == before_ ? "ok  " : "FAIL", g_test); \
        fflush(stdout);                                                   \
    } while (0)

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < N_STARTS; i++) {
        uint64_t s = g_starts[i];
        RUN_AT(test_initial_state, s);
        RUN_AT(test_wrap_all_kinds, s);
        RUN_AT(test_wrap_lossy_lapped, s);
        RUN_AT(test_wrap_skip, s);
        RUN_AT(test_half_written, s);
        RUN_AT(test_half_written_wakeup, s);
        RUN_AT(test_half_written_at_close, s);
        RUN_AT(test_full_ring, s);
        RUN_AT(test_two_slots, s);
        RUN_AT(test_full_wakeup, s);
        RUN_AT(test_unbegun_claim_not_lapped, s);
    }
    RUN_AT(test_registry_lock_holders, 0);
    printf("%d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
