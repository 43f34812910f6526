/*
 * test_util.h -- small helpers shared by the programs in c/tests/.
 *
 * Include it FIRST (it defines _GNU_SOURCE before any system header).
 *
 * Everything here is `static inline` (or a macro), so a test that includes
 * this header and uses only part of it compiles cleanly under -Wall -Wextra
 * -Werror. Nothing here links against anything but libc and shmring.
 *
 * Contents (the API is meant to stay stable; add, don't change):
 *
 *   Failing
 *     CHECK(cond)                    fail unless cond
 *     CHECK_MSG(cond, fmt, ...)      ... with a printf-style explanation
 *     CHECK_OK(expr)                 fail unless expr == SHMRING_OK; prints
 *                                    the status, shmring_strerror() and this
 *                                    thread's shmring_last_error()
 *     CHECK_RC(expr, want)           fail unless expr == want (same report)
 *     CHECK_EQ_U64(a, b)             fail unless (uint64_t)a == (uint64_t)b
 *     TU_FAIL(fmt, ...)              fail now
 *   A failure prints "file:line: ..." to stderr, unlinks the segments
 *   registered with tu_track_segment() (only in the process that registered
 *   them, so a failing forked child does not pull the name from under its
 *   parent) and calls _exit(1) (no atexit handlers, no leak report from a
 *   half-torn-down test). Safe to use from any thread or forked child.
 *
 *   Skipping
 *     TU_SKIP(fmt, ...)              print the reason, exit 77 (skip)
 *
 *   Segments
 *     tu_segment_name(buf, n, tag)   "/shmring-test-<tag>-<pid>-<counter>",
 *                                    unique per process and call
 *     tu_track_segment(name)         unlink name on failure / watchdog and
 *                                    at tu_cleanup_segments()
 *     tu_cleanup_segments()          unlink every tracked name (ENOENT ok)
 *     tu_watchdog(seconds)           fail (with cleanup) if the process runs
 *                                    longer than that (SIGALRM; not inherited
 *                                    by fork() -- call it again in a child)
 *
 *   Time and randomness
 *     tu_now_ns()                    CLOCK_MONOTONIC in nanoseconds
 *     tu_test_seed()                 $SHMRING_TEST_SEED if set, else derived
 *                                    from time and pid; print it yourself
 *     tu_rng_t, tu_rng_seed(), tu_rng_next(), tu_rng_below(rng, n)
 *                                    splitmix64: deterministic per seed
 *     tu_mix64(x)                    64-bit finalizer (splitmix64)
 *
 *   Checksums and self-checking messages
 *     tu_checksum64(data, n, seed)   fast 64-bit hash of n bytes
 *     tu_fnv1a64(data, n)            plain FNV-1a, for small things
 *     tu_msg_encode(buf, len, writer, seq)
 *         Fill buf[0, len) with the message (writer, seq) of that length.
 *         len >= TU_MSG_HEADER: a header {u32 writer, u32 length, u64 seq,
 *         u64 checksum} followed by a payload derived from (writer, seq);
 *         the checksum covers header fields and payload, so a torn or mixed
 *         message fails tu_msg_decode(). len < TU_MSG_HEADER ("short",
 *         including 0): bytes derived from (writer, seq, len) -- not
 *         self-identifying; check them with tu_msg_verify().
 *     tu_msg_decode(buf, len, &writer, &seq)
 *         For len >= TU_MSG_HEADER: 1 if the message is intact (length field
 *         == len, checksum ok), with writer and seq filled in; else 0.
 *         For short messages: always 0 (see tu_msg_verify).
 *     tu_msg_verify(buf, len, writer, seq)
 *         1 iff buf[0, len) is exactly what tu_msg_encode(len, writer, seq)
 *         wrote (any length).
 */
#ifndef SHMRING_TEST_UTIL_H
#define SHMRING_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

/* ---- failing ------------------------------------------------------------ */

#define TU_MAX_TRACKED 64
#define TU_NAME_BYTES 96
/* How long a test waits for what must happen (a recovery, a message)
 * before it calls the run hung: far beyond any correct run, on any machine
 * (docs/testing.md). Durations the product documents are printed, not
 * asserted, since they depend on the machine's speed. */
#define TU_HANG_GUARD_NS (60ll * 1000000000ll)

struct tu_state {
    char names[TU_MAX_TRACKED][TU_NAME_BYTES];
    pid_t owners[TU_MAX_TRACKED];
    atomic_uint count;
    atomic_uint name_counter;
    atomic_int failing;
};

static inline struct tu_state *tu_state(void) {
    static struct tu_state state;
    return &state;
}

/* Unlink every segment this process registered (async-signal tolerant). */
static inline void tu_cleanup_segments(void) {
    struct tu_state *s = tu_state();
    unsigned n = atomic_load(&s->count);
    if (n > TU_MAX_TRACKED) n = TU_MAX_TRACKED;
    pid_t me = getpid();
    for (unsigned i = 0; i < n; i++) {
        if (s->owners[i] == me && s->names[i][0]) {
            shm_unlink(s->names[i]);
        }
    }
}

static inline void tu_track_segment(const char *name) {
    struct tu_state *s = tu_state();
    if (!name) return;
    unsigned i = atomic_fetch_add(&s->count, 1);
    if (i >= TU_MAX_TRACKED) return;
    /* "/name" (longer names are cut; they are never that long). No
     * snprintf: GCC's -Wformat-truncation would reject some callers. */
    char *out = s->names[i];
    size_t at = 0;
    if (name[0] != '/') out[at++] = '/';
    for (size_t k = 0; name[k] && at < TU_NAME_BYTES - 1; k++) {
        out[at++] = name[k];
    }
    out[at] = '\0';
    s->owners[i] = getpid();
}

__attribute__((noreturn, format(printf, 3, 4))) static inline void tu_fail_at(
    const char *file, int line, const char *format, ...) {
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    fprintf(stderr, "%s:%d: FAIL (pid %d): %s\n", file, line, (int)getpid(),
            text);
    fflush(stderr);
    fflush(stdout);
    /* The first failing thread cleans up; others just leave. */
    if (atomic_exchange(&tu_state()->failing, 1) == 0) tu_cleanup_segments();
    _exit(1);
}

#define TU_FAIL(...) tu_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define TU_SKIP(...)                                     \
    do {                                                 \
        fprintf(stderr, "SKIP: ");                       \
        fprintf(stderr, __VA_ARGS__);                    \
        fprintf(stderr, "\n");                           \
        tu_cleanup_segments();                           \
        exit(77);                                        \
    } while (0)

#define CHECK(cond)                                              \
    do {                                                         \
        if (!(cond)) TU_FAIL("CHECK(%s) failed", #cond);         \
    } while (0)

#define CHECK_MSG(cond, ...)                                     \
    do {                                                         \
        if (!(cond)) {                                           \
            char tu_why_[768];                                   \
            snprintf(tu_why_, sizeof tu_why_, __VA_ARGS__);      \
            TU_FAIL("CHECK(%s) failed: %s", #cond, tu_why_);     \
        }                                                        \
    } while (0)

#define CHECK_RC(expr, want)                                                \
    do {                                                                    \
        int tu_rc_ = (expr);                                                \
        int tu_want_ = (want);                                              \
        if (tu_rc_ != tu_want_) {                                           \
            TU_FAIL("%s returned %d (%s), expected %d (%s); last error: %s", \
                    #expr, tu_rc_, shmring_strerror(tu_rc_), tu_want_,       \
                    shmring_strerror(tu_want_), shmring_last_error());       \
        }                                                                   \
    } while (0)

#define CHECK_OK(expr) CHECK_RC((expr), SHMRING_OK)

#define CHECK_EQ_U64(a, b)                                                 \
    do {                                                                   \
        uint64_t tu_a_ = (uint64_t)(a), tu_b_ = (uint64_t)(b);             \
        if (tu_a_ != tu_b_) {                                              \
            TU_FAIL("CHECK_EQ_U64(%s, %s) failed: %" PRIu64 " != %" PRIu64, \
                    #a, #b, tu_a_, tu_b_);                                 \
        }                                                                  \
    } while (0)

/* ---- segments and the watchdog ------------------------------------------ */

/* "/shmring-test-<tag>-<pid>-<nonce>-<counter>" into buf (tag may be
 * NULL). The nonce (the time in ns) keeps names apart across runs: in a
 * sandbox every test has the same small pid, and /dev/shm is shared. */
static inline const char *tu_segment_name(char *buf, size_t n,
                                          const char *tag) {
    unsigned k = atomic_fetch_add(&tu_state()->name_counter, 1);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t nonce = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
    snprintf(buf, n, "/shmring-test-%s-%d-%llx-%u", tag ? tag : "x",
             (int)getpid(), (unsigned long long)nonce, k);
    return buf;
}

static inline void tu_watchdog_handler(int sig) {
    (void)sig;
    static const char text[] =
        "FAIL: watchdog: the test ran past its time limit (a hang?)\n";
    ssize_t ignored = write(2, text, sizeof text - 1);
    (void)ignored;
    if (atomic_exchange(&tu_state()->failing, 1) == 0) tu_cleanup_segments();
    _exit(1);
}

static inline void tu_watchdog(unsigned seconds) {
    signal(SIGALRM, tu_watchdog_handler);
    alarm(seconds);
}

/* ---- time and randomness ------------------------------------------------ */

static inline int64_t tu_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline uint64_t tu_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t tu_test_seed(void) {
    const char *env = getenv("SHMRING_TEST_SEED");
    if (env && *env) return strtoull(env, NULL, 0);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return tu_mix64((uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec +
                    ((uint64_t)getpid() << 32)) & 0xFFFFFFFFFFFFull;
}

typedef struct {
    uint64_t state;
} tu_rng_t;

static inline void tu_rng_seed(tu_rng_t *rng, uint64_t seed) {
    rng->state = seed;
}

static inline uint64_t tu_rng_next(tu_rng_t *rng) {
    rng->state += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng->state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform-ish in [0, n); n == 0 gives 0. */
static inline uint64_t tu_rng_below(tu_rng_t *rng, uint64_t n) {
    return n ? tu_rng_next(rng) % n : 0;
}

/* ---- checksums ---------------------------------------------------------- */

static inline uint64_t tu_fnv1a64(const void *data, uint64_t n) {
    const uint8_t *p = data;
    uint64_t h = 0xCBF29CE484222325ull;
    for (uint64_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

/* 8 bytes at a time; every byte and the length affect the result. */
static inline uint64_t tu_checksum64(const void *data, uint64_t n,
                                     uint64_t seed) {
    const uint8_t *p = data;
    uint64_t h = tu_mix64(seed ^ (n * 0xFF51AFD7ED558CCDull));
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = tu_mix64(h ^ w) + 0x2545F4914F6CDD1Dull;
    }
    uint64_t last = 0;
    for (uint64_t k = 0; i + k < n; k++) last |= (uint64_t)p[i + k] << (8 * k);
    return tu_mix64(h ^ last ^ 0x5851F42D4C957F2Dull);
}

/* ---- self-checking messages -------------------------------------------- */

#define TU_MSG_HEADER 24u /* u32 writer, u32 length, u64 seq, u64 checksum */

/* Payload / short-message bytes: a stream determined by (writer, seq, len). */
static inline void tu_msg_fill(uint8_t *p, uint64_t n, uint64_t key) {
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = tu_mix64(key + i);
        memcpy(p + i, &w, 8);
    }
    if (i < n) {
        uint64_t w = tu_mix64(key + i);
        memcpy(p + i, &w, (size_t)(n - i));
    }
}

static inline uint64_t tu_msg_key(uint32_t writer, uint64_t seq,
                                  uint64_t length) {
    return tu_mix64(((uint64_t)writer << 40) ^ tu_mix64(seq) ^
                    (length * 0x9E3779B97F4A7C15ull));
}

static inline uint64_t tu_msg_checksum(const uint8_t *p, uint64_t length) {
    /* Covers bytes [0, 16) (writer, length, seq) and the payload. */
    uint64_t h = tu_checksum64(p, 16, 0x736872696E67ull);
    return tu_checksum64(p + TU_MSG_HEADER, length - TU_MSG_HEADER, h);
}

static inline void tu_msg_encode(void *buf, uint64_t length, uint32_t writer,
                                 uint64_t seq) {
    uint8_t *p = buf;
    if (length < TU_MSG_HEADER) {
        tu_msg_fill(p, length, tu_msg_key(writer, seq, length));
        return;
    }
    uint32_t len32 = (uint32_t)length;
    memcpy(p, &writer, 4);
    memcpy(p + 4, &len32, 4);
    memcpy(p + 8, &seq, 8);
    tu_msg_fill(p + TU_MSG_HEADER, length - TU_MSG_HEADER,
                tu_msg_key(writer, seq, length));
    uint64_t sum = tu_msg_checksum(p, length);
    memcpy(p + 16, &sum, 8);
}

static inline int tu_msg_decode(const void *buf, uint64_t length,
                                uint32_t *writer_out, uint64_t *seq_out) {
    const uint8_t *p = buf;
    if (length < TU_MSG_HEADER) return 0;
    uint32_t writer, len32;
    uint64_t seq, sum;
    memcpy(&writer, p, 4);
    memcpy(&len32, p + 4, 4);
    memcpy(&seq, p + 8, 8);
    memcpy(&sum, p + 16, 8);
    if (len32 != (uint32_t)length) return 0;
    if (sum != tu_msg_checksum(p, length)) return 0;
    if (writer_out) *writer_out = writer;
    if (seq_out) *seq_out = seq;
    return 1;
}

static inline int tu_msg_verify(const void *buf, uint64_t length,
                                uint32_t writer, uint64_t seq) {
    if (length >= TU_MSG_HEADER) {
        uint32_t w;
        uint64_t s;
        return tu_msg_decode(buf, length, &w, &s) && w == writer && s == seq;
    }
    uint8_t expect[TU_MSG_HEADER];
    tu_msg_fill(expect, length, tu_msg_key(writer, seq, length));
    return length == 0 || memcmp(buf, expect, (size_t)length) == 0;
}

#endif /* SHMRING_TEST_UTIL_H */
