/*
 * fuzz_live.c -- randomized fuzzing of a LIVE ring: while a writer, a
 * broadcast reader, a group member and a lossy reader (each its own
 * process) run random operations, a scribbler process overwrites random
 * fields of the segment with hostile values -- slot stamps, lengths and
 * flags; tail, skip_floor, the stream flags and high-water marks; the
 * registry lock word and its owner word; writer, reader and group entries
 * (state, kind, pid, group index, positions, holds, adopter, cursors,
 * counts, names) -- between and during their calls.
 *
 * Asserted: every call returns a status shmring defines; every message or
 * view handed out is at most slot_bytes long and readable to its last
 * byte (a view past the mapping would fault, and ASan checks the copies);
 * no participant crashes (a signal fails the test) and none hangs (every
 * blocking call has a finite timeout; the parent kills and fails a round
 * that outlives a generous hang guard).
 *
 * Deterministic by count: round r uses seed SHMRING_FUZZ_SEED + r (1 by
 * default) for its geometry, each participant's operations and the
 * scribbler's targets and values; nothing depends on time except the hang
 * guard. SHMRING_FUZZ_ROUNDS (default 20) and SHMRING_FUZZ_OPS (operations
 * per participant and scribbles per round, default 500) make a longer run:
 *   SHMRING_FUZZ_ROUNDS=500 SHMRING_FUZZ_OPS=2000 bazel-bin/c/fuzz_live
 * Processes, not threads: a scribble is a write no participant orders
 * against, which ThreadSanitizer would rightly report inside one process.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#include "test_util.h" /* first: it defines _GNU_SOURCE */

#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmring.h"
#include "../src/layout.h"

#define HANG_GUARD_NS (300ll * 1000000000ll) /* per round, TSan included */
#define MAX_WAIT_NS 2000000ll                /* longest timeout of a call */
#define PARTICIPANTS 4

static uint64_t env_or(const char *name, uint64_t fallback) {
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : fallback;
}

/* A child's check failed: report and exit 1 (the parent counts it). */
#define EXPECT(cond, ...)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d (seed %llu): ", __FILE__, __LINE__, \
                    (unsigned long long)g_seed);                           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            _exit(1);                                                      \
        }                                                                  \
    } while (0)

static uint64_t g_seed;

/* Shared with the children (an anonymous shared mapping made before the
 * forks): who has joined, and how many calls each made and got OK from. */
struct tally {
    _Atomic uint32_t joined;
    _Atomic uint64_t calls[PARTICIPANTS];
    _Atomic uint64_t ok[PARTICIPANTS];
};
static struct tally *g_tally;
static int g_role;

/* Every call returns OK or one of the codes shmring.h defines. */
static int status(int rc, const char *call) {
    EXPECT(rc <= 0 && rc >= SHMRING_ESYSTEM, "%s returned %d, no status", call,
           rc);
    atomic_fetch_add(&g_tally->calls[g_role], 1);
    if (rc == SHMRING_OK) atomic_fetch_add(&g_tally->ok[g_role], 1);
    return rc;
}

static int64_t some_timeout(tu_rng_t *rng) {
    return tu_rng_below(rng, 3) == 0 ? 0 : (int64_t)tu_rng_below(rng, MAX_WAIT_NS);
}

/* ---- participants ------------------------------------------------------- */

enum role { WRITER, BROADCAST, MEMBER, LOSSY };

struct participant {
    shmring_ring_t *ring;
    shmring_writer_t *writer;
    shmring_reader_t *reader;
    enum role role;
    uint64_t slot_bytes;
    uint8_t *buffer; /* slot_bytes */
};

static void join(struct participant *p) {
    if (p->role == WRITER) {
        status(shmring_writer_open(p->ring, &p->writer), "writer_open");
    } else {
        status(shmring_reader_open(p->ring, p->role == MEMBER ? "fuzz" : NULL,
                                   p->role == LOSSY ? SHMRING_READER_LOSSY : 0,
                                   &p->reader),
               "reader_open");
    }
}

static void leave(struct participant *p) {
    if (p->writer) status(shmring_writer_close(p->writer), "writer_close");
    if (p->reader) status(shmring_reader_close(p->reader), "reader_close");
    p->writer = NULL;
    p->reader = NULL;
}

/* A view or copy handed out: within slot_bytes, and every byte readable. */
static void use_message(struct participant *p, const void *data,
                        uint64_t length) {
    EXPECT(length <= p->slot_bytes, "a message of %llu bytes > slot_bytes %llu",
           (unsigned long long)length, (unsigned long long)p->slot_bytes);
    if (length) memcpy(p->buffer, data, length);
}

static void write_op(struct participant *p, tu_rng_t *rng) {
    uint64_t length = tu_rng_below(rng, p->slot_bytes + 1);
    memset(p->buffer, (int)tu_rng_below(rng, 256), length);
    void *slot;
    const void *datas[3] = {p->buffer, p->buffer, p->buffer};
    uint64_t lengths[3] = {length, length / 2, 0};
    uint32_t written;
    switch (tu_rng_below(rng, 4)) {
    case 0:
        status(shmring_try_write(p->writer, p->buffer, length), "try_write");
        break;
    case 1:
        status(shmring_write(p->writer, p->buffer, length, some_timeout(rng)),
               "write");
        break;
    case 2:
        status(shmring_write_batch(p->writer, datas, lengths, 3, &written,
                                   some_timeout(rng)),
               "write_batch");
        break;
    default:
        if (status(shmring_reserve(p->writer, &slot, some_timeout(rng)),
                   "reserve") == SHMRING_OK) {
            memset(slot, 0x5a, length);
            if (tu_rng_below(rng, 4) == 0) {
                status(shmring_abort(p->writer), "abort");
            } else {
                status(shmring_commit(p->writer, length), "commit");
            }
        }
    }
}

static void read_op(struct participant *p, tu_rng_t *rng) {
    uint64_t length, lengths[4];
    const void *data, *datas[4];
    uint32_t count = 0;
    uint64_t skipped;
    int rc;
    switch (tu_rng_below(rng, 6)) {
    case 0:
        rc = status(shmring_try_read(p->reader, p->buffer, p->slot_bytes, &length),
                    "try_read");
        if (rc == SHMRING_OK) use_message(p, p->buffer, length);
        break;
    case 1:
        rc = status(shmring_read(p->reader, p->buffer, p->slot_bytes, &length,
                                 some_timeout(rng)),
                    "read");
        if (rc == SHMRING_OK) use_message(p, p->buffer, length);
        break;
    case 2:
        rc = status(shmring_read_batch(p->reader, p->buffer, p->slot_bytes,
                                       lengths, 4, &count, some_timeout(rng)),
                    "read_batch");
        for (uint32_t i = 0; rc == SHMRING_OK && i < count; i++) {
            EXPECT(lengths[i] <= p->slot_bytes, "batch length %llu",
                   (unsigned long long)lengths[i]);
        }
        break;
    case 3:
        rc = status(shmring_peek(p->reader, &data, &length, some_timeout(rng)),
                    "peek");
        if (rc == SHMRING_OK) {
            use_message(p, data, length);
            status(shmring_release(p->reader), "release");
        }
        break;
    case 4:
        rc = status(shmring_peek_batch(p->reader, datas, lengths, 4, &count,
                                       some_timeout(rng)),
                    "peek_batch");
        if (rc == SHMRING_OK) {
            for (uint32_t i = 0; i < count; i++) use_message(p, datas[i], lengths[i]);
            status(shmring_release(p->reader), "release");
        }
        break;
    default:
        if (p->role != MEMBER) {
            status(shmring_reader_skip_to_latest(p->reader, &skipped),
                   "skip_to_latest");
        }
    }
}

static void stats_op(struct participant *p) {
    shmring_stats_t *stats;
    if (status(shmring_stats_read(p->ring, &stats), "stats_read") == SHMRING_OK) {
        shmring_stats_free(stats);
    }
}

static void run_participant(const char *name, enum role role, uint64_t seed,
                            uint64_t ops) {
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    g_role = (int)role;
    struct participant p = {.role = role};
    EXPECT(shmring_open(name, 0, &p.ring) == SHMRING_OK, "open: %s",
           shmring_last_error());
    p.slot_bytes = shmring_slot_bytes(p.ring);
    p.buffer = malloc(p.slot_bytes + 1);
    EXPECT(p.buffer != NULL, "malloc");
    join(&p);
    EXPECT(p.writer || p.reader, "first join: %s", shmring_last_error());
    /* The scribbler starts once everybody is in. */
    atomic_fetch_add(&g_tally->joined, 1);
    for (uint64_t i = 0; i < ops; i++) {
        if (!p.writer && !p.reader) {
            join(&p);
            continue;
        }
        uint64_t pick = tu_rng_below(&rng, 40);
        if (pick == 0) {
            leave(&p); /* and join again next time */
        } else if (pick == 1) {
            stats_op(&p);
        } else if (role == WRITER) {
            write_op(&p, &rng);
        } else {
            read_op(&p, &rng);
        }
    }
    leave(&p);
    status(shmring_close(p.ring), "close");
    free(p.buffer);
    _exit(0);
}

/* ---- the scribbler ---------------------------------------------------------- */

struct target {
    size_t offset;
    unsigned width; /* 4 or 8 */
};

/* A hostile value for a field: the corners code gets wrong, values near
 * what the ring holds (tail), pids no process has, or noise. */
static uint64_t hostile_value(tu_rng_t *rng, uint64_t tail, uint64_t slot_bytes,
                              int lock_word) {
    static const uint64_t corners[] = {0, 1, 2, 3, 0x7FFFFFFFu, 0x80000000u,
                                       0xFFFFFFFFu, 1u << 22, UINT64_MAX,
                                       1ull << 63};
    if (lock_word) {
        /* Pids no process can have (a live one is hostile_peer's case:
         * joins then wait out the bound, which would only slow this). */
        static const uint64_t impossible[] = {0, 0xFFFFFFFFu, 0x80000000u,
                                              1u << 22};
        return impossible[tu_rng_below(rng, 4)];
    }
    switch (tu_rng_below(rng, 5)) {
    case 0: return corners[tu_rng_below(rng, sizeof corners / sizeof corners[0])];
    case 1: return tail + tu_rng_below(rng, 64) - 32;
    case 2: return (tail + tu_rng_below(rng, 64) - 32) << 1 | tu_rng_below(rng, 2);
    case 3: return slot_bytes + tu_rng_below(rng, 1u << 20);
    default: return tu_rng_next(rng);
    }
}

static void run_scribbler(const char *name, uint64_t seed, uint64_t scribbles) {
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    int fd = shm_open(name, O_RDWR, 0);
    EXPECT(fd >= 0, "scribbler cannot open %s", name);
    struct segment_header h;
    EXPECT(pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h, "pread header");
    uint8_t *base = mmap(NULL, h.segment_bytes, PROT_READ | PROT_WRITE,
                         MAP_SHARED, fd, 0);
    close(fd);
    EXPECT(base != MAP_FAILED, "mmap");
    const size_t c = SHM_CONTROL_OFFSET;
    const struct target control[] = {
        {c + offsetof(struct control, tail), 8},
        {c + offsetof(struct control, skip_floor), 8},
        {c + offsetof(struct control, closed), 4},
        {c + offsetof(struct control, writers_open), 4},
        {c + offsetof(struct control, registry_lock), 4},
        {c + offsetof(struct control, registry_lock_owner), 8},
        {c + offsetof(struct control, writers_high_water), 4},
        {c + offsetof(struct control, readers_high_water), 4},
        {c + offsetof(struct control, groups_high_water), 4},
        {c + offsetof(struct control, data_wait), 8},
        {c + offsetof(struct control, space_wait), 8},
    };
    const struct target writer_fields[] = {
        {offsetof(struct writer_entry, state), 4},
        {offsetof(struct writer_entry, pid), 4},
        {offsetof(struct writer_entry, start_time), 8},
        {offsetof(struct writer_entry, claim), 8},
    };
    const struct target reader_fields[] = {
        {offsetof(struct reader_entry, state), 4},
        {offsetof(struct reader_entry, kind), 4},
        {offsetof(struct reader_entry, pid), 4},
        {offsetof(struct reader_entry, group_index), 4},
        {offsetof(struct reader_entry, position), 8},
        {offsetof(struct reader_entry, holding), 8},
        {offsetof(struct reader_entry, holding_busy), 4},
        {offsetof(struct reader_entry, adopter), 4},
        {offsetof(struct reader_entry, holding_end), 8},
    };
    const struct target group_fields[] = {
        {offsetof(struct group_entry, state), 4},
        {offsetof(struct group_entry, members), 4},
        {offsetof(struct group_entry, name), 8}, /* the name's bytes */
        {offsetof(struct group_entry, name) + 24, 8},
        {offsetof(struct group_entry, next), 8},
        {offsetof(struct group_entry, orphans), 4},
    };
    const struct target slot_fields[] = {
        {offsetof(struct slot_header, stamp), 8},
        {offsetof(struct slot_header, length), 4},
        {offsetof(struct slot_header, flags), 4},
    };
#define PICK(array) (array)[tu_rng_below(&rng, sizeof(array) / sizeof((array)[0]))]
    /* Entries in use are the first few: participants join at the front. */
    const uint32_t entries = 4;
    for (uint64_t i = 0; i < scribbles; i++) {
        struct target t;
        int lock_word = 0;
        switch (tu_rng_below(&rng, 5)) {
        case 0:
            t = PICK(control);
            lock_word = t.offset == c + offsetof(struct control, registry_lock);
            break;
        case 1:
            t = PICK(writer_fields);
            t.offset += h.writers_offset +
                        tu_rng_below(&rng, entries < h.max_writers ? entries : h.max_writers) *
                            SHM_BLOCK;
            break;
        case 2:
            t = PICK(reader_fields);
            t.offset += h.readers_offset +
                        tu_rng_below(&rng, entries < h.max_readers ? entries : h.max_readers) *
                            SHM_BLOCK;
            break;
        case 3:
            t = PICK(group_fields);
            t.offset += h.groups_offset;
            break;
        default:
            t = PICK(slot_fields);
            t.offset += h.slots_offset + tu_rng_below(&rng, h.array_slots) * h.slot_stride;
        }
        uint64_t tail = __atomic_load_n(
            (uint64_t *)(base + c + offsetof(struct control, tail)), __ATOMIC_RELAXED);
        uint64_t v = hostile_value(&rng, tail, h.slot_bytes, lock_word);
        if (t.width == 8) {
            __atomic_store_n((uint64_t *)(base + t.offset), v, __ATOMIC_RELAXED);
        } else {
            __atomic_store_n((uint32_t *)(base + t.offset), (uint32_t)v,
                             __ATOMIC_RELAXED);
        }
        /* Let the participants run a little between scribbles. */
        for (uint64_t spin = tu_rng_below(&rng, 64); spin > 0; spin--) sched_yield();
    }
#undef PICK
    munmap(base, h.segment_bytes);
    _exit(0);
}

/* ---- rounds ------------------------------------------------------------------ */

static int run_round(uint64_t seed, uint64_t ops) {
    g_seed = seed;
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fuzzlive");
    shmring_options_t *options;
    CHECK_OK(shmring_options_create(&options));
    CHECK_OK(shmring_options_set_close_on_last_writer(options, tu_rng_below(&rng, 2)));
    CHECK_OK(shmring_options_set_max_writers(options, 4));
    CHECK_OK(shmring_options_set_max_readers(options, 4));
    CHECK_OK(shmring_options_set_max_groups(options, 2));
    uint64_t slot_bytes = 1 + tu_rng_below(&rng, 256);
    uint64_t slot_count = 2ull << tu_rng_below(&rng, 4);
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, slot_bytes, slot_count, options, &ring));
    shmring_options_destroy(options);
    tu_track_segment(name);

    pid_t children[PARTICIPANTS + 1];
    atomic_store(&g_tally->joined, 0);
    int64_t give_up = tu_now_ns() + HANG_GUARD_NS;
    for (int i = 0; i <= PARTICIPANTS; i++) {
        uint64_t child_seed = tu_mix64(seed * 16 + (uint64_t)i);
        /* Participants join a healthy ring (an open refuses a damaged
         * table), then the scribbler damages it under them. */
        while (i == PARTICIPANTS && atomic_load(&g_tally->joined) < PARTICIPANTS &&
               tu_now_ns() < give_up) {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            if (i == PARTICIPANTS) run_scribbler(name, child_seed, ops);
            run_participant(name, (enum role)i, child_seed, ops);
        }
        children[i] = pid;
    }
    int failed = 0;
    for (int left = PARTICIPANTS + 1; left > 0;) {
        int status_word;
        pid_t pid = waitpid(-1, &status_word, WNOHANG);
        if (pid > 0) {
            left--;
            if (!WIFEXITED(status_word) || WEXITSTATUS(status_word) != 0) {
                fprintf(stderr, "FAIL seed %llu: child %d %s %d\n",
                        (unsigned long long)seed, (int)pid,
                        WIFSIGNALED(status_word) ? "died of signal" : "exited",
                        WIFSIGNALED(status_word) ? WTERMSIG(status_word)
                                                 : WEXITSTATUS(status_word));
                failed = 1;
            }
            continue;
        }
        if (tu_now_ns() > give_up) {
            fprintf(stderr, "FAIL seed %llu: a participant hung past the guard\n",
                    (unsigned long long)seed);
            for (int i = 0; i <= PARTICIPANTS; i++) kill(children[i], SIGKILL);
            while (waitpid(-1, NULL, 0) > 0) {
            }
            failed = 1;
            break;
        }
        struct timespec pause = {0, 10000000};
        nanosleep(&pause, NULL);
    }
    shmring_close(ring);
    shmring_unlink(name);
    return failed;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t rounds = env_or("SHMRING_FUZZ_ROUNDS", 20);
    uint64_t ops = env_or("SHMRING_FUZZ_OPS", 500);
    uint64_t first_seed = env_or("SHMRING_FUZZ_SEED", 1);
    g_tally = mmap(NULL, sizeof *g_tally, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(g_tally != MAP_FAILED);
    tu_watchdog((unsigned)(rounds * (HANG_GUARD_NS / 1000000000ll) + 60));
    int failures = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        failures += run_round(first_seed + r, ops);
    }
    printf("fuzz_live: %llu rounds of %llu operations per participant, seeds "
           "%llu..%llu: %d failed\n",
           (unsigned long long)rounds, (unsigned long long)ops,
           (unsigned long long)first_seed,
           (unsigned long long)(first_seed + rounds - 1), failures);
    static const char *const roles[PARTICIPANTS] = {"writer", "broadcast",
                                                    "member", "lossy"};
    for (int i = 0; i < PARTICIPANTS; i++) {
        uint64_t calls = atomic_load(&g_tally->calls[i]);
        uint64_t ok = atomic_load(&g_tally->ok[i]);
        printf("  %-9s %llu calls, %llu OK\n", roles[i],
               (unsigned long long)calls, (unsigned long long)ok);
        /* A run that never reached the data path tested nothing. */
        if (ok == 0 || calls < rounds * ops / 2) {
            fprintf(stderr, "FAIL: the %s made %llu calls, %llu OK\n", roles[i],
                    (unsigned long long)calls, (unsigned long long)ok);
            failures++;
        }
    }
    tu_cleanup_segments();
    return failures ? 1 : 0;
}
