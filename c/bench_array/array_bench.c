/*
 * array_bench.c -- what the array message header costs for a 1080p frame
 * (docs/messages.md, "Cost"): 1920x1080x3 uint8 frames through a ring,
 * written in place and read zero-copy, once as raw bytes (shmring_reserve,
 * fill, commit; peek, read every byte, release) and once as array messages
 * (shmring_array_reserve with a 16-byte user header; peek,
 * shmring_array_decode, read every byte, release). One process, one
 * thread, so the difference is the header's work and not scheduling.
 * Rounds alternate between the two; the line gives the median per frame of
 * each and the array's extra cost in percent of the raw one.
 *
 *   bazel run -c opt //c:array_bench [-- FRAMES_PER_ROUND ROUNDS]
 */
#define _POSIX_C_SOURCE 200809L
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH 1920u
#define HEIGHT 1080u
#define FRAME_BYTES (WIDTH * HEIGHT * 3u)
#define MAX_ROUNDS 64

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int die(const char *what) {
    fprintf(stderr, "array_bench: %s: %s\n", what, shmring_last_error());
    exit(1);
}

/* Every byte of the frame, so that reading it is not optimised away. */
static uint64_t read_frame(const uint8_t *p) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < FRAME_BYTES; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        sum += word;
    }
    return sum;
}

/* One frame written and read back; returns the reader's sum. */
static uint64_t raw_frame(shmring_writer_t *w, shmring_reader_t *r, const uint8_t *source) {
    void *slot;
    if (shmring_reserve(w, &slot, 0) != SHMRING_OK) die("reserve");
    memcpy(slot, source, FRAME_BYTES);
    if (shmring_commit(w, FRAME_BYTES) != SHMRING_OK) die("commit");
    const void *message;
    uint64_t length;
    if (shmring_peek(r, &message, &length, 0) != SHMRING_OK || length != FRAME_BYTES) die("peek");
    uint64_t sum = read_frame(message);
    shmring_release(r);
    return sum;
}

static uint64_t array_frame(shmring_writer_t *w, shmring_reader_t *r, const uint8_t *source,
                            uint64_t frame_no) {
    const uint64_t shape[3] = {HEIGHT, WIDTH, 3};
    const uint64_t fields[2] = {frame_no, (uint64_t)(now_s() * 1e9)};
    void *data;
    uint64_t bytes;
    if (shmring_array_reserve(w, SHMRING_DTYPE_UINT8, 0, 3, shape, fields, sizeof fields, &data,
                              &bytes, 0) != SHMRING_OK) {
        die("array_reserve");
    }
    memcpy(data, source, FRAME_BYTES);
    if (shmring_commit(w, bytes) != SHMRING_OK) die("commit");
    const void *message;
    uint64_t length, got_shape[SHMRING_ARRAY_MAX_NDIM], offset, data_bytes;
    uint32_t dtype, ndim;
    if (shmring_peek(r, &message, &length, 0) != SHMRING_OK) die("peek");
    if (shmring_array_decode(message, length, &dtype, NULL, &ndim, got_shape, &offset, &data_bytes,
                             NULL, NULL) != SHMRING_OK ||
        dtype != SHMRING_DTYPE_UINT8 || ndim != 3 || data_bytes != FRAME_BYTES) {
        die("decode");
    }
    uint64_t sum = read_frame((const uint8_t *)message + offset);
    shmring_release(r);
    return sum;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int frames = argc > 1 ? atoi(argv[1]) : 100;
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (frames < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: array_bench [FRAMES_PER_ROUND >= 1] [ROUNDS 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    shmring_ring_t *ring;
    shmring_writer_t *w;
    shmring_reader_t *r;
    /* Room for the array header too (112 bytes for three dimensions and 16 user bytes). */
    if (shmring_create(NULL, FRAME_BYTES + 256, 4, NULL, &ring) != SHMRING_OK) die("create");
    if (shmring_writer_open(ring, &w) != SHMRING_OK) die("writer");
    if (shmring_reader_open(ring, NULL, 0, &r) != SHMRING_OK) die("reader");
    uint8_t *source = malloc(FRAME_BYTES);
    if (!source) return 1;
    for (uint32_t i = 0; i < FRAME_BYTES; i++) source[i] = (uint8_t)(i * 7 + i / 4099);
    double raw_ns[MAX_ROUNDS], array_ns[MAX_ROUNDS];
    uint64_t raw_sum = 0, array_sum = 0, frame_no = 0;
    raw_frame(w, r, source); /* fault every page in first */
    array_frame(w, r, source, frame_no++);
    for (int round = 0; round < rounds; round++) {
        double t = now_s();
        for (int i = 0; i < frames; i++) raw_sum += raw_frame(w, r, source);
        raw_ns[round] = (now_s() - t) * 1e9 / frames;
        t = now_s();
        for (int i = 0; i < frames; i++) array_sum += array_frame(w, r, source, frame_no++);
        array_ns[round] = (now_s() - t) * 1e9 / frames;
    }
    if (raw_sum != array_sum) {
        fprintf(stderr, "array_bench: the readers saw different bytes\n");
        return 1;
    }
    qsort(raw_ns, (size_t)rounds, sizeof raw_ns[0], by_value);
    qsort(array_ns, (size_t)rounds, sizeof array_ns[0], by_value);
    double raw = raw_ns[rounds / 2], array = array_ns[rounds / 2];
    printf("1080p frame (%u B) written in place and read zero-copy, median of %d rounds of %d: "
           "raw bytes %.1f us, array message %.1f us, header cost %+.2f%%\n",
           FRAME_BYTES, rounds, frames, raw / 1e3, array / 1e3, (array - raw) / raw * 100.0);
    shmring_reader_close(r);
    shmring_writer_close(w);
    shmring_close(ring);
    free(source);
    return 0;
}
