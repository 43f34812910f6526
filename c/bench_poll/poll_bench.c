/*
 * poll_bench.c -- what a poll that finds nothing costs: shmring_try_read on
 * an empty ring (a broadcast, a lossy and a group reader) and
 * shmring_try_write on a full one, each called N times in one thread of
 * one process. Prints ns per poll (best of ROUNDS). Run it under
 * `valgrind --tool=callgrind` for instructions per poll, which do not
 * depend on the machine's speed (docs/performance.md, "Polls that find
 * nothing").
 *
 *   bazel run -c opt //c:poll_bench [-- POLLS ROUNDS [CASE]]
 *
 * CASE (broadcast, lossy, member or write) runs that case alone: what
 * callgrind then counts, less a run with POLLS 0, is that case's polls.
 */
#define _POSIX_C_SOURCE 200809L
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what, int rc) {
    fprintf(stderr, "poll_bench: %s: %s (%s)\n", what, shmring_strerror(rc),
            shmring_last_error());
    exit(1);
}

/* Best ns per poll of `rounds` rounds of `polls` try_reads, each EEMPTY. */
static double poll_reads(shmring_reader_t *r, long polls, int rounds) {
    double best = 1e30;
    uint8_t buffer[64];
    for (int round = 0; round < rounds; round++) {
        double start = now_ns();
        for (long i = 0; i < polls; i++) {
            uint64_t length;
            int rc = shmring_try_read(r, buffer, sizeof buffer, &length);
            if (rc != SHMRING_EEMPTY) die("try_read on an empty ring", rc);
        }
        double per = (now_ns() - start) / (double)(polls ? polls : 1);
        if (per < best) best = per;
    }
    return best;
}

static double poll_writes(shmring_writer_t *w, long polls, int rounds) {
    double best = 1e30;
    const uint8_t message[8] = {0};
    for (int round = 0; round < rounds; round++) {
        double start = now_ns();
        for (long i = 0; i < polls; i++) {
            int rc = shmring_try_write(w, message, sizeof message);
            if (rc != SHMRING_EFULL) die("try_write on a full ring", rc);
        }
        double per = (now_ns() - start) / (double)(polls ? polls : 1);
        if (per < best) best = per;
    }
    return best;
}

static int wanted(const char *only, const char *name) {
    return !only || strcmp(only, name) == 0;
}

int main(int argc, char **argv) {
    long polls = argc > 1 ? atol(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    const char *only = argc > 3 ? argv[3] : NULL;
    if (polls < 0 || rounds <= 0) {
        fprintf(stderr, "usage: poll_bench [POLLS ROUNDS [CASE]]\n");
        return 2;
    }
    shmring_ring_t *ring;
    int rc = shmring_create(NULL, 64, 4, NULL, &ring);
    if (rc != SHMRING_OK) die("create", rc);
    shmring_writer_t *w;
    shmring_reader_t *broadcast, *lossy, *member;
    if ((rc = shmring_writer_open(ring, &w)) != SHMRING_OK) die("writer", rc);
    if ((rc = shmring_reader_open(ring, NULL, 0, &broadcast)) != SHMRING_OK ||
        (rc = shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy)) !=
            SHMRING_OK ||
        (rc = shmring_reader_open(ring, "g", 0, &member)) != SHMRING_OK) {
        die("reader", rc);
    }
    if (wanted(only, "broadcast")) {
        printf("try_read, empty ring, broadcast: %.1f ns/poll\n",
               poll_reads(broadcast, polls, rounds));
    }
    if (wanted(only, "lossy")) {
        printf("try_read, empty ring, lossy:     %.1f ns/poll\n",
               poll_reads(lossy, polls, rounds));
    }
    if (wanted(only, "member")) {
        printf("try_read, empty ring, member:    %.1f ns/poll\n",
               poll_reads(member, polls, rounds));
    }
    /* Fill the ring: the broadcast reader and the group hold writers. */
    const uint8_t message[8] = {0};
    for (int i = 0; i < 4; i++) {
        if ((rc = shmring_try_write(w, message, sizeof message)) != SHMRING_OK) {
            die("fill", rc);
        }
    }
    if (wanted(only, "write")) {
        printf("try_write, full ring:            %.1f ns/poll\n",
               poll_writes(w, polls, rounds));
    }
    shmring_reader_close(broadcast);
    shmring_reader_close(lossy);
    shmring_reader_close(member);
    shmring_writer_close(w);
    shmring_close(ring);
    return 0;
}
