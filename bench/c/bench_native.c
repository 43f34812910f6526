/*
 * shmring-bench-c -- the C API on python -m shmring_bench's workloads, so the
 * cost of each binding over C shows (issue #6; bench/README.md):
 *
 *   64B        64 B messages 1->1, shmring_write / shmring_read, one per call
 *   64B-batch  64 B messages 1->1, shmring_write_batch / shmring_read_batch (64)
 *   1080p      6,220,800 B frames 1->1, shmring_write (copy in) /
 *              shmring_peek + shmring_release (zero-copy read)
 *
 * Writer and reader are forked processes sharing an anonymous ring; every
 * message is verified (payload.h). One JSON line per workload on stdout
 * (row.h); exit status 1 if a cell failed.
 *
 * Children report to the parent on a pipe, one text line each, the protocol
 * the Rust and Go programs use too: the reader "ready" once it has joined
 * (the writer starts only then), then "read N NS ERRORS FIRST-ERROR"; the
 * writer "written N INJECTED" (INJECTED: messages the test hook corrupted).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payload.h"
#include "row.h"
#include "shmring.h"

enum kind { PER_CALL, BATCH, FRAME };

struct workload {
    const char *name;
    uint64_t size;
    uint64_t slots;
    enum kind kind;
};

static const struct workload WORKLOADS[] = {
    {"64B", 64, 1024, PER_CALL},
    {"64B-batch", 64, 1024, BATCH},
    {"1080p", 6220800, 8, FRAME},
};
#define NWORKLOADS (sizeof WORKLOADS / sizeof WORKLOADS[0])

#define BATCH_SIZE 64
/* Calls wait without a timeout (as a timeout costs the Rust and Go bindings
 * a clock read per call); instead a child that outlives its window by
 * WATCHDOG_S seconds (a dead peer) is killed, and the cell fails. */
#define IO_TIMEOUT_NS (-1)
#define WATCHDOG_S 60
/* The writer reads the clock every this many calls (a clock read costs
 * about as much as a 64 B write). */
#define CLOCK_EVERY_SMALL 256

static int fail_api(FILE *out, const char *what, int rc) {
    fprintf(out, "error %s: %s (%s)\n", what, shmring_strerror(rc), shmring_last_error());
    return 1;
}

static int write_one(shmring_writer_t *w, struct payload *p, uint64_t *n) {
    int rc = shmring_write(w, payload_message(p, *n), p->size, IO_TIMEOUT_NS);
    *n += rc == SHMRING_OK;
    return rc;
}

static int write_batch(shmring_writer_t *w, struct payload *p, uint64_t *n) {
    const void *datas[BATCH_SIZE];
    uint64_t lengths[BATCH_SIZE];
    for (unsigned i = 0; i < BATCH_SIZE; i++) {
        datas[i] = payload_message(p, *n + i);
        lengths[i] = p->size;
    }
    for (uint32_t done = 0; done < BATCH_SIZE;) {
        uint32_t written = 0;
        int rc = shmring_write_batch(w, datas + done, lengths + done, BATCH_SIZE - done,
                                     &written, IO_TIMEOUT_NS);
        if (rc != SHMRING_OK) return rc;
        done += written;
        *n += written;
    }
    return SHMRING_OK;
}

static int writer_main(shmring_ring_t *ring, const struct workload *wl, double seconds,
                       FILE *out) {
    struct payload p;
    shmring_writer_t *w;
    if (payload_init(&p, wl->size, wl->kind == BATCH ? BATCH_SIZE : 2) != 0) {
        fprintf(out, "error out of memory\n");
        return 1;
    }
    int rc = shmring_writer_open(ring, &w);
    if (rc != SHMRING_OK) return fail_api(out, "writer_open", rc);
    int (*write)(shmring_writer_t *, struct payload *, uint64_t *) =
        wl->kind == BATCH ? write_batch : write_one;
    unsigned clock_every = wl->kind == FRAME ? 1 : CLOCK_EVERY_SMALL;
    int64_t end = now_ns() + (int64_t)(seconds * 1e9);
    uint64_t n = 0, minimum = payload_minimum(&p);
    for (unsigned calls = 0; rc == SHMRING_OK; calls++) {
        if (calls % clock_every == 0 && n >= minimum && now_ns() >= end) break;
        rc = write(w, &p, &n);
    }
    if (rc != SHMRING_OK) return fail_api(out, "write", rc);
    rc = shmring_writer_close(w); /* the last writer leaving ends the stream */
    if (rc != SHMRING_OK) return fail_api(out, "writer_close", rc);
    fprintf(out, "written %llu %llu\n", (unsigned long long)n,
            (unsigned long long)p.injected);
    payload_free(&p);
    return 0;
}

/* Reads one call's worth of messages (checking each); returns a status. */
static int read_some(shmring_reader_t *r, const struct workload *wl, struct checker *c,
                     uint8_t *buf, uint64_t *n) {
    uint64_t len, lengths[BATCH_SIZE];
    int rc;
    switch (wl->kind) {
    case PER_CALL:
        rc = shmring_read(r, buf, wl->size, &len, IO_TIMEOUT_NS);
        if (rc != SHMRING_OK) return rc;
        checker_check(c, buf, len);
        *n += 1;
        return rc;
    case BATCH: {
        uint32_t got = 0;
        rc = shmring_read_batch(r, buf, wl->size * BATCH_SIZE, lengths, BATCH_SIZE, &got,
                                IO_TIMEOUT_NS);
        if (rc != SHMRING_OK) return rc;
        for (uint64_t i = 0, at = 0; i < got; at += lengths[i++]) {
            checker_check(c, buf + at, lengths[i]);
        }
        *n += got;
        return rc;
    }
    case FRAME: {
        const void *view;
        rc = shmring_peek(r, &view, &len, IO_TIMEOUT_NS);
        if (rc != SHMRING_OK) return rc;
        checker_check(c, view, len);
        *n += 1;
        return shmring_release(r);
    }
    }
    return SHMRING_EINVALID;
}

static int reader_main(shmring_ring_t *ring, const struct workload *wl, FILE *out) {
    struct checker c;
    shmring_reader_t *r;
    uint8_t *buf = malloc(wl->kind == FRAME ? 1 : wl->size * BATCH_SIZE);
    if (!buf || checker_init(&c, wl->size) != 0) {
        fprintf(out, "error out of memory\n");
        return 1;
    }
    int rc = shmring_reader_open(ring, NULL, 0, &r);
    if (rc != SHMRING_OK) return fail_api(out, "reader_open", rc);
    fprintf(out, "ready\n");
    fflush(out);
    uint64_t n = 0;
    int64_t first = 0;
    while ((rc = read_some(r, wl, &c, buf, &n)) == SHMRING_OK) {
        if (first == 0) first = now_ns(); /* time runs from the first message */
    }
    int64_t elapsed = now_ns() - first;
    if (rc != SHMRING_ECLOSED) return fail_api(out, "read", rc);
    shmring_reader_close(r);
    fprintf(out, "read %llu %lld %llu %s\n", (unsigned long long)n, (long long)elapsed,
            (unsigned long long)c.errors, c.first_error);
    checker_free(&c);
    free(buf);
    return 0;
}

struct child {
    pid_t pid;
    FILE *lines; /* its report pipe, parent's end */
};

/* Forks a child that runs `role` with its report pipe as `out`. */
static int spawn(struct child *ch, shmring_ring_t *ring, const struct workload *wl,
                 double seconds, int is_writer) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    ch->pid = fork();
    if (ch->pid < 0) return -1;
    if (ch->pid == 0) {
        alarm((unsigned)seconds + WATCHDOG_S); /* SIGALRM's default: terminate */
        close(fds[0]);
        FILE *out = fdopen(fds[1], "w");
        int status = is_writer ? writer_main(ring, wl, seconds, out)
                               : reader_main(ring, wl, out);
        fflush(out);
        _exit(status);
    }
    close(fds[1]);
    ch->lines = fdopen(fds[0], "r");
    return ch->lines ? 0 : -1;
}

/* The child's next report line (newline stripped), or "" at EOF. */
static void next_line(struct child *ch, char *line, size_t cap) {
    if (!fgets(line, (int)cap, ch->lines)) line[0] = 0;
    line[strcspn(line, "\n")] = 0;
}

/* Its exit status does not matter: a failing child says so on its pipe. */
static void reap(struct child *ch) {
    fclose(ch->lines);
    while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR) {}
}

/* One cell: prints its row; returns 0 if it passed. */
static int run_cell(const struct workload *wl, double seconds) {
    char status[512] = "ok", ready[256] = "", written[256] = "", read[512] = "";
    struct row row = {wl->name, "c", wl->size, 0, -1, -1, status, 0};
    shmring_ring_t *ring;
    struct child reader = {0}, writer = {0};
    int rc = shmring_create(NULL, wl->size, wl->slots, NULL, &ring);
    if (rc != SHMRING_OK) {
        snprintf(status, sizeof status, "FAILED: create: %s", shmring_last_error());
        row_print(&row);
        return 1;
    }
    if (spawn(&reader, ring, wl, seconds, 0) == 0) {
        next_line(&reader, ready, sizeof ready);
        if (strcmp(ready, "ready") == 0 && spawn(&writer, ring, wl, seconds, 1) == 0) {
            next_line(&writer, written, sizeof written);
            reap(&writer);
        } else {
            kill(reader.pid, SIGKILL); /* no writer will end its stream */
        }
        next_line(&reader, read, sizeof read);
        reap(&reader);
    }
    shmring_close(ring);

    unsigned long long n_written = 0, n_read = 0, errors = 0, injected = 0;
    long long ns = 0;
    int first_at = 0;
    if (sscanf(written, "written %llu %llu", &n_written, &injected) != 2) {
        snprintf(status, sizeof status, "FAILED: writer: %s", written[0] ? written : ready);
    } else if (sscanf(read, "read %llu %lld %llu %n", &n_read, &ns, &errors, &first_at) < 3) {
        snprintf(status, sizeof status, "FAILED: reader: %s", read[0] ? read : "died");
    } else if (errors) {
        snprintf(status, sizeof status, "FAILED: %llu bad messages; first: %s", errors,
                 read + first_at);
    } else if (n_read != n_written || n_read == 0) {
        snprintf(status, sizeof status, "FAILED: %llu written, %llu read", n_written, n_read);
    } else {
        row.msg_per_s = (double)n_read / ((double)ns / 1e9);
    }
    row.injected = injected;
    row_print(&row);
    return strcmp(status, "ok") != 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: shmring-bench-c [--duration SECONDS] [--workloads 64B,64B-batch,1080p]\n"
               "One JSON line per workload on stdout; exit 1 if any failed.\n");
}

int main(int argc, char **argv) {
    double seconds = 2.0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--workloads") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            usage(strcmp(argv[i], "--help") == 0 ? stdout : stderr);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (seconds <= 0) {
        fprintf(stderr, "shmring-bench-c: --duration must be positive\n");
        return 2;
    }
    char list[1024], names[1024]; /* ",a,b," to match; a copy for strtok to cut */
    snprintf(list, sizeof list, ",%s,", only ? only : "");
    snprintf(names, sizeof names, "%s", list);
    for (const char *name = only ? strtok(names, ",") : NULL; name; name = strtok(NULL, ",")) {
        size_t k = 0;
        while (k < NWORKLOADS && strcmp(WORKLOADS[k].name, name) != 0) k++;
        if (k == NWORKLOADS) {
            fprintf(stderr, "shmring-bench-c: unknown workload %s\n", name);
            return 2;
        }
    }
    int failed = 0;
    for (size_t k = 0; k < NWORKLOADS; k++) {
        char wanted[64];
        snprintf(wanted, sizeof wanted, ",%s,", WORKLOADS[k].name);
        if (only && !strstr(list, wanted)) continue;
        failed |= run_cell(&WORKLOADS[k], seconds);
    }
    return failed;
}
