/*
 * appear.c -- opening a segment that may not exist yet: shmring_open and
 * shmring_rwlock_open with a timeout wait for its name to appear, woken by
 * its creation (inotify on the shared-memory directory), and an opener
 * (shmring_opener_t) ends such a wait from another thread or a signal
 * handler (docs/algorithm.md, "Waiting for a ring to appear").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Where glibc's shm_open keeps its names. */
#define SHM_DIRECTORY "/dev/shm"
/* Without inotify (no instance left: fs.inotify.max_user_instances), a
 * waiter looks again this often. */
#define APPEAR_POLL_NS 10000000ll

struct shmring_opener {
    atomic_u32 pending;
    int wake_fd; /* an eventfd: readable once interrupted */
};

SHMRING_API int shmring_opener_create(shmring_opener_t **opener_out) {
    if (!opener_out) return set_error(SHMRING_EINVALID, "opener_out is NULL");
    *opener_out = NULL;
    shmring_opener_t *o = calloc(1, sizeof *o);
    if (!o) return set_error(SHMRING_ENOMEM, "cannot allocate opener");
    o->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (o->wake_fd < 0) {
        int rc = shm_os_error(errno, "cannot make an eventfd for", "opener");
        free(o);
        return rc;
    }
    *opener_out = o;
    return SHMRING_OK;
}

SHMRING_API void shmring_opener_destroy(shmring_opener_t *opener) {
    if (!opener) return;
    close(opener->wake_fd);
    free(opener);
}

/* Async-signal-safe: an atomic store and a write(2); errno is kept. */
SHMRING_API int shmring_opener_interrupt(shmring_opener_t *opener) {
    if (!opener) return SHMRING_EINVALID;
    int saved_errno = errno;
    /* SYNC(opener-pending): pairs with the atomic_exchange_explicit in
     * opener_take: stored before the eventfd wakes its poll. */
    store_seq_cst(&opener->pending, 1);
    uint64_t one = 1;
    ssize_t unused = write(opener->wake_fd, &one, sizeof one);
    (void)unused; /* a full counter is already readable */
    errno = saved_errno;
    return SHMRING_OK;
}

int opener_take(shmring_opener_t *opener) {
    if (!opener) return 0;
    /* SYNC(opener-pending): pairs with store_seq_cst in
     * shmring_opener_interrupt. */
    if (atomic_exchange_explicit(&opener->pending, 0, memory_order_seq_cst) == 0) {
        return 0;
    }
    uint64_t drained;
    ssize_t unused = read(opener->wake_fd, &drained, sizeof drained);
    (void)unused; /* empty already: nothing to drain */
    return 1;
}

/* Sleep until `fd` (may be -1) is readable, the opener is interrupted, the
 * deadline or at most `cap_ns` (< 0: no cap) passes. EINTR: a signal. */
int opener_sleep(shmring_opener_t *opener, int fd,
                 const struct deadline *deadline, int64_t cap_ns) {
    struct pollfd fds[2];
    nfds_t n = 0;
    if (fd >= 0) fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
    if (opener) fds[n++] = (struct pollfd){.fd = opener->wake_fd, .events = POLLIN};
    int64_t left = deadline_left_ns(deadline);
    if (cap_ns >= 0 && (left < 0 || left > cap_ns)) left = cap_ns;
    struct timespec at = {left / 1000000000, left % 1000000000};
    int rc = ppoll(fds, n, left < 0 ? NULL : &at, NULL);
    return rc < 0 ? errno : 0;
}

static int interrupted_error(void) {
    return set_error(SHMRING_EINTERRUPTED, "the open was interrupted");
}

/* An inotify descriptor told of names created in SHM_DIRECTORY, or -1. */
static int watch_directory(void) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return -1;
    if (inotify_add_watch(fd, SHM_DIRECTORY, IN_CREATE | IN_MOVED_TO) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void drain_events(int fd) {
    char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(fd, events, sizeof events) > 0) {
    }
}

int shm_open_existing(const char *name, const struct deadline *deadline,
                      shmring_opener_t *opener, int *fd_out) {
    int64_t started = monotonic_ns();
    int watch = -1, rc = SHMRING_OK;
    for (;;) {
        if (opener_take(opener)) {
            rc = interrupted_error();
            break;
        }
        int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
        if (fd >= 0) {
            *fd_out = fd;
            break;
        }
        if (errno != ENOENT || deadline->try_once) {
            rc = shm_os_error(errno, "cannot open segment", name);
            break;
        }
        if (deadline_passed(deadline)) {
            double waited = (double)(monotonic_ns() - started) / 1e9;
            rc = set_error(SHMRING_ENOT_FOUND,
                           "cannot open segment %s: it did not appear "
                           "(waited %.3f s)",
                           name, waited);
            break;
        }
        if (watch < 0 && (watch = watch_directory()) >= 0) {
            continue; /* look again: it may have appeared before the watch */
        }
        int err = opener_sleep(opener, watch, deadline,
                               watch < 0 ? APPEAR_POLL_NS : -1);
        if (err == EINTR) {
            rc = set_error(SHMRING_EINTERRUPTED,
                           "a signal handler ran during the open");
            break;
        }
        if (watch >= 0) drain_events(watch);
    }
    if (watch >= 0) close(watch);
    return rc;
}
