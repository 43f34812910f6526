/* locker: the C program of the cross-language rwlock check (tests/cross/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ll

#define CHECK(call)                                                              \
    do {                                                                         \
        int rc_ = (call);                                                        \
        if (rc_ != SHMRING_OK) {                                                 \
            fprintf(stderr, "locker c: %s: %s (%s)\n", #call,                    \
                    shmring_strerror(rc_), shmring_last_error());                \
            return 1;                                                            \
        }                                                                        \
    } while (0)

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 * MS + t.tv_nsec;
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){0, ms * MS}, NULL); }

/* Waits up to `ms` until `path` exists. */
static int wait_file(const char *path, long ms) {
    for (long waited = 0; access(path, F_OK) != 0; waited += 5) {
        if (waited >= ms) {
            fprintf(stderr, "locker c: %s did not appear in %ld ms\n", path, ms);
            return 1;
        }
        sleep_ms(5);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: locker NAME (--shared|--exclusive) --timeout MS [--create] [--busy] "
                        "[--ready FILE] [--wait-shared N] [--until FILE]\n");
        return 2;
    }
    const char *name = argv[1], *ready = NULL, *until = NULL;
    int exclusive = -1, create = 0, busy = 0;
    long long timeout_ms = 0;
    unsigned wait_shared = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--shared")) exclusive = 0;
        else if (!strcmp(argv[i], "--exclusive")) exclusive = 1;
        else if (!strcmp(argv[i], "--create")) create = 1;
        else if (!strcmp(argv[i], "--busy")) busy = 1;
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_ms = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--ready") && i + 1 < argc) ready = argv[++i];
        else if (!strcmp(argv[i], "--until") && i + 1 < argc) until = argv[++i];
        else if (!strcmp(argv[i], "--wait-shared") && i + 1 < argc) wait_shared = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "locker c: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (exclusive < 0) {
        fprintf(stderr, "locker c: --shared or --exclusive\n");
        return 2;
    }
    const char *kind = exclusive ? "exclusive" : "shared";
    shmring_rwlock_t *lock;
    if (create) CHECK(shmring_rwlock_create(name, 0, 0, &lock));
    else CHECK(shmring_rwlock_open(name, 10000 * MS, &lock));

    int64_t start = now_ns();
    int rc = exclusive ? shmring_rwlock_lock_exclusive(lock, timeout_ms * MS)
                       : shmring_rwlock_lock_shared(lock, timeout_ms * MS);
    int64_t waited_ms = (now_ns() - start) / MS;
    if (busy) {
        uint32_t shared = 0, held = 0;
        CHECK(shmring_rwlock_state(lock, &shared, &held));
        if (rc != SHMRING_ETIMEOUT || waited_ms < timeout_ms || !held) {
            fprintf(stderr, "locker c: %s hold: %s after %lld ms (want a timeout after %lld ms); "
                            "state: %u shared, exclusive %u (want exclusive)\n",
                    kind, shmring_strerror(rc), (long long)waited_ms, timeout_ms, shared, held);
            return 1;
        }
        CHECK(shmring_rwlock_close(lock));
        printf("locker c: %s hold busy for %lld ms, lock held exclusively\n", kind, (long long)waited_ms);
        return 0;
    }
    CHECK(rc);
    for (int64_t deadline = now_ns() + 10000 * MS;;) {
        uint32_t shared = 0;
        CHECK(shmring_rwlock_state(lock, &shared, NULL));
        if (shared >= wait_shared) break;
        if (now_ns() > deadline) {
            fprintf(stderr, "locker c: %u shared holds after 10 s, want %u\n", shared, wait_shared);
            return 1;
        }
        sleep_ms(5);
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (!f || fclose(f)) {
            perror(ready);
            return 1;
        }
    }
    if (until && wait_file(until, 30000)) return 1;
    CHECK(exclusive ? shmring_rwlock_unlock_exclusive(lock) : shmring_rwlock_unlock_shared(lock));
    CHECK(shmring_rwlock_close(lock));
    printf("locker c: %s hold taken after %lld ms, released\n", kind, (long long)waited_ms);
    return 0;
}
