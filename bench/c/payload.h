/*
 * payload.h -- what a benchmark message holds and how its reader checks it:
 * the scheme python -m shmring_bench (bench/python/shmring_bench/
 * _payload.py) had before its CRC moved to the message's tail, shared by the
 * C, Rust and Go programs.
 *
 * A message is a 16-byte little-endian header (u32 writer = 0, u32 CRC32 of
 * the body, u64 sequence number) and a pseudo-random body. The checksum
 * covers the whole body up to 4096 bytes, else every 4093rd byte of it (a
 * sampled comparison: a 1080p frame costs ~1,500 bytes of CRC). It is
 * CRC-32C (Castagnoli), not the Python bench's zlib CRC32: one instruction
 * per 8 bytes on x86-64 and in Go's and Rust's code, 8 ns for a 64 B
 * message where zlib's crc32() takes 85 ns (as much as the ring). The writer
 * keeps `count` prebuilt messages (body variant k % 2) and only stamps the
 * header, so no copy happens before the ring's own.
 *
 * Test hook: with SHMRING_BENCH_CORRUPT=N in the environment the writer
 * flips the first body byte of message N (counted in `injected`) and writes
 * at least N + 1 messages whatever its duration (payload_minimum), so the
 * fault is planted however slow the machine; the reader must report FAILED.
 */
#ifndef BENCH_PAYLOAD_H
#define BENCH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_HEADER 16

struct payload {
    size_t size;
    unsigned count;    /* prebuilt messages, a multiple of 2 */
    uint8_t *messages; /* count x size bytes */
    uint32_t crc[2];   /* of each body variant */
    uint8_t first[2];  /* first body byte of each variant (for the hook) */
    uint64_t corrupt;  /* sequence to corrupt, UINT64_MAX: none */
    uint64_t injected; /* corrupted messages stamped so far */
};

struct checker {
    size_t size;
    uint64_t expected; /* next sequence number due */
    uint64_t errors;
    uint8_t *samples;  /* scratch for the sampled CRC */
    char first_error[128];
};

/* Returns 0, or -1 if out of memory. */
int payload_init(struct payload *p, size_t size, unsigned count);
/* The message for `sequence`, stamped; valid until the same prebuilt
 * message is stamped again (count messages later). */
const uint8_t *payload_message(struct payload *p, uint64_t sequence);
/* Messages the writer must write before it may stop: corrupt + 1 with the
 * test hook (so the fault is injected), else 0. */
uint64_t payload_minimum(const struct payload *p);
void payload_free(struct payload *p);

int checker_init(struct checker *c, size_t size);
void checker_check(struct checker *c, const uint8_t *message, size_t len);
void checker_free(struct checker *c);

#endif
