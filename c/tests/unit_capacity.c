/*
 * unit_capacity.c -- a ring of any slot count: writers find it full at
 * exactly slot_count unread messages behind the slowest gate, whatever the
 * count (1, 3, 10, ... as well as powers of two), for every kind of reader
 * and call, across laps of the slot array and the 2^64 wrap; lossy readers
 * are lapped at the slot array's size; a dead writer's hole is recovered.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "cap" /* segment names /shmring_cap_... */
#include "unit_checks.h" /* first: it defines _GNU_SOURCE */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmring.h"

/* Counts tried by most tests: odd, one, and powers of two for contrast. */
static const uint64_t COUNTS[] = {1, 2, 3, 5, 10, 16, 17, 100};
#define NCOUNTS (sizeof COUNTS / sizeof COUNTS[0])

/* The slot array a ring of `count` slots has (docs/layout.md). */
static uint64_t array_slots(uint64_t count) {
    uint64_t n = 2;
    while (n < count) n <<= 1;
    return n;
}

static uint64_t round_up(uint64_t n, uint64_t unit) {
    return (n + unit - 1) / unit * unit;
}

static shmring_ring_t *make_ring(const char *name, uint64_t slot_count,
                                 uint64_t initial_sequence) {
    shmring_options_t *o;
    if (shmring_options_create(&o) != SHMRING_OK) return NULL;
    shmring_options_set_initial_sequence(o, initial_sequence);
    shmring_options_set_close_on_last_writer(o, 0);
    shmring_ring_t *ring = NULL;
    int rc = shmring_create(name, 64, slot_count, o, &ring);
    shmring_options_destroy(o);
    if (rc != SHMRING_OK) {
        FAILF("shmring_create(%llu slots) = %s: %s",
              (unsigned long long)slot_count, rc_name(rc), shmring_last_error());
    }
    return ring;
}

static int write_index(shmring_writer_t *w, uint32_t index) {
    return shmring_try_write(w, &index, sizeof index);
}

/* Read one message; 1 if it is `want`. */
static int read_is(shmring_reader_t *r, uint32_t want) {
    uint32_t got = 0;
    uint64_t len = 0;
    int rc = shmring_try_read(r, &got, sizeof got, &len);
    if (rc != SHMRING_OK || len != sizeof got || got != want) {
        FAILF("read = %s, %u (%llu bytes), want %u", rc_name(rc), got,
              (unsigned long long)len, want);
        return 0;
    }
    return 1;
}

/* Write until the writer is refused; the number written, or -1 if the
 * refusal was not EFULL. */
static int64_t fill_until_full(shmring_writer_t *w, uint32_t *next_index,
                               uint64_t limit) {
    for (uint64_t i = 0; i <= limit; i++) {
        int rc = write_index(w, *next_index);
        if (rc == SHMRING_EFULL) return (int64_t)i;
        if (rc != SHMRING_OK) {
            FAILF("try_write = %s: %s", rc_name(rc), shmring_last_error());
            return -1;
        }
        (*next_index)++;
    }
    return (int64_t)limit + 1;
}

/* The (n+1)th unread message is refused by every kind of write call. */
static int refused_by_every_write(shmring_writer_t *w) {
    uint32_t x = 0;
    const void *data = &x;
    uint64_t len = sizeof x;
    uint32_t written = 99;
    void *slot;
    int rcs[] = {shmring_try_write(w, &x, sizeof x),
                 shmring_write(w, &x, sizeof x, 0),
                 shmring_write(w, &x, sizeof x, 1000000),
                 shmring_write_batch(w, &data, &len, 1, &written, 0),
                 shmring_reserve(w, &slot, 0)};
    for (size_t i = 0; i < sizeof rcs / sizeof rcs[0]; i++) {
        int want = i == 2 ? SHMRING_ETIMEOUT : SHMRING_EFULL;
        if (rcs[i] != want) {
            FAILF("write call %zu on a full ring = %s, want %s", i,
                  rc_name(rcs[i]), rc_name(want));
            return 0;
        }
    }
    if (written != 0) {
        FAILF("write_batch on a full ring wrote %u", written);
        return 0;
    }
    return 1;
}

/* ---- geometry ------------------------------------------------------------ */

static void test_any_count_is_kept(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        const char *name = unique_name();
        shmring_ring_t *ring = make_ring(name, n, 0);
        CHECK(ring);
        CHECK_EQ_U64(shmring_slot_count(ring), n);
        uint64_t slots_offset = round_up(1024 + (64 + 128 + 32) * 128, 4096);
        CHECK_EQ_U64(shmring_segment_bytes(ring),
                     slots_offset + array_slots(n) * round_up(16 + 64, 64));
        shmring_ring_t *other;
        CHECK_OK(shmring_open(name, 0, &other));
        CHECK_EQ_U64(shmring_slot_count(other), n);
        CHECK_EQ_U64(shmring_segment_bytes(other), shmring_segment_bytes(ring));
        printf("  %llu slots: a slot array of %llu, %llu bytes\n",
               (unsigned long long)n, (unsigned long long)array_slots(n),
               (unsigned long long)shmring_segment_bytes(ring));
        CHECK_OK(shmring_close(other));
        CHECK_OK(shmring_close(ring));
        CHECK_OK(shmring_unlink(name));
    }
    /* 0 and more than 2^31 are refused, with the range in the message. */
    shmring_ring_t *ring = (shmring_ring_t *)1;
    CHECK_RC(shmring_create(NULL, 64, 0, NULL, &ring), SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "slot_count must be 1..2147483648"));
    CHECK_RC(shmring_create(NULL, 64, (1ull << 31) + 1, NULL, &ring),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "slot_count must be 1..2147483648"));
    printf("  too large: %s\n", shmring_last_error());
}

/* ---- the bound, reader kind by kind -------------------------------------- */

/* One broadcast reader: n unread fit, the (n+1)th does not; each read
 * frees exactly one; over several laps of the slot array. */
static void test_broadcast_full_at_count(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *r;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0, next_read = 0;
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n);
        CHECK(refused_by_every_write(w));
        /* Read k, then exactly k more fit: five laps of the array. */
        for (uint64_t done = 0; done < 5 * array_slots(n);) {
            uint64_t k = 1 + done % n;
            for (uint64_t j = 0; j < k; j++) CHECK(read_is(r, next_read++));
            CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), k);
            done += k;
        }
        for (uint64_t j = 0; j < n; j++) CHECK(read_is(r, next_read++));
        CHECK_RC(shmring_try_read(r, NULL, 0, &(uint64_t){0}), SHMRING_EEMPTY);
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(r));
        CHECK_OK(shmring_close(ring));
    }
}

/* The slowest of two broadcast readers decides. */
static void test_slowest_gate(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *fast, *slow;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &fast));
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &slow));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0;
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n);
        for (uint32_t j = 0; j < n; j++) CHECK(read_is(fast, j));
        CHECK(refused_by_every_write(w));
        CHECK(read_is(slow, 0));
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), 1);
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(fast));
        CHECK_OK(shmring_reader_close(slow));
        CHECK_OK(shmring_close(ring));
    }
}

/* A group gates like one reader; what a member holds (a peek) still
 * counts until it is released. */
static void test_group_full_at_count(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *a, *b;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, "g", 0, &a));
        CHECK_OK(shmring_reader_open(ring, "g", 0, &b));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0;
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n);
        const void *view;
        uint64_t len;
        CHECK_OK(shmring_peek(a, &view, &len, 0));
        CHECK(refused_by_every_write(w)); /* a still holds message 0 */
        if (n > 1) CHECK(read_is(b, 1));
        CHECK(refused_by_every_write(w));
        CHECK_OK(shmring_release(a));
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n > 1 ? 2 : 1);
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(a));
        CHECK_OK(shmring_reader_close(b));
        CHECK_OK(shmring_close(ring));
    }
}

/* A batch write takes what fits (exactly n into an empty ring); a batch
 * read takes them back; reserve/commit counts like a write. */
static void test_batches_and_reservations(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *r;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
        CHECK_OK(shmring_writer_open(ring, &w));
        enum { MAX = 110 };
        uint32_t values[MAX];
        const void *datas[MAX];
        uint64_t lengths[MAX];
        for (uint32_t j = 0; j < MAX; j++) {
            values[j] = j;
            datas[j] = &values[j];
            lengths[j] = sizeof values[j];
        }
        uint32_t written = 0;
        CHECK_OK(shmring_write_batch(w, datas, lengths, (uint32_t)n + 5,
                                     &written, 0));
        CHECK_EQ_U64(written, n);
        CHECK(refused_by_every_write(w));
        uint32_t buf[MAX], count = 0;
        uint64_t read_lengths[MAX];
        CHECK_OK(shmring_read_batch(r, buf, sizeof buf, read_lengths, MAX,
                                    &count, 0));
        CHECK_EQ_U64(count, n);
        for (uint32_t j = 0; j < count; j++) CHECK_EQ_U64(buf[j], j);
        /* n reservations fit (committed or aborted), the next does not. */
        for (uint64_t j = 0; j < n; j++) {
            void *slot;
            CHECK_OK(shmring_reserve(w, &slot, 0));
            if (j % 2) {
                CHECK_OK(shmring_abort(w));
            } else {
                memcpy(slot, &values[j], sizeof values[j]);
                CHECK_OK(shmring_commit(w, sizeof values[j]));
            }
        }
        CHECK(refused_by_every_write(w));
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(r));
        CHECK_OK(shmring_close(ring));
    }
}

/* skip_all_to_latest frees the whole capacity, no more. */
static void test_skip_all_frees_the_capacity(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *r, *m;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
        CHECK_OK(shmring_reader_open(ring, "g", 0, &m));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0;
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n);
        CHECK_OK(shmring_skip_all_to_latest(ring));
        CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5), n);
        CHECK(read_is(r, (uint32_t)n));
        CHECK(read_is(m, (uint32_t)n));
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(r));
        CHECK_OK(shmring_reader_close(m));
        CHECK_OK(shmring_close(ring));
    }
}

/* Across the 2^64 wrap of the sequence the bound stays exact. */
static void test_bound_across_the_wrap(void) {
    const uint64_t counts[] = {3, 10};
    for (size_t i = 0; i < 2; i++) {
        uint64_t n = counts[i];
        shmring_ring_t *ring = make_ring(NULL, n, 0 - (uint64_t)(2 * n + 1));
        CHECK(ring);
        shmring_reader_t *r;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0, next_read = 0;
        for (int round = 0; round < 8; round++) {
            CHECK_EQ_U64(fill_until_full(w, &next_write, n + 5),
                         round == 0 ? n : n - 1);
            for (uint64_t j = 0; j < n - 1; j++) CHECK(read_is(r, next_read++));
        }
        CHECK(shmring_next_sequence(ring) < 100); /* it did wrap */
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(r));
        CHECK_OK(shmring_close(ring));
    }
}

/* Lossy readers never hold writers back, and keep what the slot array
 * holds: a lossy reader up to the array's size behind loses nothing; one
 * lapped jumps to the oldest message still in the array. */
static void test_lossy_laps_at_the_array(void) {
    for (size_t i = 0; i < NCOUNTS; i++) {
        uint64_t n = COUNTS[i], slots = array_slots(n);
        shmring_ring_t *ring = make_ring(NULL, n, 0);
        CHECK(ring);
        shmring_reader_t *lossy;
        shmring_writer_t *w;
        CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
        CHECK_OK(shmring_writer_open(ring, &w));
        uint32_t next_write = 0;
        CHECK_EQ_U64(fill_until_full(w, &next_write, slots), slots + 1);
        /* slots + 1 written: message 0 was lapped, 1.. are there. */
        CHECK(read_is(lossy, 1));
        CHECK_EQ_U64(shmring_reader_missed(lossy), 1);
        for (uint32_t j = 2; j < next_write; j++) CHECK(read_is(lossy, j));
        /* Three laps ahead: it jumps to the oldest of the array. */
        CHECK_EQ_U64(fill_until_full(w, &next_write, 3 * slots - 1), 3 * slots);
        CHECK(read_is(lossy, next_write - (uint32_t)slots));
        CHECK_EQ_U64(shmring_reader_missed(lossy), 1 + 2 * slots);
        CHECK_OK(shmring_writer_close(w));
        CHECK_OK(shmring_reader_close(lossy));
        CHECK_OK(shmring_close(ring));
    }
}

/* A writer killed holding a reservation in a ring of 3: the reader waits
 * at the hole, writers fill the rest of the capacity behind it, and the
 * hole is recovered (published as abandoned) so both go on. */
static void test_dead_writer_hole(void) {
    const char *name = unique_name();
    shmring_ring_t *ring = make_ring(name, 3, 0);
    CHECK(ring);
    shmring_reader_t *r;
    shmring_writer_t *w;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(write_index(w, 0));
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        shmring_ring_t *mine;
        shmring_writer_t *dying;
        void *slot;
        if (shmring_open(name, 0, &mine) != SHMRING_OK ||
            shmring_writer_open(mine, &dying) != SHMRING_OK ||
            shmring_reserve(dying, &slot, 0) != SHMRING_OK) {
            _exit(1);
        }
        raise(SIGKILL); /* holding sequence 1 */
        _exit(2);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_OK(write_index(w, 2));
    /* 0, the hole and 2 are unread: full. */
    CHECK(refused_by_every_write(w));
    CHECK(read_is(r, 0));
    CHECK_OK(write_index(w, 3));
    CHECK(refused_by_every_write(w));
    /* The reader waits at the hole until it is recovered. */
    uint32_t got = 0;
    uint64_t len = 0;
    CHECK_OK(shmring_read(r, &got, sizeof got, &len, 10000000000ll));
    CHECK_EQ_U64(got, 2);
    CHECK_EQ_U64(fill_until_full(w, &(uint32_t){4}, 5), 2);
    shmring_stats_t *s;
    CHECK_OK(shmring_stats_read(ring, &s));
    uint64_t abandoned = 0;
    CHECK_OK(shmring_stats_ring(s, SHMRING_STAT_SLOTS_ABANDONED, &abandoned));
    shmring_stats_free(s);
    CHECK_EQ_U64(abandoned, 1);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_names);
    RUN(test_any_count_is_kept);
    RUN(test_broadcast_full_at_count);
    RUN(test_slowest_gate);
    RUN(test_group_full_at_count);
    RUN(test_batches_and_reservations);
    RUN(test_skip_all_frees_the_capacity);
    RUN(test_bound_across_the_wrap);
    RUN(test_lossy_laps_at_the_array);
    RUN(test_dead_writer_hole);
    printf("%d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
