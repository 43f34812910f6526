/*
 * message.h -- the cross-language test message (tests/cross/README.md):
 * its length schedule, encoding and the consumer's checks.
 */
#ifndef CROSS_MESSAGE_H
#define CROSS_MESSAGE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MSG_HEADER 20u
#define MSG_MAX_WRITERS 16u

static inline uint64_t msg_length(uint32_t writer, uint64_t seq, uint64_t slot_bytes) {
    uint64_t k = seq * 0x9E3779B97F4A7C15ull + (uint64_t)writer * 0xC2B2AE3D27D4EB4Full;
    k ^= k >> 29;
    uint64_t r = k % 16, x = k >> 8;
    if (r == 0) return 0;
    if (r == 1) return slot_bytes;
    if (r == 2) return 1 + x % 19;
    return MSG_HEADER + x % (slot_bytes - 19);
}

static inline void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t get32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static inline uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static inline uint32_t msg_checksum(const uint8_t *m, uint64_t length) {
    uint32_t h = 0x811C9DC5u;
    for (uint64_t i = 0; i < length; i++) {
        if (i >= 16 && i < MSG_HEADER) continue;
        h = (h ^ m[i]) * 0x01000193u;
    }
    return h;
}

/* Writes message (writer, seq) of `length` bytes into out. */
static inline void msg_encode(uint8_t *out, uint32_t writer, uint64_t seq, uint64_t length) {
    if (length < MSG_HEADER) {
        for (uint64_t i = 0; i < length; i++) out[i] = (uint8_t)(length * 17 + i);
        return;
    }
    put32(out, writer);
    put32(out + 4, (uint32_t)length);
    put64(out + 8, seq);
    for (uint64_t i = MSG_HEADER; i < length; i++)
        out[i] = (uint8_t)(i * 7 + seq * 13 + (uint64_t)writer * 101);
    put32(out + 16, msg_checksum(out, length));
}

/* What a consumer has seen. */
struct msg_checker {
    uint64_t slot_bytes, count;
    uint32_t writers[MSG_MAX_WRITERS], nwriters;
    int64_t last_seq[MSG_MAX_WRITERS];
    uint64_t full[MSG_MAX_WRITERS];
    uint64_t shorts[MSG_HEADER];
    uint64_t messages;
    FILE *report;
};

/* Checks one message; 0 if good, else -1 with the reason in why. */
static inline int msg_check(struct msg_checker *c, const uint8_t *m, uint64_t length,
                            char *why, size_t why_size) {
    c->messages++;
    if (length > c->slot_bytes) {
        snprintf(why, why_size, "message of %llu bytes in slots of %llu",
                 (unsigned long long)length, (unsigned long long)c->slot_bytes);
        return -1;
    }
    if (length < MSG_HEADER) {
        for (uint64_t i = 0; i < length; i++) {
            if (m[i] != (uint8_t)(length * 17 + i)) {
                snprintf(why, why_size, "short message of %llu bytes: byte %llu is %u",
                         (unsigned long long)length, (unsigned long long)i, m[i]);
                return -1;
            }
        }
        c->shorts[length]++;
        if (c->report) fprintf(c->report, "short %llu\n", (unsigned long long)length);
        return 0;
    }
    uint32_t w = get32(m), field = get32(m + 4);
    uint64_t s = get64(m + 8);
    uint32_t i;
    for (i = 0; i < c->nwriters && c->writers[i] != w; i++) {}
    if (i == c->nwriters || s >= c->count || field != length ||
        msg_length(w, s, c->slot_bytes) != length) {
        snprintf(why, why_size,
                 "bad header: writer %u seq %llu length field %u, %llu bytes received",
                 w, (unsigned long long)s, field, (unsigned long long)length);
        return -1;
    }
    for (uint64_t b = MSG_HEADER; b < length; b++) {
        if (m[b] != (uint8_t)(b * 7 + s * 13 + (uint64_t)w * 101)) {
            snprintf(why, why_size, "(%u, %llu): payload byte %llu is %u", w,
                     (unsigned long long)s, (unsigned long long)b, m[b]);
            return -1;
        }
    }
    if (get32(m + 16) != msg_checksum(m, length)) {
        snprintf(why, why_size, "(%u, %llu): bad checksum", w, (unsigned long long)s);
        return -1;
    }
    if ((int64_t)s <= c->last_seq[i]) {
        snprintf(why, why_size, "(%u, %llu) after (%u, %lld): out of order or repeated", w,
                 (unsigned long long)s, w, (long long)c->last_seq[i]);
        return -1;
    }
    c->last_seq[i] = (int64_t)s;
    c->full[i]++;
    if (c->report) fprintf(c->report, "%u %llu\n", w, (unsigned long long)s);
    return 0;
}

/* A broadcast consumer's end check: the whole schedule was received. */
static inline int msg_check_complete(const struct msg_checker *c, char *why, size_t why_size) {
    uint64_t shorts[MSG_HEADER] = {0};
    for (uint32_t i = 0; i < c->nwriters; i++) {
        uint64_t full = 0;
        for (uint64_t s = 0; s < c->count; s++) {
            uint64_t length = msg_length(c->writers[i], s, c->slot_bytes);
            if (length < MSG_HEADER) shorts[length]++;
            else full++;
        }
        if (full != c->full[i]) {
            snprintf(why, why_size, "writer %u: %llu full messages received, %llu written",
                     c->writers[i], (unsigned long long)c->full[i], (unsigned long long)full);
            return -1;
        }
    }
    for (uint32_t l = 0; l < MSG_HEADER; l++) {
        if (shorts[l] != c->shorts[l]) {
            snprintf(why, why_size, "%llu short messages of %u bytes received, %llu written",
                     (unsigned long long)c->shorts[l], l, (unsigned long long)shorts[l]);
            return -1;
        }
    }
    return 0;
}

#endif /* CROSS_MESSAGE_H */
