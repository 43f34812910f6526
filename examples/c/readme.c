/*
 * readme.c -- the C example of README.md, as a program and a test: the
 * function frames() below is the README's code, word for word (checked by
 * //tests/lint:readme_examples). A producer process fills reserved slots,
 * the consumer peeks at each frame.
 *
 * main() leaves a ring behind as a crashed run would (its creator exits
 * without unlinking), then runs the example twice in a row, each run a
 * process of its own: neither needs any cleanup first.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmring.h"

#define FRAME_BYTES 6220800u
#define FRAMES 12

static int frames_seen;

/* The "decoder": frame i is every byte (uint8_t)i. */
static void decode_into(void *slot, int i) { memset(slot, i, FRAME_BYTES); }

static void use(const void *frame, uint64_t len) {
    const uint8_t *bytes = frame;
    if (len != FRAME_BYTES || bytes[0] != (uint8_t)frames_seen ||
        bytes[len - 1] != (uint8_t)frames_seen) {
        fprintf(stderr, "frame %d is wrong\n", frames_seen);
        exit(1);
    }
    frames_seen++;
}

/* ---- README.md, "The C API" ---- */
int frames(const char *name) {                           /* name: "/frames" */
    shmring_options_t *options;
    shmring_options_create(&options);
    shmring_options_set_replace_stale(options, 1);       /* a crashed run's ring is replaced */
    shmring_ring_t *ring;
    int rc = shmring_create(name, FRAME_BYTES, 8, options, &ring);  /* 8 slots of a 1080p frame */
    shmring_options_destroy(options);
    if (rc != SHMRING_OK) return rc;
    shmring_reader_t *r;  shmring_reader_open(ring, NULL, 0, &r);  /* sees what is written next */

    if (fork() == 0) {                                   /* the producer, another process */
        shmring_writer_t *w;  shmring_writer_open(ring, &w);
        for (int i = 0; i < FRAMES; i++) {
            void *slot;
            shmring_reserve(w, &slot, -1);  decode_into(slot, i);  shmring_commit(w, FRAME_BYTES);
        }
        _exit(shmring_writer_close(w) != SHMRING_OK);    /* the last writer ends the stream */
    }
    const void *frame; uint64_t len;                     /* 5 s: in case the producer died */
    while ((rc = shmring_peek(r, &frame, &len, 5000000000)) == SHMRING_OK) {
        use(frame, len);  shmring_release(r);
    }
    shmring_reader_close(r);  shmring_close(ring);  shmring_unlink(name);
    return rc == SHMRING_ECLOSED ? SHMRING_OK : rc;      /* ECLOSED: end of stream */
}
/* ---- end of the README's code ---- */

/* Run f(name) in a child process; its exit status. */
static int in_child(int (*f)(const char *), const char *name) {
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        int rc = f(name);
        if (rc != SHMRING_OK) fprintf(stderr, "%s\n", shmring_last_error());
        _exit(rc == SHMRING_OK && frames_seen == FRAMES ? 0 : 1);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What a run that crashed after creating its ring leaves behind. */
static int crashed_run(const char *name) {
    shmring_ring_t *ring;
    if (shmring_create(name, FRAME_BYTES, 8, NULL, &ring) != SHMRING_OK) return -1;
    frames_seen = FRAMES; /* (in_child's check of a real run) */
    return SHMRING_OK;    /* exits without close or unlink */
}

int main(void) {
    char name[64];
    snprintf(name, sizeof name, "/shmring-readme-c-%d", (int)getpid());
    if (in_child(crashed_run, name) != 0) {
        fprintf(stderr, "could not leave a crashed run's ring behind\n");
        return 1;
    }
    for (int run = 1; run <= 2; run++) {
        int status = in_child(frames, name);
        if (status != 0) {
            fprintf(stderr, "run %d of the README example failed (%d)\n", run, status);
            shmring_unlink(name);
            return 1;
        }
        printf("run %d: %d frames, each verified\n", run, FRAMES);
    }
    return 0;
}
