/*
 * bench_ring.c -- one shmring case: W writer processes and R reader
 * processes (fork), one ring, a timed window, every message verified.
 *
 * Sequence of a case
 *   1. The parent creates the ring: anonymous (memfd, inherited by fork) or,
 *      with --named, a named segment every child attaches with shmring_open.
 *   2. Readers are forked and open their handles (broadcast, or members of
 *      group "g"); then writers are forked and open theirs. Everyone reports
 *      ready; the parent publishes the window [start, end) and says go.
 *   3. Writers write from go until `end` (warm-up = go .. start), and with
 *      --inject-fault at least until message BENCH_FAULT_AT, then close
 *      their writer handle. Readers read until SHMRING_ECLOSED. The parent
 *      also calls shmring_close_stream once every writer has exited.
 *   4. Rates are counted at the readers: messages a reader received in a call
 *      that returned inside the window, divided by the window length.
 *
 * Message format (tag = (writer index + 1) << 56 | per-writer sequence number)
 *   copy mode      offset 0: tag; offset size-8: check(tag); every other
 *                  8-byte word at offset o holds body(o) (written once into
 *                  the writer's source buffers). The writer changes only the
 *                  first and last words per message; shmring_write* copies
 *                  the whole message. The reader checks the length, the tag,
 *                  the last word and one body word whose offset depends on
 *                  the sequence number.
 *   zero-copy      the writer reserves a slot, stores tag at offset 0 and
 *                  check(tag) at offset 8 (16 bytes, the rest of the slot is
 *                  left as it is) and commits `size` bytes; the reader peeks,
 *                  checks the length and those 16 bytes, and releases.
 *   Each reader checks sequence numbers per writer: broadcast readers must
 *   see 0, 1, 2, ... from every writer (no loss, no duplicate, in order);
 *   group members must see strictly increasing numbers. At the end the parent
 *   checks per writer that each broadcast reader received exactly what was
 *   written, and that the members together received it exactly once (count
 *   and sum of sequence numbers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "shmring.h"

#define GROUP_NAME "g"
#define SEQ_MASK ((1ull << 56) - 1)
#define SETUP_TIMEOUT_NS 10000000000ll  /* children must be ready by then */
/* Watchdog: after the window, a case whose processes made no progress
 * (no message written or received, no process exited) for this long is a
 * hang -- a bug, reported as an error -- not a slow run. */
#define STALL_TIMEOUT_NS 20000000000ll

static const char *const topo_names[TOPO_COUNT] = {"1to1", "2to1", "1to4",
                                                    "1tog2"};
static const char *const topo_labels[TOPO_COUNT] = {
    "1→1", "2→1", "1→4 broadcast", "1→group of 2"};
static const char *const mode_names[MODE_COUNT] = {"copy", "zero-copy"};

const char *topology_name(int t) { return topo_names[t]; }
const char *topology_label(int t) { return topo_labels[t]; }
const char *mode_name(int m) { return mode_names[m]; }

uint64_t default_slots(uint64_t size) {
    if (size <= 1024) return 4096;
    if (size <= (64u << 10)) return 512;
    if (size <= (2u << 20)) return 16;
    return 8;
}

uint32_t default_batch(uint64_t size) {
    if (size <= 1024) return 64;
    if (size <= (16u << 10)) return 16;
    return 1;
}

/* ---- message format ---------------------------------------------------- */

static inline uint64_t make_tag(uint32_t writer, uint64_t seq) {
    return ((uint64_t)(writer + 1) << 56) | (seq & SEQ_MASK);
}
static inline uint64_t check_word(uint64_t tag) {
    return (tag * 0x9E3779B97F4A7C15ull) ^ 0x5A5A5A5A5A5A5A5Aull;
}
static inline uint64_t body_word(uint64_t offset) {
    return (offset * 0xD6E8FEB86659FD93ull) ^ 0xC3C3C3C3C3C3C3C3ull;
}
static inline uint64_t load64(const void *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void store64(void *p, uint64_t v) { memcpy(p, &v, sizeof v); }
/* The body word a reader checks for sequence seq (0: none). */
static inline uint64_t body_offset(uint64_t size, uint64_t seq) {
    uint64_t words = (size - 16) / 8;
    return words ? 8 + (seq * 2654435761u % words) * 8 : 0;
}

/* ---- shared state of a case ------------------------------------------- */

struct report {                             /* one per child, own lines */
    _Alignas(128) uint64_t written;         /* writer: messages so far */
    uint64_t window_msgs;                   /* reader: received in window */
    uint64_t received[BENCH_MAX_WRITERS];   /* reader, per writer */
    uint64_t seq_sum[BENCH_MAX_WRITERS];    /* reader, per writer, mod 2^64 */
    uint64_t errors;
    uint64_t injected;                      /* writer: faults planted */
    int done;
    char first_error[240];
};

struct control {
    _Atomic uint32_t ready;
    _Atomic uint32_t go;
    int64_t start_ns, end_ns;               /* published by go (release) */
    struct report procs[BENCH_MAX_PROCS];
};

struct ctx {
    const struct bench_options *o;
    int mode;
    uint64_t size;
    uint32_t batch;
    uint32_t nwriters, nreaders;
    int group;
    shmring_ring_t *ring;                   /* the parent's handle */
    const char *name;                       /* NULL: anonymous */
    struct control *ctl;
};

static void fail(struct report *rep, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct report *rep, const char *format, ...) {
    char text[sizeof rep->first_error];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    if (rep->errors++ == 0) memcpy(rep->first_error, text, sizeof text);
    if (rep->errors <= 5) fprintf(stderr, "shmring_bench: ERROR %s\n", text);
}

static void *xalloc(uint64_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "shmring_bench: out of memory (%llu bytes)\n",
                (unsigned long long)bytes);
        _exit(3);
    }
    return p;
}

/* ---- children ---------------------------------------------------------- */

static shmring_ring_t *child_ring(struct ctx *c, struct report *rep) {
    if (!c->name) return c->ring;
    shmring_ring_t *ring;
    int rc = shmring_open(c->name, 1000000000, &ring);
    if (rc != SHMRING_OK) {
        fail(rep, "shmring_open(%s): %s", c->name, shmring_last_error());
        return NULL;
    }
    return ring;
}

static void wait_go(struct ctx *c) {
    while (!atomic_load_explicit(&c->ctl->go, memory_order_acquire)) {
        nanosleep(&(struct timespec){0, 50000}, NULL);
    }
}

/* Whether the writer must go on past the window: --inject-fault's message
 * is not written yet. */
static int fault_due(const struct ctx *c, uint64_t seq) {
    return c->o->inject_fault && seq <= BENCH_FAULT_AT;
}

static void writer_copy(struct ctx *c, uint32_t index, shmring_writer_t *w,
                        struct report *rep) {
    uint64_t size = c->size;
    uint32_t batch = c->batch;
    uint8_t *src = xalloc(batch * size);
    const void **datas = xalloc(batch * sizeof *datas);
    uint64_t *lengths = xalloc(batch * sizeof *lengths);
    for (uint32_t i = 0; i < batch; i++) {
        uint8_t *m = src + (uint64_t)i * size;
        for (uint64_t off = 0; off + 8 <= size; off += 8) {
            store64(m + off, body_word(off));
        }
        datas[i] = m;
        lengths[i] = size;
    }
    uint64_t seq = 0;
    int64_t end = c->ctl->end_ns;
    while (bench_now_ns() < end || fault_due(c, seq)) {
        for (uint32_t i = 0; i < batch; i++) {
            uint8_t *m = src + (uint64_t)i * size;
            uint64_t tag = make_tag(index, seq + i);
            store64(m, tag);
            store64(m + size - 8, check_word(tag));
        }
        int faulty = c->o->inject_fault && seq <= BENCH_FAULT_AT &&
                     BENCH_FAULT_AT < seq + batch;
        if (faulty) { /* --inject-fault */
            store64(src + (BENCH_FAULT_AT - seq) * size + size - 8, 0);
        }
        uint32_t written = 0;
        int rc;
        if (batch == 1) {
            rc = shmring_write(w, src, size, -1);
            written = rc == SHMRING_OK;
        } else {
            rc = shmring_write_batch(w, datas, lengths, batch, &written, -1);
        }
        if (rc != SHMRING_OK) {
            fail(rep, "writer %u: write: %s", index, shmring_last_error());
            break;
        }
        /* Counted once written (a batch may go in parts, restamped). */
        rep->injected += faulty && BENCH_FAULT_AT < seq + written;
        seq += written;
        rep->written = seq;                 /* progress, for the watchdog */
    }
    free(src);
    free(datas);
    free(lengths);
}

static void writer_zerocopy(struct ctx *c, uint32_t index, shmring_writer_t *w,
                            struct report *rep) {
    uint64_t seq = 0;
    int64_t end = c->ctl->end_ns;
    for (;;) {
        /* One clock read per `batch` messages. */
        if (seq % c->batch == 0 && !fault_due(c, seq) && bench_now_ns() >= end) {
            break;
        }
        void *slot;
        int rc = shmring_reserve(w, &slot, -1);
        if (rc != SHMRING_OK) {
            fail(rep, "writer %u: reserve: %s", index, shmring_last_error());
            break;
        }
        uint64_t tag = make_tag(index, seq);
        store64(slot, tag);
        store64((uint8_t *)slot + 8, check_word(tag));
        if (c->o->inject_fault && seq == BENCH_FAULT_AT) {
            store64(slot, 0); /* --inject-fault */
            rep->injected++;
        }
        rc = shmring_commit(w, c->size);
        if (rc != SHMRING_OK) {
            fail(rep, "writer %u: commit: %s", index, shmring_last_error());
            break;
        }
        rep->written = ++seq;               /* progress, for the watchdog */
    }
}

static void writer_main(struct ctx *c, uint32_t index) {
    struct report *rep = &c->ctl->procs[index];
    shmring_ring_t *ring = child_ring(c, rep);
    shmring_writer_t *w = NULL;
    if (ring && shmring_writer_open(ring, &w) != SHMRING_OK) {
        fail(rep, "writer %u: shmring_writer_open: %s", index,
             shmring_last_error());
    }
    atomic_fetch_add(&c->ctl->ready, 1);
    if (!w) _exit(1);
    wait_go(c);
    if (c->mode == MODE_COPY) {
        writer_copy(c, index, w, rep);
    } else {
        writer_zerocopy(c, index, w, rep);
    }
    shmring_writer_close(w);
    if (c->name) shmring_close(ring);
    rep->done = 1;
    _exit(0);
}

/* Per-reader verification state. */
struct verifier {
    struct ctx *c;
    struct report *rep;
    uint32_t reader;
    uint64_t next[BENCH_MAX_WRITERS];       /* broadcast: expected */
    uint64_t last[BENCH_MAX_WRITERS];       /* member: last seen + 1 (0 none) */
};

static void verify(struct verifier *v, const uint8_t *p, uint64_t length) {
    struct ctx *c = v->c;
    uint64_t size = c->size;
    if (length != size) {
        fail(v->rep, "reader %u: length %llu, expected %llu", v->reader,
             (unsigned long long)length, (unsigned long long)size);
        return;
    }
    uint64_t tag = load64(p);
    uint32_t w = (uint32_t)(tag >> 56) - 1;
    uint64_t seq = tag & SEQ_MASK;
    if (w >= c->nwriters) {
        fail(v->rep, "reader %u: bad tag 0x%016llx", v->reader,
             (unsigned long long)tag);
        return;
    }
    if (c->mode == MODE_COPY) {
        uint64_t body = body_offset(size, seq);
        if (load64(p + size - 8) != check_word(tag)) {
            fail(v->rep, "reader %u: writer %u seq %llu: bad last word",
                 v->reader, w, (unsigned long long)seq);
        } else if (body && load64(p + body) != body_word(body)) {
            fail(v->rep, "reader %u: writer %u seq %llu: bad body word at %llu",
                 v->reader, w, (unsigned long long)seq,
                 (unsigned long long)body);
        }
    } else if (load64(p + 8) != check_word(tag)) {
        fail(v->rep, "reader %u: writer %u seq %llu: bad check word",
             v->reader, w, (unsigned long long)seq);
    }
    if (!c->group) {
        if (seq != v->next[w]) {
            fail(v->rep, "reader %u: writer %u: expected seq %llu, got %llu",
                 v->reader, w, (unsigned long long)v->next[w],
                 (unsigned long long)seq);
        }
        v->next[w] = seq + 1;
    } else {
        if (v->last[w] && seq < v->last[w]) {
            fail(v->rep, "reader %u: writer %u: seq %llu after %llu",
                 v->reader, w, (unsigned long long)seq,
                 (unsigned long long)(v->last[w] - 1));
        }
        v->last[w] = seq + 1;
    }
    v->rep->received[w]++;
    v->rep->seq_sum[w] += seq;
}

static void reader_main(struct ctx *c, uint32_t index) {
    struct report *rep = &c->ctl->procs[index];
    uint32_t me = index - c->nwriters;
    shmring_ring_t *ring = child_ring(c, rep);
    shmring_reader_t *r = NULL;
    if (ring && shmring_reader_open(ring, c->group ? GROUP_NAME : NULL, 0, &r) !=
                    SHMRING_OK) {
        fail(rep, "reader %u: shmring_reader_open: %s", me,
             shmring_last_error());
    }
    atomic_fetch_add(&c->ctl->ready, 1);
    if (!r) _exit(1);
    wait_go(c);
    int64_t start = c->ctl->start_ns, end = c->ctl->end_ns;
    uint64_t size = c->size;
    uint32_t batch = c->batch;
    struct verifier v = {.c = c, .rep = rep, .reader = me};
    uint8_t *buffer = c->mode == MODE_COPY ? xalloc(batch * size) : NULL;
    uint64_t *lengths = xalloc(batch * sizeof *lengths);
    const void **datas = xalloc(batch * sizeof *datas);
    uint64_t window = 0;
    for (;;) {
        uint32_t count = 0;
        int rc;
        if (c->mode == MODE_COPY) {
            if (batch == 1) {
                rc = shmring_read(r, buffer, size, &lengths[0], -1);
                count = rc == SHMRING_OK;
            } else {
                rc = shmring_read_batch(r, buffer, batch * size, lengths, batch,
                                        &count, -1);
            }
        } else if (batch == 1) {
            rc = shmring_peek(r, &datas[0], &lengths[0], -1);
            count = rc == SHMRING_OK;
        } else {
            rc = shmring_peek_batch(r, datas, lengths, batch, &count, -1);
        }
        if (rc == SHMRING_ECLOSED) break;
        if (rc != SHMRING_OK) {
            fail(rep, "reader %u: %s: %s", me,
                 c->mode == MODE_COPY ? "read" : "peek", shmring_last_error());
            break;
        }
        int64_t now = bench_now_ns();
        if (now >= start && now < end) window += count;
        if (c->mode == MODE_COPY) {
            const uint8_t *p = buffer;
            for (uint32_t i = 0; i < count; i++) {
                verify(&v, p, lengths[i]);
                p += lengths[i];
            }
        } else {
            for (uint32_t i = 0; i < count; i++) verify(&v, datas[i], lengths[i]);
            if ((rc = shmring_release(r)) != SHMRING_OK) {
                fail(rep, "reader %u: release: %s", me, shmring_last_error());
                break;
            }
        }
    }
    rep->window_msgs = window;
    shmring_reader_close(r);
    if (c->name) shmring_close(ring);
    free(buffer);
    free(lengths);
    free(datas);
    rep->done = 1;
    _exit(0);
}

/* ---- the parent -------------------------------------------------------- */

struct child {
    pid_t pid;
    int exited;
    int is_writer;
};

static pid_t spawn(struct ctx *c, uint32_t index, int is_writer) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        bench_die_with_parent();
        if (c->o->pin) bench_pin_to_cpu((int)index);
        if (is_writer) writer_main(c, index);
        reader_main(c, index);
    }
    return pid;
}

static double tv_seconds(struct timeval t) {
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* Waits for ready == n, or gives up (children that exited count as not
 * ready). Returns 0 when all are ready. */
static int wait_ready(struct control *ctl, uint32_t n) {
    int64_t give_up = bench_now_ns() + SETUP_TIMEOUT_NS;
    while (atomic_load(&ctl->ready) < n) {
        if (bench_now_ns() > give_up) return -1;
        nanosleep(&(struct timespec){0, 100000}, NULL);
    }
    return 0;
}

int bench_run_case(const struct bench_options *o, int topology, int mode,
                   uint64_t size, uint64_t slots, uint32_t batch,
                   struct case_result *res) {
    static unsigned case_counter;
    memset(res, 0, sizeof *res);
    res->topology = topology;
    res->mode = mode;
    res->size = size;
    res->slots = slots;
    res->batch = batch;

    /* Where the hypervisor put our two CPUs right now (it changes). */
    res->pingpong_rtt_ns = bench_pingpong_rtt(o->quick ? 0.005 : 0.02);

    struct ctx c = {.o = o, .mode = mode, .size = size, .batch = batch};
    c.nwriters = topology == TOPO_2TO1 ? 2 : 1;
    c.nreaders = topology == TOPO_1TO4 ? 4 : topology == TOPO_1TOG2 ? 2 : 1;
    c.group = topology == TOPO_1TOG2;
    c.ctl = mmap(NULL, sizeof *c.ctl, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c.ctl == MAP_FAILED) {
        perror("shmring_bench: mmap");
        res->errors = 1;
        return -1;
    }
    char name[64];
    if (o->named) {
        /* pid + a time nonce: sandboxed runs can share pids and /dev/shm. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(name, sizeof name, "/shmring_bench_%d_%lx_%u", (int)getpid(),
                 (unsigned long)now.tv_nsec, case_counter++);
        c.name = name;
    }
    shmring_options_t *opts;
    int rc = shmring_options_create(&opts);
    if (rc == SHMRING_OK) {
        shmring_options_set_max_writers(opts, 4);
        shmring_options_set_max_readers(opts, 8);
        shmring_options_set_max_groups(opts, 2);
        rc = shmring_create(c.name, size, slots, opts, &c.ring);
        shmring_options_destroy(opts);
    }
    if (rc != SHMRING_OK) {
        fprintf(stderr, "shmring_bench: ERROR shmring_create(%llu B x %llu): %s\n",
                (unsigned long long)size, (unsigned long long)slots,
                shmring_last_error());
        munmap(c.ctl, sizeof *c.ctl);
        res->errors = 1;
        return -1;
    }

    double busy0, steal0, busy1, steal1;
    bench_cpu_times(&busy0, &steal0);

    /* Readers first (a reader sees messages written after it joined), then
     * writers. Child index: writers 0..W-1, readers W..W+R-1. */
    struct child kids[BENCH_MAX_PROCS] = {{0, 0, 0}};
    uint32_t nkids = c.nwriters + c.nreaders;
    int setup_failed = 0;
    for (uint32_t i = c.nwriters; i < nkids; i++) {
        kids[i].pid = spawn(&c, i, 0);
        if (kids[i].pid < 0) setup_failed = 1;
    }
    if (!setup_failed && wait_ready(c.ctl, c.nreaders) != 0) setup_failed = 1;
    for (uint32_t i = 0; i < c.nwriters && !setup_failed; i++) {
        kids[i].is_writer = 1;
        kids[i].pid = spawn(&c, i, 1);
        if (kids[i].pid < 0) setup_failed = 1;
    }
    if (!setup_failed && wait_ready(c.ctl, nkids) != 0) setup_failed = 1;
    for (uint32_t i = 0; i < nkids; i++) {
        if (c.ctl->procs[i].errors) setup_failed = 1;
    }

    int64_t go = bench_now_ns();
    c.ctl->start_ns = go + (int64_t)(o->warmup * 1e9);
    c.ctl->end_ns = c.ctl->start_ns + (int64_t)(o->duration * 1e9);
    if (setup_failed) {
        fprintf(stderr, "shmring_bench: ERROR case setup failed\n");
        res->errors++;
        c.ctl->end_ns = go; /* writers stop at once */
        shmring_close_stream(c.ring);
    }
    atomic_store_explicit(&c.ctl->go, 1, memory_order_release);

    /* Reap children; close the stream once the writers are gone; watchdog. */
    int64_t last_progress_ns = c.ctl->end_ns;
    uint64_t last_count = 0;
    int stream_closed = setup_failed, killed = 0;
    uint32_t left = 0;
    for (uint32_t i = 0; i < nkids; i++) left += kids[i].pid > 0;
    for (uint32_t i = 0; i < nkids; i++) kids[i].exited = kids[i].pid <= 0;
    while (left > 0) {
        int progress = 0;
        for (uint32_t i = 0; i < nkids; i++) {
            if (kids[i].exited) continue;
            int status;
            struct rusage ru;
            pid_t p = wait4(kids[i].pid, &status, WNOHANG, &ru);
            if (p == 0) continue;
            kids[i].exited = 1;
            left--;
            progress = 1;
            if (p < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr,
                        "shmring_bench: ERROR %s %u (pid %d) ended abnormally "
                        "(status 0x%x)\n",
                        kids[i].is_writer ? "writer" : "reader", i,
                        (int)kids[i].pid, p < 0 ? -1 : status);
                res->errors++;
                if (!stream_closed) shmring_close_stream(c.ring);
                stream_closed = 1;
            }
            if (p < 0) continue;
            double cpu = tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime);
            if (kids[i].is_writer) {
                res->writer_cpu += cpu;
            } else {
                res->reader_cpu += cpu;
            }
            res->vcsw_per_s += (double)ru.ru_nvcsw;
            res->ivcsw_per_s += (double)ru.ru_nivcsw;
        }
        if (!stream_closed) {
            int writers_left = 0;
            for (uint32_t i = 0; i < c.nwriters; i++) writers_left += !kids[i].exited;
            if (!writers_left) {
                shmring_close_stream(c.ring);
                stream_closed = 1;
            }
        }
        /* Children store their counts as they go (relaxed reads: only
         * whether they change matters). */
        uint64_t count = 0;
        for (uint32_t i = 0; i < nkids; i++) {
            const struct report *rep = &c.ctl->procs[i];
            count += __atomic_load_n(&rep->written, __ATOMIC_RELAXED);
            for (uint32_t w = 0; w < BENCH_MAX_WRITERS; w++) {
                count += __atomic_load_n(&rep->received[w], __ATOMIC_RELAXED);
            }
        }
        int64_t now = bench_now_ns();
        if (count != last_count || progress) {
            last_count = count;
            if (now > last_progress_ns) last_progress_ns = now;
        }
        if (left > 0 && !progress) {
            if (now - last_progress_ns > STALL_TIMEOUT_NS) {
                if (!killed) {
                    fprintf(stderr,
                            "shmring_bench: ERROR case hung: %u process(es) "
                            "made no progress for %.0f s after the window; "
                            "killing them\n",
                            left, STALL_TIMEOUT_NS / 1e9);
                    res->errors++;
                    for (uint32_t i = 0; i < nkids; i++) {
                        if (!kids[i].exited) kill(kids[i].pid, SIGKILL);
                    }
                    killed = 1;
                }
            }
            nanosleep(&(struct timespec){0, 2000000}, NULL);
        }
    }
    double run_s = (double)(bench_now_ns() - go) / 1e9;
    bench_cpu_times(&busy1, &steal1);
    res->pingpong_after_ns = bench_pingpong_rtt(o->quick ? 0.005 : 0.02);

    /* Collect and cross-check. */
    for (uint32_t i = 0; i < nkids; i++) res->errors += c.ctl->procs[i].errors;
    for (uint32_t w = 0; w < c.nwriters; w++) res->injected += c.ctl->procs[w].injected;
    for (uint32_t w = 0; w < c.nwriters && !setup_failed && !killed; w++) {
        uint64_t n = c.ctl->procs[w].written;
        res->total_messages += n;
        /* 0 + 1 + ... + (n-1), modulo 2^64 like the readers' sums. */
        uint64_t want_sum = n % 2 ? (n - 1) / 2 * n : n / 2 * (n - 1);
        uint64_t got = 0, got_sum = 0;
        for (uint32_t k = c.nwriters; k < nkids; k++) {
            const struct report *rep = &c.ctl->procs[k];
            if (!c.group && (rep->received[w] != n || rep->seq_sum[w] != want_sum)) {
                fprintf(stderr,
                        "shmring_bench: ERROR reader %u received %llu messages "
                        "of writer %u, which wrote %llu\n",
                        k - c.nwriters, (unsigned long long)rep->received[w], w,
                        (unsigned long long)n);
                res->errors++;
            }
            got += rep->received[w];
            got_sum += rep->seq_sum[w];
        }
        if (c.group && (got != n || got_sum != want_sum)) {
            fprintf(stderr,
                    "shmring_bench: ERROR group members received %llu messages "
                    "of writer %u (sequence sum %llu), which wrote %llu (sum "
                    "%llu)\n",
                    (unsigned long long)got, w, (unsigned long long)got_sum,
                    (unsigned long long)n, (unsigned long long)want_sum);
            res->errors++;
        }
    }
    uint64_t window = 0;
    for (uint32_t k = c.nwriters; k < nkids; k++) window += c.ctl->procs[k].window_msgs;
    res->window_s = (double)(c.ctl->end_ns - c.ctl->start_ns) / 1e9;
    if (res->window_s > 0) {
        res->delivered_per_s = (double)window / res->window_s;
        res->msgs_per_s = c.group ? res->delivered_per_s
                                  : res->delivered_per_s / c.nreaders;
    }
    if (run_s > 0) {
        /* Everything busy that was not our children (the parent's polling
         * included; it is negligible). */
        res->other_cpu = (busy1 - busy0 - res->writer_cpu - res->reader_cpu) / run_s;
        if (res->other_cpu < 0) res->other_cpu = 0;
        res->steal_cpu = (steal1 - steal0) / run_s;
        res->writer_cpu /= run_s;
        res->reader_cpu /= run_s;
        res->vcsw_per_s /= run_s;
        res->ivcsw_per_s /= run_s;
    }
    res->ran = 1;

    shmring_close(c.ring);
    if (c.name) shmring_unlink(c.name);
    munmap(c.ctl, sizeof *c.ctl);
    return setup_failed ? -1 : 0;
}
