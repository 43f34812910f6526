/*
 * unit_checks.h -- the non-fatal check harness shared by the unit tests
 * (unit_api.c, unit_states.c, bad_segments.c).
 *
 * Include it FIRST: it includes test_util.h, which defines _GNU_SOURCE
 * before any system header, and reuses its helpers (tu_now_ns, ...).
 *
 * Unlike test_util.h (whose CHECK* end the whole process, right for the
 * stress tests), a failed check here is printed, counted in g_failures and
 * ends only the current test function (`return;` -- so checks are used in
 * void test_* functions). RUN() runs one test and prints "ok"/"FAIL"; main
 * ends with `return g_failures ? 1 : 0;`.
 *
 * Segment names: define UNIT_SEGMENT_TAG (e.g. "ua") before including this
 * header to get names /shmring_<tag>_<pid>_<nonce>_<n> from unique_name().
 */
#ifndef SHMRING_UNIT_CHECKS_H
#define SHMRING_UNIT_CHECKS_H

#include "test_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

/* ---- failing without exiting --------------------------------------------- */

/* Failures so far, and the test running now (printed with each failure). */
static int g_failures;
static char g_test[160] = "";

/* Print "FAIL file:line [test]: message" and count it; does not return
 * from the test (for checks that must go on, e.g. in helpers). */
#define FAILF(...)                                                        \
    do {                                                                  \
        fprintf(stderr, "FAIL %s:%d [%s]: ", __FILE__, __LINE__, g_test); \
        fprintf(stderr, __VA_ARGS__);                                     \
        fprintf(stderr, "\n");                                            \
        g_failures++;                                                     \
    } while (0)

/* test_util.h's versions of these exit the process; replace them with ones
 * that count the failure and stop only the current test. */
#undef CHECK
#undef CHECK_RC
#undef CHECK_OK
#undef CHECK_EQ_U64

/* Stop the current test unless cond holds. */
#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            FAILF("CHECK(%s) (last_error: %s)", #cond,                    \
                  shmring_last_error());                                  \
            return;                                                       \
        }                                                                 \
    } while (0)

/* Stop the current test unless expr returns status want (both by name). */
#define CHECK_RC(expr, want)                                              \
    do {                                                                  \
        int rc_ = (expr);                                                 \
        int want_ = (want);                                               \
        if (rc_ != want_) {                                               \
            FAILF("%s = %d %s, want %d %s (last_error: %s)", #expr, rc_,  \
                  rc_name(rc_), want_, rc_name(want_),                    \
                  shmring_last_error());                                  \
            return;                                                       \
        }                                                                 \
    } while (0)

#define CHECK_OK(expr) CHECK_RC((expr), SHMRING_OK)

/* Stop the current test unless a == b as uint64_t (shown decimal and hex,
 * which makes sequence numbers near 2^63 / 2^64 readable). */
#define CHECK_EQ_U64(a, b)                                                \
    do {                                                                  \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                  \
        if (a_ != b_) {                                                   \
            FAILF("%s = %" PRIu64 " (%#" PRIx64 "), want %s = %" PRIu64   \
                  " (%#" PRIx64 ")",                                      \
                  #a, a_, a_, #b, b_, b_);                                \
            return;                                                       \
        }                                                                 \
    } while (0)

/* Run one void test function under its name; print "ok" or "FAIL". */
#define RUN(fn)                                                         \
    do {                                                                \
        int before_ = g_failures;                                       \
        snprintf(g_test, sizeof g_test, "%s", #fn);                     \
        printf("== %s\n", #fn);                                         \
        fflush(stdout);                                                 \
        fn();                                                           \
        printf("%s %s\n", g_failures == before_ ? "ok  " : "FAIL", #fn); \
        fflush(stdout);                                                 \
    } while (0)

/* The status code's short name ("EFULL"), for failure messages. */
static inline const char *rc_name(int rc) {
    switch (rc) {
    case SHMRING_OK: return "OK";
    case SHMRING_EFULL: return "EFULL";
    case SHMRING_EEMPTY: return "EEMPTY";
    case SHMRING_ETIMEOUT: return "ETIMEOUT";
    case SHMRING_ECLOSED: return "ECLOSED";
    case SHMRING_ETOOLARGE: return "ETOOLARGE";
    case SHMRING_EINTERRUPTED: return "EINTERRUPTED";
    case SHMRING_ECORRUPT: return "ECORRUPT";
    case SHMRING_EVERSION: return "EVERSION";
    case SHMRING_ENOSPACE: return "ENOSPACE";
    case SHMRING_EEXISTS: return "EEXISTS";
    case SHMRING_ENOTFOUND: return "ENOTFOUND";
    case SHMRING_EPERMISSION: return "EPERMISSION";
    case SHMRING_EINVALID: return "EINVALID";
    case SHMRING_ELIMIT: return "ELIMIT";
    case SHMRING_ELAPPED: return "ELAPPED";
    case SHMRING_ENOMEM: return "ENOMEM";
    case SHMRING_ESYSTEM: return "ESYSTEM";
    default: return shmring_strerror(rc);
    }
}

/* ---- segment names --------------------------------------------------------- */

#ifndef UNIT_SEGMENT_TAG
#define UNIT_SEGMENT_TAG "unit"
#endif

#define UNIT_MAX_NAMES 256
static char g_names[UNIT_MAX_NAMES][64];
static int g_name_count;

/* "/dev/shm<name>" into buf: where a named segment lives as a file. */
static inline const char *shm_path(const char *name, char *buf, size_t n) {
    if (snprintf(buf, n, "/dev/shm%s", name) >= (int)n) abort();
    return buf;
}

/* A fresh segment name, remembered so cleanup_names() removes it at exit.
 * (Not tu_segment_name(): that one tracks only 64 names and has no nonce.)
 * pid alone is not unique: sandboxed tests run in their own pid namespace
 * (often as pid 16) but share /dev/shm, so add a per-run nonce. */
static inline const char *unique_name(void) {
    static unsigned long long nonce;
    if (!nonce) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        nonce = ((unsigned long long)t.tv_sec * 1000000000ull +
                 (unsigned long long)t.tv_nsec) & 0xFFFFFFFFFFull;
    }
    if (g_name_count == UNIT_MAX_NAMES) abort();
    char *n = g_names[g_name_count];
    snprintf(n, sizeof g_names[0], "/shmring_%s_%d_%llx_%d", UNIT_SEGMENT_TAG,
             (int)getpid(), nonce, g_name_count);
    g_name_count++;
    return n;
}

/* atexit() handler: remove whatever was made under the unique_name()s --
 * a segment, or a FIFO or directory put there by hand (ENOENT is fine). */
static inline void cleanup_names(void) {
    char path[128];
    for (int i = 0; i < g_name_count; i++) {
        shm_unlink(g_names[i]);
        if (snprintf(path, sizeof path, "/dev/shm%s", g_names[i]) >=
            (int)sizeof path) {
            continue;
        }
        unlink(path); /* a FIFO */
        rmdir(path);  /* a directory */
    }
}

/* ---- time -------------------------------------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds (test_util.h), under the tests' short name. */
static inline int64_t now_ns(void) { return tu_now_ns(); }

/* Sleep at least ms milliseconds, resuming after signals. */
static inline void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

#endif /* SHMRING_UNIT_CHECKS_H */
