/*
 * shmring-bench-limits -- what this machine can do without shmring, measured
 * in the same run as the benchmarks so their results can be read as
 * fractions of it (issue #6; bench/README.md). One JSON line each (row.h):
 *
 *   memcpy-64B, -1MB, -1080p, -2160p (transport "limit-memcpy"): one thread,
 *     glibc memcpy, chunks of the size copied one after another through a
 *     source and a destination region of max(64 MiB, 2 x L3, 2 chunks) each,
 *     so big chunks come from and go to memory. msg_per_s = copies per
 *     second; the best of 3 runs (a limit: a run slowed by others is not it).
 *   pingpong "limit-cacheline": two processes (pinned to CPU 0 and 1 when
 *     there are two) spin on shared memory: the pinger stores i in its cache
 *     line, the ponger waits for it and stores i in its own line, the pinger
 *     waits for that. p50_us/p99_us: one way (half a round trip, which
 *     includes one clock read); msg_per_s: round trips per second.
 *   pingpong "limit-futex": the same, but each side sleeps in FUTEX_WAIT
 *     and is woken by the other's FUTEX_WAKE: the cost of a wake-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "row.h"

#define TRIALS 3
#define MAX_SAMPLES (4u << 20)
/* The pinger gives up waiting this long after its window: a dead ponger. */
#define HANG_NS (5 * 1000000000ll)
#define STOP UINT32_MAX

/* A real call to glibc's memcpy that the compiler can neither inline nor drop. */
static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;

static void *shared_alloc(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* ---- memcpy ---------------------------------------------------------------- */

static double copies_per_second(uint8_t *dst, const uint8_t *src, size_t size,
                                size_t chunks, double seconds) {
    double best = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds / TRIALS * 1e9), t;
        uint64_t copies = 0;
        size_t i = 0;
        do {
            /* Read the clock every ~1 MB of copying. */
            for (size_t k = 0; k < (1u << 20) / size + 1; k++, copies++) {
                memcpy_fn(dst + i * size, src + i * size, size);
                i = i + 1 == chunks ? 0 : i + 1;
            }
            t = now_ns();
        } while (t < end);
        double rate = (double)copies / ((double)(t - t0) / 1e9);
        if (rate > best) best = rate;
    }
    return best;
}

static int measure_memcpy(const char *workload, size_t size, double seconds) {
    size_t region = 64u << 20;
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (l3 > 0 && 2 * (size_t)l3 > region) region = 2 * (size_t)l3;
    if (2 * size > region) region = 2 * size;
    size_t chunks = region / size;
    struct row row = {workload, "limit-memcpy", size, 0, -1, -1, "ok", 0};
    uint8_t *src = shared_alloc(region), *dst = shared_alloc(region);
    if (!src || !dst) {
        row.status = "FAILED: mmap";
    } else {
        memset(src, 0x5A, region); /* every page present before timing */
        memset(dst, 0, region);
        row.msg_per_s = copies_per_second(dst, src, size, chunks, seconds);
    }
    row_print(&row);
    if (src) munmap(src, region);
    if (dst) munmap(dst, region);
    return row.msg_per_s > 0 ? 0 : 1;
}

/* ---- ping-pong --------------------------------------------------------------- */

struct lines {
    _Alignas(64) _Atomic uint32_t ping; /* the pinger's line */
    _Alignas(64) _Atomic uint32_t pong; /* the ponger's line */
};

static long futex(_Atomic uint32_t *word, int op, uint32_t value) {
    /* Not FUTEX_PRIVATE_FLAG: the two processes share the word by mapping. */
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static inline void pause_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until *word == want (or STOP); returns what it saw. */
static uint32_t await(_Atomic uint32_t *word, uint32_t want, int use_futex, int64_t give_up) {
    for (unsigned spins = 0;; spins++) {
        /* SYNC(pingpong): pairs with the other side's release store in publish(). */
        uint32_t seen = atomic_load_explicit(word, memory_order_acquire);
        if (seen == want || seen == STOP) return seen;
        if (use_futex) futex(word, FUTEX_WAIT, seen);
        else pause_cpu();
        if (spins % 4096 == 4095 && now_ns() > give_up) return STOP;
    }
}

static void publish(_Atomic uint32_t *word, uint32_t value, int use_futex) {
    /* SYNC(pingpong): pairs with the other side's acquire load in await(). */
    atomic_store_explicit(word, value, memory_order_release);
    if (use_futex) futex(word, FUTEX_WAKE, 1);
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

static int compare_ns(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int measure_pingpong(const char *transport, int use_futex, double seconds) {
    struct row row = {"pingpong", transport, 64, 0, -1, -1, "ok", 0};
    struct lines *s = shared_alloc(sizeof *s);
    int64_t *samples = malloc(MAX_SAMPLES * sizeof *samples);
    int pinned = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pid_t child = s && samples ? fork() : -1;
    if (child == 0) { /* the ponger */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (pinned) pin(1);
        for (uint32_t i = 1; await(&s->ping, i, use_futex, INT64_MAX) != STOP; i++) {
            publish(&s->pong, i, use_futex);
        }
        _exit(0);
    }
    uint32_t n = 0;
    if (child > 0) {
        if (pinned) pin(0);
        int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9), t = t0;
        while (t < end && n < MAX_SAMPLES) {
            int64_t began = t;
            publish(&s->ping, n + 1, use_futex);
            if (await(&s->pong, n + 1, use_futex, end + HANG_NS) != n + 1) break;
            t = now_ns();
            samples[n++] = t - began;
        }
        row.msg_per_s = (double)n / ((double)(t - t0) / 1e9);
        publish(&s->ping, STOP, use_futex);
        waitpid(child, NULL, 0);
        sched_setaffinity(0, sizeof saved, &saved);
    }
    if (n == 0 || child < 0) {
        row.status = "FAILED: no round trip";
        row.msg_per_s = 0;
    } else {
        qsort(samples, n, sizeof *samples, compare_ns);
        row.p50_us = (double)samples[n / 2] / 2000.0;
        row.p99_us = (double)samples[(size_t)(0.99 * (n - 1))] / 2000.0;
    }
    row_print(&row);
    free(samples);
    if (s) munmap(s, sizeof *s);
    return row.msg_per_s > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    double seconds = 2.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: shmring-bench-limits [--duration SECONDS]\n"
                            "One JSON line per limit on stdout.\n");
            return 2;
        }
    }
    if (seconds <= 0) {
        fprintf(stderr, "shmring-bench-limits: --duration must be positive\n");
        return 2;
    }
    int failed = 0;
    failed |= measure_memcpy("memcpy-64B", 64, seconds);
    failed |= measure_memcpy("memcpy-1MB", 1u << 20, seconds);
    failed |= measure_memcpy("memcpy-1080p", 6220800, seconds);
    failed |= measure_memcpy("memcpy-2160p", 24883200, seconds);
    failed |= measure_pingpong("limit-cacheline", 0, seconds);
    failed |= measure_pingpong("limit-futex", 1, seconds);
    return failed;
}
