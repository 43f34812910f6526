/*
 * stress_rwlock.c -- the readers-writer lock under load. Nothing here is
 * timed: each case runs until every participant has made a fixed number of
 * attempts (observed through counters), events are ordered by the lock's
 * observable state (shmring_rwlock_state / shmring_rwlock_waiting), and
 * the only bound on time is the watchdog, a hang guard.
 *
 *   1. threads: readers (nesting 1..3 shared holds, some with timeouts,
 *      some lending their hold to a writer with wait_for_exclusive)
 *      and writers, each with its own handle, until each has made QUOTA
 *      attempts. Writers fill a plain (non-atomic) array with one value
 *      under the exclusive hold; readers check it is never mixed. Atomic
 *      "inside" counters check that a writer is alone and that no reader is
 *      inside with a writer. Under ThreadSanitizer the plain array also
 *      checks that the lock's atomics give every hold a happens-before edge
 *      to the next.
 *   2. writer preference: once a writer waits in line (observed), no new
 *      reader gets in while the holder's nested holds still do, and the
 *      writer goes in when the holder leaves. Then readers keep arriving so
 *      that the lock is held shared whenever the writer asks (observed): it
 *      must still get in, round after round. Then two writers and three
 *      readers all take the lock back to back: every reader gets in a
 *      number of times while the writers still loop.
 *   3. processes: the same invariants as 1 across forked processes on a
 *      named lock, with the array in a shared mapping.
 */
#include "test_util.h"

#include <pthread.h>
#include <sys/wait.h>

#define CELLS 16
#define MS 1000000ll

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SLOW 4
#else
#define SLOW 1
#endif

/* What the lock protects. cells: plain memory, written only under an
 * exclusive hold. The counters are the test's own checks. */
struct shared_state {
    uint64_t cells[CELLS];
    _Atomic int readers_inside;
    _Atomic int writers_inside;
    _Atomic uint64_t reads;
    _Atomic uint64_t writes;
    _Atomic uint64_t nested;
    _Atomic uint64_t lends;           /* wait_for_exclusive calls */
    _Atomic int stop;
};

static void check_cells(const struct shared_state *s) {
    uint64_t first = s->cells[0];
    for (int i = 1; i < CELLS; i++) {
        if (s->cells[i] != first) {
            TU_FAIL("torn state under a shared hold: cell %d = %llu, cell 0 "
                    "= %llu",
                    i, (unsigned long long)s->cells[i],
                    (unsigned long long)first);
        }
    }
}

static void reader_hold(struct shared_state *s, shmring_rwlock_t *lock,
                        tu_rng_t *rng, int depth) {
    atomic_fetch_add(&s->readers_inside, 1);
    if (atomic_load(&s->writers_inside) != 0) {
        TU_FAIL("a reader is inside together with a writer");
    }
    check_cells(s);
    if (depth < 3 && tu_rng_below(rng, 3) == 0) {
        /* Nested: must succeed at once, writer waiting or not. */
        CHECK_OK(shmring_rwlock_lock_shared(lock, 0));
        atomic_fetch_add(&s->nested, 1);
        reader_hold(s, lock, rng, depth + 1);
        CHECK_OK(shmring_rwlock_unlock_shared(lock));
    }
    check_cells(s);
    atomic_fetch_sub(&s->readers_inside, 1);
}

static void reader_once(struct shared_state *s, shmring_rwlock_t *lock,
                        tu_rng_t *rng) {
    int64_t timeout_ns = tu_rng_below(rng, 4) == 0
                             ? (int64_t)tu_rng_below(rng, 200000)
                             : 5000 * MS * SLOW;
    int rc = shmring_rwlock_lock_shared(lock, timeout_ns);
    if (rc == SHMRING_ETIMEOUT) return; /* a short timeout may expire */
    CHECK_OK(rc);
    if (tu_rng_below(rng, 256) == 0) {
        /* Lend the hold to a writer (the seed's wait_for_write): outside
         * meanwhile, holding again on return, timed out or not. */
        rc = shmring_rwlock_wait_for_exclusive(
            lock, (int64_t)tu_rng_below(rng, 200000));
        CHECK_MSG(rc == SHMRING_OK || rc == SHMRING_ETIMEOUT, "status %d",
                  rc);
        atomic_fetch_add(&s->lends, 1);
    }
    reader_hold(s, lock, rng, 1);
    CHECK_OK(shmring_rwlock_unlock_shared(lock));
    atomic_fetch_add(&s->reads, 1);
}

static void writer_once(struct shared_state *s, shmring_rwlock_t *lock,
                        tu_rng_t *rng, uint64_t value) {
    int rc = tu_rng_below(rng, 4) == 0
                 ? shmring_rwlock_try_lock_exclusive(lock)
                 : shmring_rwlock_lock_exclusive(lock, 5000 * MS * SLOW);
    if (rc == SHMRING_ETIMEOUT) return;
    CHECK_OK(rc);
    if (atomic_fetch_add(&s->writers_inside, 1) != 0) {
        TU_FAIL("two writers inside at once");
    }
    if (atomic_load(&s->readers_inside) != 0) {
        TU_FAIL("a writer is inside together with %d reader(s)",
                atomic_load(&s->readers_inside));
    }
    for (int i = 0; i < CELLS; i++) s->cells[i] = value;
    atomic_fetch_sub(&s->writers_inside, 1);
    CHECK_OK(shmring_rwlock_unlock_exclusive(lock));
    atomic_fetch_add(&s->writes, 1);
}

/* Every participant of a case counts its attempts here; a case runs until
 * each has made `quota` of them. */
#define MAX_PARTICIPANTS 8
struct attempts {
    _Atomic uint64_t made[MAX_PARTICIPANTS];
};

/* Polls `condition` until it holds: events are ordered by what is
 * observed; the pause only spaces the looks (the watchdog is the hang
 * guard). */
#define AWAIT(condition)                                                     \
    do {                                                                     \
        while (!(condition)) {                                               \
            struct timespec look_again = {0, 100000};                        \
            nanosleep(&look_again, NULL);                                    \
        }                                                                    \
    } while (0)

/* Waits until participants 0..n-1 have each made `quota` attempts. */
static void await_quota(struct attempts *a, int n, uint64_t quota) {
    for (int i = 0; i < n; i++) AWAIT(atomic_load(&a->made[i]) >= quota);
}

/* Attempts each participant makes in cases 1 and 3 (without a sanitizer,
 * a quarter of a second's worth for the slowest, the readers of case 3). */
#define QUOTA 5000

/* ---- 1. threads ---------------------------------------------------------- */

struct worker {
    pthread_t thread;
    struct shared_state *state;
    shmring_rwlock_t *lock;
    _Atomic uint64_t *attempts;
    int writer;
    uint64_t seed;
};

static void *worker_main(void *p) {
    struct worker *w = p;
    tu_rng_t rng;
    tu_rng_seed(&rng, w->seed);
    uint64_t n = 0;
    while (!atomic_load(&w->state->stop)) {
        if (w->writer) {
            writer_once(w->state, w->lock, &rng, (w->seed << 32) + n++);
        } else {
            reader_once(w->state, w->lock, &rng);
        }
        atomic_fetch_add(w->attempts, 1);
    }
    CHECK_OK(shmring_rwlock_close(w->lock));
    return NULL;
}

static void threads_case(uint64_t seed) {
    enum { READERS = 4, WRITERS = 2 };
    static struct shared_state state;
    static struct attempts attempts;
    shmring_rwlock_t *lock;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &lock));
    struct worker workers[READERS + WRITERS];
    for (int i = 0; i < READERS + WRITERS; i++) {
        workers[i] = (struct worker){.state = &state,
                                     .attempts = &attempts.made[i],
                                     .writer = i >= READERS,
                                     .seed = seed + (uint64_t)i};
        CHECK_OK(shmring_rwlock_dup(lock, &workers[i].lock));
        CHECK(pthread_create(&workers[i].thread, NULL, worker_main,
                             &workers[i]) == 0);
    }
    await_quota(&attempts, READERS + WRITERS, QUOTA);
    atomic_store(&state.stop, 1);
    for (int i = 0; i < READERS + WRITERS; i++) {
        CHECK(pthread_join(workers[i].thread, NULL) == 0);
    }
    uint32_t shared = 9, exclusive = 9;
    CHECK_OK(shmring_rwlock_state(lock, &shared, &exclusive));
    CHECK(shared == 0 && exclusive == 0);
    printf("  threads: %llu shared holds (%llu nested, %llu lent to "
           "writers), %llu exclusive, no overlap\n",
           (unsigned long long)atomic_load(&state.reads),
           (unsigned long long)atomic_load(&state.nested),
           (unsigned long long)atomic_load(&state.lends),
           (unsigned long long)atomic_load(&state.writes));
    CHECK(atomic_load(&state.reads) > 0 && atomic_load(&state.writes) > 0);
    CHECK_OK(shmring_rwlock_close(lock));
}

/* ---- 2. writer preference ------------------------------------------------ */

static uint32_t shared_holds(shmring_rwlock_t *lock) {
    uint32_t shared = 0;
    CHECK_OK(shmring_rwlock_state(lock, &shared, NULL));
    return shared;
}
static uint32_t writer_waiting(shmring_rwlock_t *lock) {
    uint32_t waiting = 0;
    CHECK_OK(shmring_rwlock_waiting(lock, &waiting, NULL));
    return waiting;
}
struct line_writer {
    shmring_rwlock_t *lock;
    _Atomic int in;      /* 1 while it holds the lock */
    _Atomic int release; /* the test says when to let go */
};

static void *line_writer_main(void *p) {
    struct line_writer *w = p;
    CHECK_OK(shmring_rwlock_lock_exclusive(w->lock, 30000 * MS * SLOW));
    atomic_store(&w->in, 1);
    AWAIT(atomic_load(&w->release));
    atomic_store(&w->in, 0);
    CHECK_OK(shmring_rwlock_unlock_exclusive(w->lock));
    return NULL;
}

/* A writer in line keeps every new reader out, however many come, and the
 * holder's nested holds still get in (they never queue behind it). */
static void writer_in_line_case(void) {
    enum { LATECOMERS = 50 };
    shmring_rwlock_t *holder, *latecomer;
    struct line_writer writer = {0};
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &holder));
    CHECK_OK(shmring_rwlock_dup(holder, &latecomer));
    CHECK_OK(shmring_rwlock_dup(holder, &writer.lock));
    CHECK_OK(shmring_rwlock_lock_shared(holder, 0));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, line_writer_main, &writer) == 0);
    AWAIT(writer_waiting(holder));
    for (int i = 0; i < LATECOMERS; i++) {
        CHECK_RC(shmring_rwlock_try_lock_shared(latecomer), SHMRING_ETIMEOUT);
        CHECK_OK(shmring_rwlock_lock_shared(holder, 0)); /* nested */
        CHECK_OK(shmring_rwlock_unlock_shared(holder));
    }
    CHECK_RC(shmring_rwlock_lock_shared(latecomer, 20 * MS), SHMRING_ETIMEOUT);
    CHECK(!atomic_load(&writer.in) && writer_waiting(holder));
    CHECK_OK(shmring_rwlock_unlock_shared(holder)); /* the writer goes in */
    AWAIT(atomic_load(&writer.in));
    uint32_t exclusive = 0;
    CHECK_OK(shmring_rwlock_state(holder, NULL, &exclusive));
    CHECK(exclusive == 1 && !writer_waiting(holder) &&
          shared_holds(holder) == 0);
    CHECK_RC(shmring_rwlock_try_lock_shared(latecomer), SHMRING_ETIMEOUT);
    atomic_store(&writer.release, 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(shmring_rwlock_try_lock_shared(latecomer));
    CHECK_OK(shmring_rwlock_unlock_shared(latecomer));
    printf("  writer in line: %d latecomers kept out, nested holds not\n",
           LATECOMERS);
    CHECK_OK(shmring_rwlock_close(writer.lock));
    CHECK_OK(shmring_rwlock_close(latecomer));
    CHECK_OK(shmring_rwlock_close(holder));
}

struct arriving_reader {
    pthread_t thread;
    shmring_rwlock_t *lock;
    _Atomic int *stop;
    _Atomic uint64_t *holds;
};

/* Hold 2 ms, let go, come back at once: with four of these some reader
 * holds the lock at almost every moment. */
static void *arriving_main(void *p) {
    struct arriving_reader *r = p;
    while (!atomic_load(r->stop)) {
        CHECK_OK(shmring_rwlock_lock_shared(r->lock, 30000 * MS * SLOW));
        struct timespec hold = {0, 2000000};
        nanosleep(&hold, NULL); /* the length of a hold, not an order */
        CHECK_OK(shmring_rwlock_unlock_shared(r->lock));
        atomic_fetch_add(r->holds, 1);
    }
    return NULL;
}

static void writer_preference_case(void) {
    enum { READERS = 4, ROUNDS = 20 };
    shmring_rwlock_t *writer;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &writer));
    _Atomic int stop = 0;
    _Atomic uint64_t holds = 0;
    struct arriving_reader readers[READERS];
    for (int i = 0; i < READERS; i++) {
        readers[i] = (struct arriving_reader){.stop = &stop, .holds = &holds};
        CHECK_OK(shmring_rwlock_dup(writer, &readers[i].lock));
        CHECK(pthread_create(&readers[i].thread, NULL, arriving_main,
                             &readers[i]) == 0);
    }
    int64_t worst = 0, total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* Readers inside (observed) as the writer asks: without writer
         * preference it would wait for a moment with no reader inside,
         * which this load hardly ever leaves. The timeout is a hang guard. */
        AWAIT(shared_holds(writer) > 0);
        int64_t t0 = tu_now_ns();
        CHECK_OK(shmring_rwlock_lock_exclusive(writer, 30000 * MS * SLOW));
        int64_t waited = tu_now_ns() - t0;
        CHECK_MSG(shared_holds(writer) == 0,
                  "%u shared holder(s) under the exclusive hold",
                  shared_holds(writer));
        CHECK_OK(shmring_rwlock_unlock_exclusive(writer));
        if (waited > worst) worst = waited;
        total += waited;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < READERS; i++) {
        CHECK(pthread_join(readers[i].thread, NULL) == 0);
        CHECK_OK(shmring_rwlock_close(readers[i].lock));
    }
    /* The waits are information, not a check: they depend on the machine. */
    printf("  writer preference: %d exclusive holds, each asked for with "
           "readers inside, among %llu shared ones: mean wait %.2f ms, "
           "worst %.2f ms\n",
           ROUNDS, (unsigned long long)atomic_load(&holds),
           total / 1e6 / ROUNDS, worst / 1e6);
    CHECK_OK(shmring_rwlock_close(writer));
}

/* ---- 2b. nobody shut out ---------------------------------------------- */

/* Each reader must get this many holds while the writers still loop; each
 * writer loops for at most WRITER_CAP holds (1,000 times what the readers
 * need: a reader shut out shows as a writer reaching it). */
#define READER_HOLDS 100
#define WRITER_CAP (1000 * READER_HOLDS)

struct looper {
    pthread_t thread;
    shmring_rwlock_t *lock;
    _Atomic int *stop;
    _Atomic int *writers_looping;
    int writer;
    _Atomic uint64_t holds;
};

static void *looper_main(void *p) {
    struct looper *l = p;
    while (!atomic_load(l->stop)) {
        if (l->writer && atomic_load(&l->holds) == WRITER_CAP) break;
        int rc = l->writer ? shmring_rwlock_lock_exclusive(l->lock, 100 * MS)
                           : shmring_rwlock_lock_shared(l->lock, 100 * MS);
        if (rc == SHMRING_ETIMEOUT) continue; /* shows in the counts */
        CHECK_OK(rc);
        /* A little work inside the hold, as a real holder does. */
        for (volatile int spin = 0; spin < 200; spin++) {
        }
        /* A reader's hold counts only while the writers loop. */
        int counts = l->writer || atomic_load(l->writers_looping) > 0;
        CHECK_OK(l->writer ? shmring_rwlock_unlock_exclusive(l->lock)
                           : shmring_rwlock_unlock_shared(l->lock));
        if (counts) atomic_fetch_add(&l->holds, 1);
    }
    if (l->writer) atomic_fetch_sub(l->writers_looping, 1);
    return NULL;
}

/* Two writers take the lock back to back (no pause between holds), three
 * readers too: with writer preference the writers could hand the lock to
 * each other; check by counts that the readers still get in while the
 * writers loop, and the writers too. (The lock is not phase-fair; this
 * guards against readers being shut out altogether.) */
static void readers_get_turns_case(void) {
    enum { WRITERS = 2, READERS = 3, ALL = WRITERS + READERS };
    shmring_rwlock_t *lock;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &lock));
    _Atomic int stop = 0, writers_looping = WRITERS;
    static struct looper loopers[ALL];
    for (int i = 0; i < ALL; i++) {
        loopers[i].stop = &stop;
        loopers[i].writers_looping = &writers_looping;
        loopers[i].writer = i < WRITERS;
        atomic_store(&loopers[i].holds, 0);
        CHECK_OK(shmring_rwlock_dup(lock, &loopers[i].lock));
        CHECK(pthread_create(&loopers[i].thread, NULL, looper_main,
                             &loopers[i]) == 0);
    }
    /* Until every reader has its holds, or the writers stopped looping. */
    for (int i = WRITERS; i < ALL; i++) {
        AWAIT(atomic_load(&loopers[i].holds) >= READER_HOLDS ||
              atomic_load(&writers_looping) == 0);
    }
    atomic_store(&stop, 1);
    uint64_t fewest[2] = {UINT64_MAX, UINT64_MAX}, total[2] = {0, 0};
    for (int i = 0; i < ALL; i++) {
        CHECK(pthread_join(loopers[i].thread, NULL) == 0);
        CHECK_OK(shmring_rwlock_close(loopers[i].lock));
        int w = loopers[i].writer;
        uint64_t holds = atomic_load(&loopers[i].holds);
        if (holds < fewest[w]) fewest[w] = holds;
        total[w] += holds;
    }
    printf("  back to back: while %d writers looping took %llu exclusive "
           "holds (fewest %llu), %d readers took %llu shared ones (fewest "
           "%llu)\n",
           WRITERS, (unsigned long long)total[1],
           (unsigned long long)fewest[1], READERS,
           (unsigned long long)total[0], (unsigned long long)fewest[0]);
    CHECK_MSG(fewest[0] >= READER_HOLDS,
              "a reader got only %llu holds while the writers took %llu",
              (unsigned long long)fewest[0], (unsigned long long)total[1]);
    CHECK_MSG(fewest[1] >= 1, "a writer never got in");
    CHECK_OK(shmring_rwlock_close(lock));
}

/* ---- 3. processes -------------------------------------------------------- */

static void processes_case(uint64_t seed) {
    enum { READERS = 3, WRITERS = 2 };
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "rw-stress");
    shmring_rwlock_t *lock;
    CHECK_OK(shmring_rwlock_create(name, 8, 0, &lock));
    tu_track_segment(name);
    struct shared_state *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED);
    struct attempts *attempts = mmap(NULL, sizeof *attempts,
                                     PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(attempts != MAP_FAILED);
    pid_t children[READERS + WRITERS];
    fflush(NULL);
    for (int i = 0; i < READERS + WRITERS; i++) {
        children[i] = fork();
        CHECK(children[i] >= 0);
        if (children[i] == 0) {
            tu_watchdog(120 * SLOW);
            shmring_rwlock_t *mine;
            CHECK_OK(shmring_rwlock_open(name, 1000 * MS, &mine));
            tu_rng_t rng;
            tu_rng_seed(&rng, seed + 100 + (uint64_t)i);
            uint64_t n = 0;
            while (!atomic_load(&s->stop)) {
                if (i >= READERS) {
                    writer_once(s, mine, &rng, ((uint64_t)i << 40) + n++);
                } else {
                    reader_once(s, mine, &rng);
                }
                atomic_fetch_add(&attempts->made[i], 1);
            }
            CHECK_OK(shmring_rwlock_close(mine));
            _exit(0);
        }
    }
    await_quota(attempts, READERS + WRITERS, QUOTA);
    atomic_store(&s->stop, 1);
    for (int i = 0; i < READERS + WRITERS; i++) {
        int status = 0;
        CHECK(waitpid(children[i], &status, 0) == children[i]);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child %d ended with status %#x", i, status);
    }
    uint32_t shared = 9, exclusive = 9;
    CHECK_OK(shmring_rwlock_state(lock, &shared, &exclusive));
    CHECK(shared == 0 && exclusive == 0);
    printf("  processes: %llu shared holds (%llu nested, %llu lent to "
           "writers), %llu exclusive, no overlap\n",
           (unsigned long long)atomic_load(&s->reads),
           (unsigned long long)atomic_load(&s->nested),
           (unsigned long long)atomic_load(&s->lends),
           (unsigned long long)atomic_load(&s->writes));
    CHECK(atomic_load(&s->reads) > 0 && atomic_load(&s->writes) > 0);
    munmap(s, sizeof *s);
    munmap(attempts, sizeof *attempts);
    CHECK_OK(shmring_rwlock_close(lock));
    CHECK_OK(shmring_unlink(name));
}

int main(void) {
    tu_watchdog(240 * SLOW); /* the hang guard: nothing else is timed */
    uint64_t seed = tu_test_seed();
    printf("stress_rwlock: seed %llu (SHMRING_TEST_SEED to repeat)\n",
           (unsigned long long)seed);
    threads_case(seed);
    writer_in_line_case();
    writer_preference_case();
    readers_get_turns_case();
    processes_case(seed);
    printf("stress_rwlock: all cases passed\n");
    return 0;
}
