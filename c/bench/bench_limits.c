/*
 * bench_limits.c -- what this machine can do without shmring, measured in
 * the same run so every shmring result can be printed as a ratio:
 *
 *   memcpy      single thread, glibc memcpy (the one the library uses), per
 *               message size. "stream": size-byte chunks copied one after the
 *               other through a source and a destination buffer of
 *               max(64 MiB, 2 x L3) each, so every chunk comes from and goes
 *               to memory. "hot": the same source and destination chunk every
 *               time (in L1/L2/L3 depending on size). Buffers are MAP_SHARED
 *               anonymous memory (shmem pages, like a ring segment).
 *   ping-pong   two processes pinned to two CPUs pass one shared cache line
 *               back and forth (plain loads and stores, no pause): round trip
 *               time; one-way = round trip / 2.
 *   raw SPSC    a minimal single-writer single-reader ring of 64 B messages
 *               between two pinned processes, no library: the writer memcpys
 *               B messages into consecutive slots then release-stores its
 *               head; the reader memcpys each out, checks its sequence
 *               number, and release-stores its tail after each batch. The
 *               best a batched ring can hope for with 64 B messages here.
 *               Two geometries: 128 B slots with the message at offset 16
 *               (shmring's: 16 B slot header, so a 64 B message spans two
 *               cache lines) and 64 B slots (one line per message).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Called through a volatile pointer: a real call to glibc's memcpy, as in
 * the library, that the compiler can neither inline nor drop. */
static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;

/* Each limit is the best of this many timed runs, after a warm-up. */
#define LIMIT_TRIALS 5

int64_t bench_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int bench_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void bench_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % bench_cpu_count(), &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

void bench_die_with_parent(void) {
    /* A child spinning or blocked forever must not outlive an interrupted
     * benchmark. */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
}

uint64_t bench_l3_bytes(void) {
    for (int i = 0; i < 8; i++) {
        char path[96], text[64];
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f) break;
        int level = 0;
        if (fscanf(f, "%d", &level) != 1) level = 0;
        fclose(f);
        if (level != 3) continue;
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        f = fopen(path, "r");
        if (!f) break;
        unsigned long long n = 0;
        char unit = 0;
        if (fgets(text, sizeof text, f) && sscanf(text, "%llu%c", &n, &unit) >= 1) {
            if (unit == 'K') n <<= 10;
            if (unit == 'M') n <<= 20;
        }
        fclose(f);
        return n;
    }
    return 0;
}

void bench_cpu_times(double *busy_s, double *steal_s) {
    *busy_s = *steal_s = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    unsigned long long v[10] = {0};
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        double hz = (double)sysconf(_SC_CLK_TCK);
        /* user nice system idle iowait irq softirq steal */
        *busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
        *steal_s = (double)v[7] / hz;
    }
    fclose(f);
}

static double rusage_cpu(const struct rusage *r) {
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
           (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

static void *shared_alloc(uint64_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("shmring_bench: mmap");
        exit(2);
    }
    return p;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- memcpy ---------------------------------------------------------------- */

/* GB/s copying `size`-byte chunks 0, 1, ..., chunks-1, 0, ...: the best of
 * LIMIT_TRIALS timed runs (a limit: a run slowed by another process is not
 * the machine's limit). */
static double memcpy_rate(uint8_t *dst, const uint8_t *src, uint64_t size,
                          uint64_t chunks, double seconds) {
    uint64_t per_check = (1u << 19) / size;
    if (per_check == 0) per_check = 1;
    uint64_t i = 0;
    /* One untimed pass: page tables and caches in their steady state. */
    for (uint64_t k = 0; k < chunks; k++) memcpy_fn(dst + k * size, src + k * size, size);
    double best = 0;
    for (int trial = 0; trial < LIMIT_TRIALS; trial++) {
        int64_t t0 = bench_now_ns(), t;
        int64_t deadline = t0 + (int64_t)(seconds / LIMIT_TRIALS * 1e9);
        uint64_t copies = 0;
        do {
            for (uint64_t k = 0; k < per_check; k++) {
                memcpy_fn(dst + i * size, src + i * size, size);
                if (++i == chunks) i = 0;
            }
            copies += per_check;
            t = bench_now_ns();
        } while (t < deadline);
        double rate = (double)copies * (double)size / (double)(t - t0);
        if (rate > best) best = rate;
    }
    return best;
}

#define DST_SKEW 2112u

static void measure_memcpy(const struct bench_options *o, struct limits *l) {
    uint64_t l3 = bench_l3_bytes();
    uint64_t region = 64ull << 20;
    if (2 * l3 > region) region = 2 * l3;
    l->memcpy_region = region;
    uint64_t largest = 0;
    for (int s = 0; s < o->nsizes; s++) {
        if (o->sizes[s] > largest) largest = o->sizes[s];
    }
    uint64_t bytes = region > 2 * largest ? region : 2 * largest;
    uint8_t *src = shared_alloc(bytes);
    /* The destination starts 2112 B (33 lines) into its mapping so that
     * source and destination addresses differ in their low 12 bits: no 4 KiB
     * aliasing between the loads of one chunk and the stores of the last. */
    uint8_t *dst_map = shared_alloc(bytes + DST_SKEW);
    uint8_t *dst = dst_map + DST_SKEW;
    for (uint64_t k = 0; k < bytes; k++) src[k] = (uint8_t)(k * 131u);
    memset(dst, 0, bytes);
    for (int s = 0; s < o->nsizes; s++) {
        uint64_t size = o->sizes[s];
        uint64_t chunks = region / size;
        if (chunks < 2) chunks = 2;
        l->memcpy_stream_gbs[s] =
            memcpy_rate(dst, src, size, chunks, o->limit_seconds);
        l->memcpy_hot_gbs[s] = memcpy_rate(dst, src, size, 1, o->limit_seconds);
        fprintf(stderr, "  memcpy %llu B: stream %.2f GB/s, hot %.2f GB/s\n",
                (unsigned long long)size, l->memcpy_stream_gbs[s],
                l->memcpy_hot_gbs[s]);
    }
    munmap(src, bytes);
    munmap(dst_map, bytes + DST_SKEW);
}

/* ---- two pinned processes ----------------------------------------------- */

static int wait_children(pid_t a, pid_t b) {
    int bad = 0, status;
    if (waitpid(a, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) bad = 1;
    if (waitpid(b, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) bad = 1;
    return bad ? -1 : 0;
}

struct pingpong {
    _Alignas(128) _Atomic uint64_t ball; /* the one line that moves */
    char pad[120];
    _Alignas(128) _Atomic uint32_t ready;
    double rtt_ns;
};

#define PP_STOP UINT64_MAX /* odd: the responder exits on it */

static void pingpong_responder(struct pingpong *p, int single_cpu) {
    atomic_fetch_add(&p->ready, 1);
    for (;;) {
        uint64_t x;
        while (((x = atomic_load_explicit(&p->ball, memory_order_acquire)) & 1) == 0) {
            if (single_cpu) sched_yield();
        }
        if (x == PP_STOP) return;
        atomic_store_explicit(&p->ball, x + 1, memory_order_release);
    }
}

static void pingpong_initiator(struct pingpong *p, double seconds, int single_cpu) {
    while (atomic_load(&p->ready) == 0) sched_yield();
    uint64_t n = 0;
    double best = 0;
    for (int trial = -1; trial < LIMIT_TRIALS; trial++) { /* -1: warm-up */
        int64_t t0 = bench_now_ns(), t;
        int64_t deadline = t0 + (int64_t)(seconds / LIMIT_TRIALS * 1e9);
        uint64_t counted = 0;
        do {
            for (int k = 0; k < 1024; k++, n++) {
                atomic_store_explicit(&p->ball, 2 * n + 1, memory_order_release);
                while (atomic_load_explicit(&p->ball, memory_order_acquire) != 2 * n + 2) {
                    if (single_cpu) sched_yield();
                }
            }
            counted += 1024;
            t = bench_now_ns();
        } while (t < deadline);
        double rtt = (double)(t - t0) / (double)counted;
        if (trial >= 0 && (best == 0 || rtt < best)) best = rtt;
    }
    p->rtt_ns = best;
    atomic_store_explicit(&p->ball, PP_STOP, memory_order_release);
}

double bench_pingpong_rtt(double seconds) {
    struct pingpong *p = shared_alloc(sizeof *p);
    int single = bench_cpu_count() < 2;
    fflush(NULL);
    pid_t b = fork();
    if (b == 0) {
        bench_die_with_parent();
        bench_pin_to_cpu(1);
        pingpong_responder(p, single);
        _exit(0);
    }
    pid_t a = fork();
    if (a == 0) {
        bench_die_with_parent();
        bench_pin_to_cpu(0);
        pingpong_initiator(p, seconds, single);
        _exit(0);
    }
    if (b < 0 || a < 0 || wait_children(a, b) != 0) {
        fprintf(stderr, "shmring_bench: ping-pong processes failed\n");
        exit(2);
    }
    double rtt = p->rtt_ns;
    munmap(p, sizeof *p);
    return rtt;
}

static void measure_pingpong(const struct bench_options *o, struct limits *l) {
    l->pingpong_rtt_ns = bench_pingpong_rtt(o->limit_seconds);
    l->pingpong_oneway_ns = l->pingpong_rtt_ns / 2;
    l->pingpong_rate = 1e9 / l->pingpong_oneway_ns;
    fprintf(stderr, "  ping-pong: round trip %.1f ns\n", l->pingpong_rtt_ns);
}

/* ---- raw SPSC -------------------------------------------------------------- */

#define SPSC_SLOTS 4096u
#define SPSC_MSG 64u

struct spsc {
    _Alignas(128) _Atomic uint64_t head; /* written by the producer */
    char pad1[120];
    _Alignas(128) _Atomic uint64_t tail; /* written by the consumer */
    char pad2[120];
    _Alignas(128) _Atomic uint32_t ready;
    _Atomic uint32_t stop;
    _Atomic uint64_t errors;
    double rate;
    _Alignas(128) uint8_t slots[];       /* SPSC_SLOTS x stride */
};

/* Where a message starts in its slot: after a 16 B header when the stride
 * is 128 B, as in shmring (the 64 B message then spans two lines). */
static uint32_t spsc_offset(uint32_t stride) { return stride >= 128 ? 16 : 0; }

static void spsc_producer(struct spsc *q, uint32_t stride, uint32_t batch,
                          double seconds) {
    uint32_t offset = spsc_offset(stride);
    uint8_t msg[SPSC_MSG];
    for (uint32_t k = 0; k < SPSC_MSG; k++) msg[k] = (uint8_t)k;
    while (atomic_load(&q->ready) == 0) sched_yield();
    uint64_t h = 0, cached_tail = 0;
    double best = 0;
    for (int trial = -1; trial < LIMIT_TRIALS; trial++) { /* -1: warm-up */
        int64_t t0 = bench_now_ns(), t;
        int64_t deadline = t0 + (int64_t)(seconds / LIMIT_TRIALS * 1e9);
        uint64_t counted = 0;
        do {
            while (h + batch - cached_tail > SPSC_SLOTS) {
                cached_tail = atomic_load_explicit(&q->tail, memory_order_acquire);
                cpu_relax();
            }
            for (uint32_t k = 0; k < batch; k++, h++) {
                memcpy(msg, &h, sizeof h);
                memcpy_fn(q->slots + (h & (SPSC_SLOTS - 1)) * stride + offset,
                          msg, SPSC_MSG);
            }
            atomic_store_explicit(&q->head, h, memory_order_release);
            counted += batch;
            t = bench_now_ns();
        } while (t < deadline);
        double rate = (double)counted * 1e9 / (double)(t - t0);
        if (trial >= 0 && rate > best) best = rate;
    }
    q->rate = best;
    atomic_store(&q->stop, 1);
}

static void spsc_consumer(struct spsc *q, uint32_t stride, uint32_t batch) {
    uint32_t offset = spsc_offset(stride);
    uint8_t out[SPSC_MSG];
    uint64_t t = 0, cached_head = 0, errors = 0;
    atomic_fetch_add(&q->ready, 1);
    for (;;) {
        while (cached_head == t) {
            int stopping = atomic_load(&q->stop);
            cached_head = atomic_load_explicit(&q->head, memory_order_acquire);
            if (cached_head == t && stopping) {
                atomic_store(&q->errors, errors);
                return;
            }
            cpu_relax();
        }
        uint64_t end = cached_head - t > batch ? t + batch : cached_head;
        for (; t < end; t++) {
            memcpy_fn(out, q->slots + (t & (SPSC_SLOTS - 1)) * stride + offset,
                      SPSC_MSG);
            uint64_t seq;
            memcpy(&seq, out, sizeof seq);
            if (seq != t || out[SPSC_MSG - 1] != SPSC_MSG - 1) errors++;
        }
        atomic_store_explicit(&q->tail, t, memory_order_release);
    }
}

static double measure_spsc(const struct bench_options *o, uint32_t stride,
                           uint32_t batch) {
    size_t bytes = sizeof(struct spsc) + (size_t)SPSC_SLOTS * stride;
    struct spsc *q = shared_alloc(bytes);
    fflush(NULL);
    pid_t b = fork();
    if (b == 0) {
        bench_die_with_parent();
        bench_pin_to_cpu(1);
        spsc_consumer(q, stride, batch);
        _exit(0);
    }
    pid_t a = fork();
    if (a == 0) {
        bench_die_with_parent();
        bench_pin_to_cpu(0);
        spsc_producer(q, stride, batch, o->limit_seconds);
        _exit(0);
    }
    if (b < 0 || a < 0 || wait_children(a, b) != 0 || atomic_load(&q->errors)) {
        fprintf(stderr, "shmring_bench: raw SPSC failed (%llu bad messages)\n",
                (unsigned long long)atomic_load(&q->errors));
        exit(2);
    }
    double rate = q->rate;
    munmap(q, bytes);
    fprintf(stderr, "  raw SPSC 64 B, stride %u: %.2f M msg/s\n", stride,
            rate / 1e6);
    return rate;
}

void bench_measure_limits(const struct bench_options *o, struct limits *l) {
    memset(l, 0, sizeof *l);
    double busy0, steal0, busy1, steal1;
    struct rusage self0, kids0, self1, kids1;
    bench_cpu_times(&busy0, &steal0);
    getrusage(RUSAGE_SELF, &self0);
    getrusage(RUSAGE_CHILDREN, &kids0);
    int64_t t0 = bench_now_ns();
    measure_memcpy(o, l);
    measure_pingpong(o, l);
    l->spsc_batch = 64;
    l->spsc_rate_128 = measure_spsc(o, 128, l->spsc_batch);
    l->spsc_rate_64 = measure_spsc(o, 64, l->spsc_batch);
    l->measured = 1;
    double wall = (double)(bench_now_ns() - t0) / 1e9;
    bench_cpu_times(&busy1, &steal1);
    getrusage(RUSAGE_SELF, &self1);
    getrusage(RUSAGE_CHILDREN, &kids1);
    double ours = rusage_cpu(&self1) - rusage_cpu(&self0) + rusage_cpu(&kids1) -
                  rusage_cpu(&kids0);
    l->other_cpu = (busy1 - busy0 - ours) / wall;
    if (l->other_cpu < 0) l->other_cpu = 0;
    l->steal_cpu = (steal1 - steal0) / wall;
}
