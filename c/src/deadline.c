/*
 * deadline.c -- when a wait ends: the monotonic clock, relative timeouts
 * (the header's int64_t timeout_ns) and absolute deadlines (the _until
 * calls), in one representation every wait uses.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <time.h>

#include "internal.h"

int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

struct deadline deadline_after(int64_t timeout_ns) {
    struct deadline d = {timeout_ns < 0, timeout_ns == 0, 0, 0};
    if (d.try_once) return d;
    if (!d.forever) {
        int64_t now = monotonic_ns();
        d.at_ns = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
    }
    return d;
}

struct deadline deadline_in(int64_t timeout_ns) {
    struct deadline d = {timeout_ns < 0, timeout_ns == 0, timeout_ns > 0,
                         timeout_ns > 0 ? timeout_ns : 0};
    return d;
}

void deadline_resolve(struct deadline *deadline) {
    if (deadline->relative) *deadline = deadline_after(deadline->at_ns);
}

struct deadline deadline_at(int64_t deadline_ns) {
    if (deadline_ns == SHMRING_TRY_ONCE) return deadline_in(0);
    struct deadline d = {deadline_ns < 0, 0, 0, deadline_ns < 0 ? 0 : deadline_ns};
    return d;
}

int deadline_passed(const struct deadline *deadline) {
    return !deadline->forever && monotonic_ns() >= deadline->at_ns;
}

int64_t deadline_left_ns(const struct deadline *deadline) {
    if (deadline->forever) return -1;
    int64_t left = deadline->at_ns - monotonic_ns();
    return left > 0 ? left : 0;
}

SHMRING_API int64_t shmring_monotonic_ns(void) { return monotonic_ns(); }

SHMRING_API int64_t shmring_deadline_after(int64_t timeout_ns) {
    if (timeout_ns < 0) return SHMRING_FOREVER;
    if (timeout_ns == 0) return SHMRING_TRY_ONCE;
    return deadline_after(timeout_ns).at_ns;
}
