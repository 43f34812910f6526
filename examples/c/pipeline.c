/*
 * pipeline.c -- a frame pipeline over one shmring, all in separate processes:
 *
 *   producer ──▶ ring ──▶ 2 broadcast "recorder" readers (every frame)
 *                     ──▶ group "detect" of 2 members  (each frame once)
 *                     ──▶ 1 lossy "preview" reader     (never slows anyone)
 *
 * Frames are 1080p RGB by default, written in place (reserve/commit). Each
 * starts with its number and a checksum sampled from every 4 KiB page; every consumer verifies every frame it gets, zero-copy
 * (peek/release), and reports to the parent through a pipe.
 *
 * Usage: pipeline [--frames N] [--frame-bytes B] [--slots S]
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

struct report {
    char role[16];
    uint64_t frames, bad, missed, first, last;
};

static uint64_t checksum(const uint8_t *p, uint64_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a, one word per page */
    for (uint64_t i = 0; i + 8 <= n; i += 4096) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 1099511628211ull;
    }
    return h;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
    fprintf(stderr, "pipeline: %s: %s (%s)\n", what, shmring_strerror(rc),
            shmring_last_error());
    exit(1);
}

/* A consumer process: join, signal readiness, verify frames until the end. */
static void consume(shmring_ring_t *ring, const char *role, const char *group,
                    uint32_t flags, int ready_fd, int report_fd) {
    shmring_reader_t *reader;
    int rc = shmring_reader_open(ring, group, flags, &reader);
    if (rc) die("reader_open", rc);
    (void)!write(ready_fd, "r", 1);
    struct report rep = {.first = UINT64_MAX};
    snprintf(rep.role, sizeof rep.role, "%s", role);
    for (;;) {
        const void *view;
        uint64_t length;
        rc = shmring_peek(reader, &view, &length, 10 * 1000000000ll);
        if (rc == SHMRING_ECLOSED) break;
        if (rc) die("peek", rc);
        uint64_t frame, sum;
        memcpy(&frame, view, 8);
        memcpy(&sum, (const uint8_t *)view + 8, 8);
        int good = sum == checksum((const uint8_t *)view + 16, length - 16);
        /* A lossy reader's view may be overwritten: release says so. */
        if (shmring_release(reader) == SHMRING_ELAPPED) continue;
        rep.bad += !good;
        if (rep.first == UINT64_MAX) rep.first = frame;
        rep.last = frame;
        rep.frames++;
    }
    rep.missed = shmring_reader_missed(reader);
    shmring_reader_close(reader);
    (void)!write(report_fd, &rep, sizeof rep);
    exit(0);
}

int main(int argc, char **argv) {
    uint64_t frames = 600, frame_bytes = 1920 * 1080 * 3, slots = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--frames")) frames = strtoull(argv[i + 1], 0, 10);
        else if (!strcmp(argv[i], "--frame-bytes")) frame_bytes = strtoull(argv[i + 1], 0, 10);
        else if (!strcmp(argv[i], "--slots")) slots = strtoull(argv[i + 1], 0, 10);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (frame_bytes < 16) frame_bytes = 16;
    char name[64];
    /* pid + a time nonce: sandboxed runs can share pids and /dev/shm. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(name, sizeof name, "/shmring-pipeline-%d-%lx", (int)getpid(),
             (unsigned long)now.tv_nsec);
    shmring_ring_t *ring;
    int rc = shmring_create(name, frame_bytes, slots, NULL, &ring);
    if (rc) die("create", rc);
    shmring_unlink(name); /* children inherit the mapping; nothing to leak */

    int ready[2], reports[2];
    if (pipe(ready) || pipe(reports)) return 1;
    struct { const char *role, *group; uint32_t flags; } consumers[] = {
        {"recorder-1", NULL, 0}, {"recorder-2", NULL, 0},
        {"detect-1", "detect", 0}, {"detect-2", "detect", 0},
        {"preview", NULL, SHMRING_READER_LOSSY},
    };
    int n = (int)(sizeof consumers / sizeof consumers[0]);
    for (int i = 0; i < n; i++) {
        if (fork() == 0) {
            consume(ring, consumers[i].role, consumers[i].group,
                    consumers[i].flags, ready[1], reports[1]);
        }
    }
    for (int i = 0; i < n; i++) {
        char c;
        if (read(ready[0], &c, 1) != 1) return 1;
    }

    shmring_writer_t *writer;
    if ((rc = shmring_writer_open(ring, &writer))) die("writer_open", rc);
    double start = now_s();
    for (uint64_t f = 0; f < frames; f++) {
        void *slot;
        if ((rc = shmring_reserve(writer, &slot, 10 * 1000000000ll))) die("reserve", rc);
        uint8_t *p = slot;
        memset(p + 16, (int)(f & 0xff), frame_bytes - 16); /* "decode" */
        for (uint64_t i = 16; i + 8 <= frame_bytes; i += 4096) memcpy(p + i, &f, 8);
        uint64_t sum = checksum(p + 16, frame_bytes - 16);
        memcpy(p, &f, 8);
        memcpy(p + 8, &sum, 8);
        if ((rc = shmring_commit(writer, frame_bytes))) die("commit", rc);
    }
    shmring_writer_close(writer); /* last writer: end of stream */
    int failed = 0;
    uint64_t detected = 0;
    for (int i = 0; i < n; i++) {
        struct report rep;
        if (read(reports[0], &rep, sizeof rep) != sizeof rep) return 1;
        printf("%-11s frames %6" PRIu64 "  bad %" PRIu64 "  missed %" PRIu64 "\n",
               rep.role, rep.frames, rep.bad, rep.missed);
        failed |= rep.bad != 0;
        if (!strncmp(rep.role, "recorder", 8)) failed |= rep.frames != frames;
        if (!strncmp(rep.role, "detect", 6)) detected += rep.frames;
    }
    while (wait(NULL) > 0) {}
    double seconds = now_s() - start;
    failed |= detected != frames;
    printf("%" PRIu64 " frames of %" PRIu64 " B in %.2f s: %.0f frames/s, "
           "%.2f GB/s into the ring; group 'detect' got %" PRIu64 "\n",
           frames, frame_bytes, seconds, frames / seconds,
           frames * (double)frame_bytes / seconds / 1e9, detected);
    shmring_close(ring);
    puts(failed ? "FAILED" : "OK: every frame verified");
    return failed;
}
