/*
 * stress_threads.c -- many writers and readers of every kind as threads of
 * one process, on named and anonymous rings; see stress_common.h for the
 * workload and the checks.
 *
 * Scenarios, in order ("full cast": writers; broadcast readers, the first
 * being the reference reader; groups of members; lossy readers; plus a
 * broadcast reader, a lossy reader and a group member that join mid-stream
 * and a broadcast reader and a group member that leave early):
 *   1. named ring, full cast, aborted reservations, sequences wrapping past
 *      2^64; some threads attach with their own shmring_open() handle
 *   2. anonymous ring, full cast, aborts, sequences crossing 2^63
 *   3. named ring of 8 slots, no aborts: lossy readers lap a lot and their
 *      missed counts are checked exactly
 *   4. anonymous ring of 2 slots (the minimum) of 3000 bytes
 *   5. named ring, one writer, lossy readers only: nothing holds the
 *      writer back, so the readers are overwritten mid-copy and mid-peek
 *      all the time (their copies must never be torn)
 *   6. the same, anonymous, with 25% aborted reservations (a slot lapped
 *      by an aborted reservation must not make a message look skipped)
 *   7. named ring, full cast: writer 1 reserves a slot, ends the stream
 *      (shmring_close_stream) while the others are still writing, and
 *      commits 2 ms later: every message whose write succeeded, including
 *      that one, is delivered, then every reader gets SHMRING_ECLOSED
 *   8. anonymous ring of 2 slots, one writer, one reader of each kind, all
 *      sleeping a random 0..200 us before each call: every wait for data or
 *      space ends in a futex sleep with nobody else to wake it, so a lost
 *      wake-up shows as a timeout (5 s; 15 s under sanitizers)
 *   9. named ring, full cast with one writer, a "skipper" thread calling
 *      shmring_skip_all_to_latest() every 0..2 ms and readers sometimes
 *      calling shmring_reader_skip_to_latest(): broadcast readers then get
 *      a subsequence of the stream, never a torn or corrupt message, with
 *      missed counting exactly what they passed over; groups never get a
 *      message twice
 *  10. the same on an anonymous ring of 4 slots, skips every 0..300 us
 *  11-14. slot counts that are not a power of two (10, 3 with skips across
 *      2^63, 1, and 5 with lossy readers only): the same checks, and every
 *      gating reader, after every call, has at most slot_count messages
 *      unread (sc_check_capacity; the unit tests check the exact bound)
 *
 * Seed: $SHMRING_TEST_SEED, else random (printed). Exit 0 pass, 1 fail.
 */
#include "stress_common.h"

#include <pthread.h>

struct thread_arg {
    struct sc_shared *sh;
    uint32_t index;
    shmring_ring_t *ring;
};

static void *thread_main(void *p) {
    struct thread_arg *a = p;
    struct sc_worker *me = &a->sh->workers[a->index];
    shmring_ring_t *ring = a->ring, *own = NULL;
    /* Sanitizer reports name the thread by its role. */
    char name[16];
    snprintf(name, sizeof name, "%s", me->label);
    pthread_setname_np(pthread_self(), name);
    if (me->own_handle && a->sh->cfg.name[0]) {
        CHECK_OK(shmring_open(a->sh->cfg.name, 1000000000, &own));
        ring = own;
    }
    sc_worker_run(a->sh, a->index, ring);
    if (own) CHECK_OK(shmring_close(own));
    return NULL;
}

static void run(const struct sc_scenario *s, uint64_t seed) {
    struct sc_config cfg = sc_config_for(s, seed);
    if (s->named) tu_segment_name(cfg.name, sizeof cfg.name, "stress-thr");
    struct sc_shared *sh = sc_shared_create(&cfg);
    sc_add_cast(sh, &s->cast);

    shmring_ring_t *ring = sc_create_ring(s, &cfg);

    int64_t t0 = tu_now_ns();
    pthread_t threads[SC_MAX_WORKERS];
    struct thread_arg args[SC_MAX_WORKERS];
    for (uint32_t i = 0; i < sh->nworkers; i++) {
        args[i] = (struct thread_arg){sh, i, ring};
        int err = pthread_create(&threads[i], NULL, thread_main, &args[i]);
        CHECK_MSG(err == 0, "pthread_create: %s", strerror(err));
    }
    for (uint32_t i = 0; i < sh->nworkers; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    double seconds = (double)(tu_now_ns() - t0) / 1e9;

    CHECK(shmring_is_closed(ring));
    struct sc_summary sum = sc_verify(sh, shmring_next_sequence(ring));
    sc_print_summary(s->title, sh, &sum, seconds);
    CHECK_OK(shmring_close(ring));
    if (s->named) CHECK_OK(shmring_unlink(cfg.name));
    sc_shared_destroy(sh);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t seed = tu_test_seed();
    printf("stress_threads: seed %llu (rerun with SHMRING_TEST_SEED=%llu)\n",
           (unsigned long long)seed, (unsigned long long)seed);
    tu_watchdog(SC_SANITIZED ? 600 : 300);

#if defined(__SANITIZE_THREAD__)
    const uint32_t scale = 2;
#elif defined(__SANITIZE_ADDRESS__)
    const uint32_t scale = 1;
#else
    const uint32_t scale = 1;
#endif
    const struct sc_cast full = {.broadcast = 3, .members = 2, .lossy = 2,
                                 .late = 1};
    const struct sc_cast small = {.broadcast = 2, .members = 2, .lossy = 2,
                                  .late = 1};
    const struct sc_cast lossy_only = {.lossy = 3};
    const struct sc_cast skippy = {.broadcast = 2, .members = 3, .lossy = 1};
    const struct sc_cast paced = {.broadcast = 1, .members = 1, .lossy = 1};
    const uint32_t n = 20000 / scale;
    const struct sc_scenario scenarios[] = {
        {.title = "named, u64 wrap, aborts", .named = 1,
         .initial_sequence = 0 - (uint64_t)(3 * n / 2), .abort_percent = 4,
         .writers = 3, .messages_per_writer = n, .groups = 2,
         .slot_bytes = 181, .slot_count = 32, .cast = full},
        {.title = "anonymous, 2^63 crossing, aborts",
         .initial_sequence = (1ull << 63) - (uint64_t)(3 * n / 2),
         .abort_percent = 4, .writers = 3, .messages_per_writer = n,
         .groups = 2, .slot_bytes = 64, .slot_count = 16, .cast = full},
        {.title = "named, 8 slots, no aborts", .named = 1,
         .writers = 2, .messages_per_writer = n, .groups = 2,
         .slot_bytes = 40, .slot_count = 8, .cast = small},
        {.title = "anonymous, 2 slots of 3000 B", .initial_sequence = 12345,
         .abort_percent = 3, .writers = 2, .messages_per_writer = n / 4,
         .groups = 1, .slot_bytes = 3000, .slot_count = 2, .cast = small},
        {.title = "named, lossy only, ungated writer", .named = 1,
         .initial_sequence = 77, .writers = 1, .messages_per_writer = 5 * n,
         .slot_bytes = 4000, .slot_count = 8, .cast = lossy_only},
        {.title = "anonymous, lossy only, aborts", .initial_sequence = 3,
         .abort_percent = 25, .writers = 1, .messages_per_writer = 5 * n,
         .slot_bytes = 200, .slot_count = 8, .cast = lossy_only},
        {.title = "named, stream ended mid-write", .named = 1,
         .initial_sequence = 99, .abort_percent = 3, .writers = 3,
         .messages_per_writer = n, .groups = 2, .slot_bytes = 100,
         .slot_count = 16, .cast = full, .stop_percent = 60},
        {.title = "anonymous, paced (wake-ups)", .initial_sequence = 5,
         .abort_percent = 2, .writers = 1,
         .messages_per_writer = 4000 / scale, .groups = 1, .slot_bytes = 32,
         .slot_count = 2, .cast = paced, .pace_ns = 200000},
        {.title = "named, skip_all_to_latest", .named = 1,
         .initial_sequence = 1000, .writers = 1,
         .messages_per_writer = 3 * n, .groups = 2, .slot_bytes = 128,
         .slot_count = 16, .cast = full, .skip_ns = 2000000},
        {.title = "anonymous, 4 slots, frequent skips", .initial_sequence = 7,
         .writers = 1, .messages_per_writer = 3 * n, .groups = 3,
         .slot_bytes = 48, .slot_count = 4, .cast = skippy,
         .skip_ns = 300000},
        /* Capacities that are not a power of two: the slot array is the
         * next one (16, 4, 2, 8), writers are full at the capacity. */
        {.title = "named, 10 slots, u64 wrap, aborts", .named = 1,
         .initial_sequence = 0 - (uint64_t)(3 * n / 2), .abort_percent = 4,
         .writers = 3, .messages_per_writer = n, .groups = 2,
         .slot_bytes = 181, .slot_count = 10, .cast = full},
        {.title = "anonymous, 3 slots, 2^63 crossing, skips",
         .initial_sequence = (1ull << 63) - (uint64_t)n, .writers = 1,
         .messages_per_writer = 3 * n, .groups = 2, .slot_bytes = 64,
         .slot_count = 3, .cast = skippy, .skip_ns = 300000},
        {.title = "anonymous, 1 slot", .initial_sequence = 11,
         .abort_percent = 3, .writers = 2, .messages_per_writer = n / 4,
         .groups = 1, .slot_bytes = 100, .slot_count = 1, .cast = small},
        {.title = "named, 5 slots, lossy only", .named = 1,
         .initial_sequence = 5, .abort_percent = 10, .writers = 1,
         .messages_per_writer = 5 * n, .slot_bytes = 300, .slot_count = 5,
         .cast = lossy_only},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        run(&scenarios[i], tu_mix64(seed + i));
    }
    printf("stress_threads: PASS\n");
    return 0;
}
