/*
 * stress_processes.c -- the checks of stress_threads.c with every writer and
 * reader in its own forked process (see stress_common.h for the workload
 * and the checks). Results come back through a MAP_SHARED anonymous
 * mapping made before fork(); the parent waits for every child and asserts.
 *
 * Scenarios:
 *   1. named ring: the parent creates it and detaches (shmring_close)
 *      before forking; each child attaches with shmring_open(name) after
 *      fork; the parent re-attaches at the end to check the final state.
 *      Aborted reservations; sequences wrapping past 2^64; mid-stream
 *      joiners and early leavers.
 *   2. anonymous ring (name NULL) inherited across fork(): children open
 *      their writer / reader handles on the inherited ring handle.
 *   3. named ring, stream ended by a writer while the others write.
 *   4. anonymous ring, one writer and lossy readers only.
 *   5. anonymous ring, one writer, a skipper process calling
 *      shmring_skip_all_to_latest() now and then (see stress_threads.c).
 *   6. named ring of 6 slots (not a power of two), sequences wrapping past
 *      2^64: no gating reader ever has more than 6 messages unread.
 *
 * A child that fails prints why and exits 1; the parent then kills the
 * other children (they die with the parent anyway: PR_SET_PDEATHSIG) and
 * fails. Seed: $SHMRING_TEST_SEED, else random (printed).
 */
#include "stress_common.h"

#include <sys/prctl.h>
#include <sys/wait.h>

static pid_t g_children[SC_MAX_WORKERS];
static uint32_t g_nchildren;

static void kill_children(void) {
    for (uint32_t i = 0; i < g_nchildren; i++) {
        if (g_children[i] > 0) {
            kill(g_children[i], SIGKILL);
            waitpid(g_children[i], NULL, 0);
            g_children[i] = 0;
        }
    }
}

static void child_main(struct sc_shared *sh, uint32_t index,
                       shmring_ring_t *inherited, pid_t parent) {
    /* Die with the parent; a child must never outlive a failed test. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        _exit(3);
    }
    tu_watchdog(SC_SANITIZED ? 600 : 300);
    shmring_ring_t *ring = inherited;
    if (sh->cfg.name[0]) {
        CHECK(inherited == NULL);
        CHECK_OK(shmring_open(sh->cfg.name, 1000000000, &ring));
    }
    sc_worker_run(sh, index, ring);
    if (sh->cfg.name[0]) CHECK_OK(shmring_close(ring));
    fflush(stdout);
    exit(0); /* (exit, not _exit: the leak checker runs in each child) */
}

static void run(const struct sc_scenario *s, uint64_t seed) {
    struct sc_config cfg = sc_config_for(s, seed);
    if (s->named) tu_segment_name(cfg.name, sizeof cfg.name, "stress-proc");
    struct sc_shared *sh = sc_shared_create(&cfg);
    sc_add_cast(sh, &s->cast);

    shmring_ring_t *ring = sc_create_ring(s, &cfg);
    if (s->named) {
        /* Nobody is attached while the children start: the name and the
         * stream must stay. */
        CHECK_OK(shmring_close(ring));
        ring = NULL;
    }

    int64_t t0 = tu_now_ns();
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    g_nchildren = sh->nworkers;
    for (uint32_t i = 0; i < sh->nworkers; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            int err = errno;
            kill_children();
            TU_FAIL("fork: %s", strerror(err));
        }
        if (pid == 0) child_main(sh, i, ring, parent);
        g_children[i] = pid;
    }

    /* Reap; the first failure kills the rest. */
    uint32_t remaining = sh->nworkers;
    int64_t give_up = tu_now_ns() + (SC_SANITIZED ? 500 : 250) * 1000000000ll;
    while (remaining > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            uint32_t i = 0;
            while (i < g_nchildren && g_children[i] != pid) i++;
            if (i == g_nchildren) continue; /* not one of ours */
            g_children[i] = 0;
            remaining--;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                kill_children();
                if (WIFSIGNALED(status)) {
                    TU_FAIL("%s: child %s (pid %d) was killed by signal %d",
                            s->title, sh->workers[i].label, (int)pid,
                            WTERMSIG(status));
                }
                TU_FAIL("%s: child %s (pid %d) exited with status %d (its "
                        "reason is printed above)",
                        s->title, sh->workers[i].label, (int)pid,
                        WEXITSTATUS(status));
            }
            continue;
        }
        if (tu_now_ns() > give_up) {
            for (uint32_t i = 0; i < g_nchildren; i++) {
                if (g_children[i] > 0) {
                    fprintf(stderr, "still running: %s (pid %d)\n",
                            sh->workers[i].label, (int)g_children[i]);
                }
            }
            kill_children();
            TU_FAIL("%s: children did not finish in time (a hang?)",
                    s->title);
        }
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    double seconds = (double)(tu_now_ns() - t0) / 1e9;

    if (s->named) CHECK_OK(shmring_open(cfg.name, 1000000000, &ring));
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
    printf("stress_processes: seed %llu (rerun with SHMRING_TEST_SEED=%llu)"
           "\n",
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
    const struct sc_cast lossy_only = {.lossy = 3};
    const uint32_t n = 40000 / scale;
    const struct sc_scenario scenarios[] = {
        {.title = "named, by name after fork", .named = 1,
         .initial_sequence = 0 - (uint64_t)n, .abort_percent = 4,
         .writers = 3, .messages_per_writer = n, .groups = 2,
         .slot_bytes = 181, .slot_count = 32, .cast = full},
        {.title = "anonymous, inherited by fork", .initial_sequence = 3,
         .abort_percent = 4, .writers = 3, .messages_per_writer = n,
         .groups = 2, .slot_bytes = 100, .slot_count = 16, .cast = full},
        {.title = "named, stream ended mid-write", .named = 1,
         .initial_sequence = 1ull << 40, .abort_percent = 3, .writers = 3,
         .messages_per_writer = n / 2, .groups = 2, .slot_bytes = 64,
         .slot_count = 8, .cast = full, .stop_percent = 60},
        {.title = "anonymous, lossy only", .initial_sequence = 0,
         .writers = 1, .messages_per_writer = 4 * n, .slot_bytes = 2000,
         .slot_count = 8, .cast = lossy_only},
        {.title = "anonymous, skip_all_to_latest", .initial_sequence = 0,
         .writers = 1, .messages_per_writer = 2 * n, .groups = 2,
         .slot_bytes = 128, .slot_count = 16, .cast = full,
         .skip_ns = 2000000},
        {.title = "named, 6 slots (not a power of two)", .named = 1,
         .initial_sequence = 0 - (uint64_t)n, .abort_percent = 4,
         .writers = 3, .messages_per_writer = n, .groups = 2,
         .slot_bytes = 150, .slot_count = 6, .cast = full},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        run(&scenarios[i], tu_mix64(seed + 1000 + i));
    }
    printf("stress_processes: PASS\n");
    return 0;
}
