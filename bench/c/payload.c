#include "payload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define SAMPLE_ABOVE 4096
#define STRIDE 4093
#define CORRUPT_ENV "SHMRING_BENCH_CORRUPT"

#if defined(__x86_64__)
/* CRC-32C with the SSE4.2 instruction (every x86-64 since 2008). */
__attribute__((target("sse4.2")))
static uint32_t crc32c(const uint8_t *p, size_t n) {
    uint64_t crc = 0xFFFFFFFFu;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        crc = _mm_crc32_u64(crc, word);
    }
    for (; i < n; i++) crc = _mm_crc32_u8((uint32_t)crc, p[i]);
    return ~(uint32_t)crc;
}
#else
/* CRC-32C bit by bit (reflected polynomial 0x82F63B78): slow, correct. */
static uint32_t crc32c(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1));
    }
    return ~crc;
}
#endif

static uint32_t digest(const uint8_t *body, size_t len, uint8_t *samples) {
    if (len <= SAMPLE_ABOVE) return crc32c(body, len);
    size_t n = 0;
    for (size_t i = 0; i < len; i += STRIDE) samples[n++] = body[i];
    return crc32c(samples, n);
}

static uint8_t *sample_buffer(size_t size) {
    return malloc(size / STRIDE + 1);
}

int payload_init(struct payload *p, size_t size, unsigned count) {
    memset(p, 0, sizeof *p);
    p->size = size;
    p->count = count;
    p->messages = calloc(count, size);
    uint8_t *samples = sample_buffer(size);
    if (!p->messages || !samples) {
        free(samples);
        return -1;
    }
    uint64_t state = 0x9E3779B97F4A7C15ull; /* splitmix64: any fixed bytes do */
    for (unsigned k = 0; k < 2; k++) {
        uint8_t *body = p->messages + k * size + PAYLOAD_HEADER;
        for (size_t i = 0; i < size - PAYLOAD_HEADER; i++) {
            uint64_t z = (state += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            body[i] = (uint8_t)((z ^ (z >> 27)) >> 56);
        }
        p->crc[k] = digest(body, size - PAYLOAD_HEADER, samples);
        p->first[k] = body[0];
    }
    for (unsigned k = 2; k < count; k++) {
        memcpy(p->messages + k * size, p->messages + (k % 2) * size, size);
    }
    free(samples);
    const char *corrupt = getenv(CORRUPT_ENV);
    p->corrupt = corrupt && *corrupt ? strtoull(corrupt, NULL, 10) : UINT64_MAX;
    return 0;
}

const uint8_t *payload_message(struct payload *p, uint64_t sequence) {
    unsigned k = (unsigned)(sequence % p->count), variant = k % 2;
    uint8_t *m = p->messages + (size_t)k * p->size;
    uint32_t writer = 0;
    memcpy(m, &writer, 4); /* x86-64 and aarch64 Linux: little-endian */
    memcpy(m + 4, &p->crc[variant], 4);
    memcpy(m + 8, &sequence, 8);
    /* Re-set every time: this buffer may have carried the corruption. */
    int corrupt = sequence == p->corrupt;
    m[PAYLOAD_HEADER] = p->first[variant] ^ (corrupt ? 0xFF : 0);
    p->injected += (uint64_t)corrupt;
    return m;
}

uint64_t payload_minimum(const struct payload *p) {
    return p->corrupt == UINT64_MAX ? 0 : p->corrupt + 1;
}

void payload_free(struct payload *p) {
    free(p->messages);
}

int checker_init(struct checker *c, size_t size) {
    memset(c, 0, sizeof *c);
    c->size = size;
    c->samples = sample_buffer(size);
    return c->samples ? 0 : -1;
}

__attribute__((format(printf, 2, 3)))
static void fail(struct checker *c, const char *format, ...) {
    if (c->errors++ > 0) return; /* keep the first problem's text */
    va_list args;
    va_start(args, format);
    vsnprintf(c->first_error, sizeof c->first_error, format, args);
    va_end(args);
}

void checker_check(struct checker *c, const uint8_t *message, size_t len) {
    if (len != c->size) {
        fail(c, "a message of %zu bytes, not %zu", len, c->size);
        c->expected++;
        return;
    }
    uint32_t crc;
    uint64_t sequence;
    memcpy(&crc, message + 4, 4);
    memcpy(&sequence, message + 8, 8);
    if (digest(message + PAYLOAD_HEADER, len - PAYLOAD_HEADER, c->samples) != crc) {
        fail(c, "message %llu: checksum mismatch", (unsigned long long)sequence);
    } else if (sequence != c->expected) {
        fail(c, "message %llu where %llu was due", (unsigned long long)sequence,
             (unsigned long long)c->expected);
    }
    c->expected = sequence + 1;
}

void checker_free(struct checker *c) {
    free(c->samples);
}
