/*
 * unit_waiting.c -- deadlines, interrupts and opens that wait for a ring to
 * appear: a thread interrupts a blocked read, write, reserve and each
 * readers-writer lock wait; a signal handler interrupts a wait in another
 * thread; an interrupt raised before a wait is pending; a retry after
 * SHMRING_EINTERRUPTED with the same deadline ends at that deadline; an
 * open started before the ring exists succeeds once it is created, or ends
 * with SHMRING_ENOT_FOUND saying how long it waited, or by its opener.
 *
 * Events are ordered by observed state: a waiter is "asleep" once
 * /proc/self/task/TID/syscall shows it in the system call it sleeps in.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "wt" /* segment names /shmring_wt_... */
#include "unit_checks.h"      /* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>

#define MS 1000000ll
#define HANG_GUARD_NS (30000 * MS)

/* ---- a waiter in another thread ----------------------------------------- */

enum call { READ, WRITE, RESERVE, LOCK_SHARED, LOCK_EXCLUSIVE, WAIT_FOR_EX, OPEN };

struct waiter {
    enum call call;
    shmring_reader_t *reader;
    shmring_writer_t *writer;
    shmring_rwlock_t *lock;
    const char *name;
    shmring_opener_t *opener;
    shmring_ring_t *opened;
    int64_t deadline_ns;
    int block_sigusr1; /* so that a handler never runs in this thread */
    atomic_int tid;
    atomic_int rc;
    atomic_int done;
};

static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    if (w->block_sigusr1) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
    }
    atomic_store(&w->tid, (int)syscall(SYS_gettid));
    char buf[64];
    uint64_t length;
    void *slot;
    int rc = SHMRING_EINVALID;
    switch (w->call) {
    case READ:
        rc = shmring_read_until(w->reader, buf, sizeof buf, &length,
                                w->deadline_ns);
        break;
    case WRITE:
        rc = shmring_write_until(w->writer, "x", 1, w->deadline_ns);
        break;
    case RESERVE:
        rc = shmring_reserve_until(w->writer, &slot, w->deadline_ns);
        break;
    case LOCK_SHARED:
        rc = shmring_rwlock_lock_shared_until(w->lock, w->deadline_ns);
        break;
    case LOCK_EXCLUSIVE:
        rc = shmring_rwlock_lock_exclusive_until(w->lock, w->deadline_ns);
        break;
    case WAIT_FOR_EX:
        rc = shmring_rwlock_wait_for_exclusive_until(w->lock, w->deadline_ns);
        break;
    case OPEN:
        rc = shmring_open_until(w->name, w->deadline_ns, w->opener, &w->opened);
        break;
    }
    atomic_store(&w->rc, rc);
    atomic_store(&w->done, 1);
    return NULL;
}

/* The system call thread tid is in now (-1: running or unknown). */
static long current_syscall(int tid) {
    char path[64], text[64] = "";
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long number = -1;
    if (!fgets(text, sizeof text, f) || sscanf(text, "%ld", &number) != 1) {
        number = -1;
    }
    fclose(f);
    return number;
}

/* Wait (with a hang guard) until the waiter sleeps in `sleep_syscall`. */
static int until_asleep(struct waiter *w, long sleep_syscall) {
    int64_t give_up = now_ns() + HANG_GUARD_NS;
    while (now_ns() < give_up) {
        if (atomic_load(&w->done)) return 0;
        int tid = atomic_load(&w->tid);
        if (tid && current_syscall(tid) == sleep_syscall) return 1;
        sched_yield();
    }
    return 0;
}

/* Start w and wait until it sleeps: 0 if it never did. */
static int start_asleep(struct waiter *w, pthread_t *t, long sleep_syscall) {
    if (pthread_create(t, NULL, waiter_main, w) != 0) return 0;
    if (until_asleep(w, sleep_syscall)) return 1;
    pthread_join(*t, NULL);
    return 0;
}

static int finish(struct waiter *w, pthread_t t) {
    pthread_join(t, NULL);
    return atomic_load(&w->rc);
}

/* A ring of one slot with a writer and a reader. */
struct pair {
    shmring_ring_t *ring;
    shmring_writer_t *writer;
    shmring_reader_t *reader;
};

static int open_pair(struct pair *p) {
    int rc = shmring_create(NULL, 64, 1, NULL, &p->ring);
    if (rc == SHMRING_OK) rc = shmring_writer_open(p->ring, &p->writer);
    if (rc == SHMRING_OK) rc = shmring_reader_open(p->ring, NULL, 0, &p->reader);
    return rc;
}

static void close_pair(struct pair *p) {
    shmring_reader_close(p->reader);
    shmring_writer_close(p->writer);
    shmring_close(p->ring);
}

/* ---- interrupts from another thread -------------------------------------- */

static void test_interrupt_blocked_read(void) {
    struct pair p;
    CHECK_OK(open_pair(&p));
    struct waiter w = {.call = READ, .reader = p.reader,
                       .deadline_ns = SHMRING_FOREVER};
    pthread_t t;
    CHECK(start_asleep(&w, &t, SYS_futex));
    CHECK_OK(shmring_reader_interrupt(p.reader));
    CHECK_RC(finish(&w, t), SHMRING_EINTERRUPTED);
    /* Taken by that wait: the next ones wait and read as usual. */
    char buf[8];
    uint64_t length;
    CHECK_RC(shmring_read(p.reader, buf, sizeof buf, &length, 1 * MS),
             SHMRING_ETIMEOUT);
    CHECK_OK(shmring_write(p.writer, "hello", 5, 0));
    CHECK_OK(shmring_read(p.reader, buf, sizeof buf, &length, -1));
    CHECK_EQ_U64(length, 5);
    close_pair(&p);
}

static void test_interrupt_blocked_write_and_reserve(void) {
    struct pair p;
    CHECK_OK(open_pair(&p));
    CHECK_OK(shmring_write(p.writer, "a", 1, 0)); /* the one slot is full */
    struct waiter w = {.call = WRITE, .writer = p.writer,
                       .deadline_ns = SHMRING_FOREVER};
    pthread_t t;
    CHECK(start_asleep(&w, &t, SYS_futex));
    CHECK_OK(shmring_writer_interrupt(p.writer));
    CHECK_RC(finish(&w, t), SHMRING_EINTERRUPTED);
    struct waiter r = {.call = RESERVE, .writer = p.writer,
                       .deadline_ns = shmring_deadline_after(60000 * MS)};
    CHECK(start_asleep(&r, &t, SYS_futex));
    CHECK_OK(shmring_writer_interrupt(p.writer));
    CHECK_RC(finish(&r, t), SHMRING_EINTERRUPTED);
    /* Nothing was claimed by the interrupted calls: one message to read. */
    char buf[8];
    uint64_t length;
    CHECK_OK(shmring_read(p.reader, buf, sizeof buf, &length, 0));
    CHECK_RC(shmring_try_read(p.reader, buf, sizeof buf, &length),
             SHMRING_EEMPTY);
    CHECK_OK(shmring_write(p.writer, "b", 1, 0));
    close_pair(&p);
}

static void test_interrupt_rwlock_waits(void) {
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    pthread_t t;
    /* Exclusive, waiting for a shared holder. */
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    struct waiter x = {.call = LOCK_EXCLUSIVE, .lock = b,
                       .deadline_ns = SHMRING_FOREVER};
    CHECK(start_asleep(&x, &t, SYS_futex));
    CHECK_OK(shmring_rwlock_interrupt(b));
    CHECK_RC(finish(&x, t), SHMRING_EINTERRUPTED);
    uint32_t shared = 0, exclusive = 1;
    CHECK_OK(shmring_rwlock_state(a, &shared, &exclusive));
    CHECK_EQ_U64(shared, 1);
    CHECK_EQ_U64(exclusive, 0);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    /* Shared, waiting for an exclusive holder. */
    CHECK_OK(shmring_rwlock_lock_exclusive(a, 0));
    struct waiter s = {.call = LOCK_SHARED, .lock = b,
                       .deadline_ns = SHMRING_FOREVER};
    CHECK(start_asleep(&s, &t, SYS_futex));
    CHECK_OK(shmring_rwlock_interrupt(b));
    CHECK_RC(finish(&s, t), SHMRING_EINTERRUPTED);
    CHECK_OK(shmring_rwlock_unlock_exclusive(a));
    /* wait_for_exclusive: interrupted with no writer, the hold is back. */
    CHECK_OK(shmring_rwlock_lock_shared(b, 0));
    struct waiter f = {.call = WAIT_FOR_EX, .lock = b,
                       .deadline_ns = SHMRING_FOREVER};
    CHECK(start_asleep(&f, &t, SYS_futex));
    CHECK_OK(shmring_rwlock_interrupt(b));
    CHECK_RC(finish(&f, t), SHMRING_EINTERRUPTED);
    CHECK_OK(shmring_rwlock_state(a, &shared, NULL));
    CHECK_EQ_U64(shared, 1);
    CHECK_OK(shmring_rwlock_unlock_shared(b));
    CHECK_OK(shmring_rwlock_close(b));
    CHECK_OK(shmring_rwlock_close(a));
}

static void test_interrupt_is_pending_until_a_wait(void) {
    struct pair p;
    CHECK_OK(open_pair(&p));
    char buf[8];
    uint64_t length;
    CHECK_OK(shmring_reader_interrupt(p.reader));
    /* A call that does not wait leaves it pending... */
    CHECK_OK(shmring_write(p.writer, "a", 1, 0));
    CHECK_OK(shmring_read(p.reader, buf, sizeof buf, &length, -1));
    CHECK_RC(shmring_try_read(p.reader, buf, sizeof buf, &length),
             SHMRING_EEMPTY);
    /* ...the next wait takes it at once, and only that one. */
    CHECK_RC(shmring_read(p.reader, buf, sizeof buf, &length, -1),
             SHMRING_EINTERRUPTED);
    CHECK_RC(shmring_read(p.reader, buf, sizeof buf, &length, 1 * MS),
             SHMRING_ETIMEOUT);
    CHECK_RC(shmring_reader_interrupt(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_writer_interrupt(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_interrupt(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_opener_interrupt(NULL), SHMRING_EINVALID);
    close_pair(&p);
}

/* ---- from a signal handler ------------------------------------------------ */

static shmring_reader_t *volatile g_signal_reader;
static volatile sig_atomic_t g_handler_ran;

static void on_sigusr1(int sig) {
    (void)sig;
    errno = 4242; /* the interrupt keeps errno as it finds it */
    if (shmring_reader_interrupt(g_signal_reader) == SHMRING_OK &&
        errno == 4242) {
        g_handler_ran = 1;
    }
}

static void test_interrupt_from_signal_handler(void) {
    struct pair p;
    CHECK_OK(open_pair(&p));
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
    g_signal_reader = p.reader;
    g_handler_ran = 0;
    /* The waiter blocks SIGUSR1: only the interrupt can wake it. */
    struct waiter w = {.call = READ, .reader = p.reader,
                       .deadline_ns = SHMRING_FOREVER, .block_sigusr1 = 1};
    pthread_t t;
    CHECK(start_asleep(&w, &t, SYS_futex));
    CHECK(raise(SIGUSR1) == 0); /* runs the handler in this thread */
    CHECK_RC(finish(&w, t), SHMRING_EINTERRUPTED);
    CHECK(g_handler_ran);
    CHECK(sigaction(SIGUSR1, &old, NULL) == 0);
    close_pair(&p);
}

/* ---- deadlines ------------------------------------------------------------ */

static void test_retry_keeps_the_deadline(void) {
    struct pair p;
    CHECK_OK(open_pair(&p));
    char buf[8];
    uint64_t length;
    int64_t deadline = shmring_deadline_after(200 * MS);
    CHECK_OK(shmring_reader_interrupt(p.reader));
    CHECK_RC(shmring_read_until(p.reader, buf, sizeof buf, &length, deadline),
             SHMRING_EINTERRUPTED);
    /* The retry waits only for what is left, and ends at the deadline. */
    CHECK_RC(shmring_read_until(p.reader, buf, sizeof buf, &length, deadline),
             SHMRING_ETIMEOUT);
    CHECK(shmring_monotonic_ns() >= deadline);
    /* A deadline already past: one attempt, then ETIMEOUT (not EEMPTY). */
    CHECK_RC(shmring_read_until(p.reader, buf, sizeof buf, &length, deadline),
             SHMRING_ETIMEOUT);
    CHECK_OK(shmring_write_until(p.writer, "a", 1, deadline));
    CHECK_RC(shmring_write_until(p.writer, "b", 1, deadline), SHMRING_ETIMEOUT);
    CHECK_OK(shmring_read_until(p.reader, buf, sizeof buf, &length, deadline));
    /* The timeout forms keep their answers. */
    CHECK_RC(shmring_read(p.reader, buf, sizeof buf, &length, 0),
             SHMRING_EEMPTY);
    CHECK(shmring_deadline_after(-1) == SHMRING_FOREVER);
    CHECK(shmring_deadline_after(0) == SHMRING_TRY_ONCE);
    CHECK_RC(shmring_read_until(p.reader, buf, sizeof buf, &length,
                                SHMRING_TRY_ONCE),
             SHMRING_EEMPTY);
    int64_t before = shmring_monotonic_ns();
    int64_t later = shmring_deadline_after(5 * MS);
    CHECK(later >= before + 5 * MS);
    close_pair(&p);
}

/* ---- waiting for readers ------------------------------------------------- */

struct joiner {
    shmring_ring_t *ring;
    const char *group;
    shmring_reader_t *reader;
    atomic_int rc;
};

static void *join_main(void *arg) {
    struct joiner *j = arg;
    atomic_store(&j->rc, shmring_reader_open(j->ring, j->group, 0, &j->reader));
    return NULL;
}

struct producer {
    shmring_ring_t *ring;
    uint32_t count;
    const char *group;
    atomic_int tid;
    atomic_int rc;
    atomic_int done;
};

static void *producer_main(void *arg) {
    struct producer *p = arg;
    atomic_store(&p->tid, (int)syscall(SYS_gettid));
    atomic_store(&p->rc, shmring_wait_for_readers(p->ring, p->count, p->group,
                                                  60000 * MS));
    atomic_store(&p->done, 1);
    return NULL;
}

static int producer_asleep(struct producer *p) {
    int64_t give_up = now_ns() + HANG_GUARD_NS;
    while (now_ns() < give_up && !atomic_load(&p->done)) {
        int tid = atomic_load(&p->tid);
        if (tid && current_syscall(tid) == SYS_futex) return 1;
        sched_yield();
    }
    return 0;
}

static void test_wait_for_readers_is_woken_by_joins(void) {
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(NULL, 64, 4, NULL, &ring));
    CHECK_OK(shmring_wait_for_readers(ring, 0, NULL, 0));
    CHECK_RC(shmring_wait_for_readers(ring, 1, NULL, 0), SHMRING_ETIMEOUT);
    CHECK(strstr(shmring_last_error(), "0 of 1 reader(s) joined") != NULL);
    CHECK_RC(shmring_wait_for_readers(ring, 1, "", 0), SHMRING_EINVALID);
    /* Two members of "g" wanted; a broadcast reader does not count. */
    struct producer p = {.ring = ring, .count = 2, .group = "g"};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, producer_main, &p) == 0);
    CHECK(producer_asleep(&p));
    shmring_reader_t *broadcast;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &broadcast));
    struct joiner a = {.ring = ring, .group = "g"}, b = a;
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, join_main, &a) == 0);
    CHECK(pthread_join(ta, NULL) == 0);
    CHECK_OK(atomic_load(&a.rc));
    CHECK(!atomic_load(&p.done) || atomic_load(&p.rc) != SHMRING_OK);
    CHECK(pthread_create(&tb, NULL, join_main, &b) == 0);
    CHECK(pthread_join(tb, NULL) == 0);
    CHECK_OK(atomic_load(&b.rc));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(atomic_load(&p.rc));
    CHECK_OK(shmring_wait_for_readers_until(ring, 3, NULL, SHMRING_TRY_ONCE));
    CHECK_OK(shmring_reader_close(a.reader));
    CHECK_RC(shmring_wait_for_readers_until(ring, 2, "g",
                                            shmring_deadline_after(1 * MS)),
             SHMRING_ETIMEOUT);
    CHECK_OK(shmring_reader_close(b.reader));
    CHECK_OK(shmring_reader_close(broadcast));
    CHECK_OK(shmring_close(ring));
}

/* ---- opens that wait for a ring to appear ------------------------------- */

static void test_open_waits_for_create(void) {
    const char *name = unique_name();
    shmring_opener_t *opener;
    CHECK_OK(shmring_opener_create(&opener));
    struct waiter w = {.call = OPEN, .name = name, .opener = opener,
                       .deadline_ns = shmring_deadline_after(60000 * MS)};
    pthread_t t;
    CHECK(start_asleep(&w, &t, SYS_ppoll)); /* the consumer is first */
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, 64, 4, NULL, &ring));
    CHECK_OK(finish(&w, t));
    CHECK(w.opened != NULL);
    CHECK_EQ_U64(shmring_slot_count(w.opened), 4);
    CHECK_OK(shmring_close(w.opened));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
    shmring_opener_destroy(opener);
}

static void test_open_not_found_after_timeout(void) {
    const char *name = unique_name();
    shmring_ring_t *ring = NULL;
    CHECK_RC(shmring_open(name, 0, &ring), SHMRING_ENOT_FOUND);
    CHECK(strstr(shmring_last_error(), "waited") == NULL);
    int64_t before = now_ns();
    CHECK_RC(shmring_open(name, 30 * MS, &ring), SHMRING_ENOT_FOUND);
    CHECK(now_ns() - before >= 30 * MS);
    CHECK(strstr(shmring_last_error(), "did not appear (waited 0.0") != NULL);
    CHECK(ring == NULL);
    shmring_rwlock_t *lock = NULL;
    CHECK_RC(shmring_rwlock_open(name, 10 * MS, &lock), SHMRING_ENOT_FOUND);
    CHECK(strstr(shmring_last_error(), "waited") != NULL);
    CHECK_RC(shmring_rwlock_open_until(name, shmring_monotonic_ns(), NULL,
                                       &lock),
             SHMRING_ENOT_FOUND);
}

static void test_opener_interrupts_open(void) {
    const char *name = unique_name();
    shmring_opener_t *opener;
    CHECK_OK(shmring_opener_create(&opener));
    struct waiter w = {.call = OPEN, .name = name, .opener = opener,
                       .deadline_ns = SHMRING_FOREVER};
    pthread_t t;
    CHECK(start_asleep(&w, &t, SYS_ppoll));
    CHECK_OK(shmring_opener_interrupt(opener));
    CHECK_RC(finish(&w, t), SHMRING_EINTERRUPTED);
    CHECK(w.opened == NULL);
    /* Taken: the opener serves the next open as usual. */
    shmring_ring_t *ring, *opened;
    CHECK_OK(shmring_create(name, 64, 4, NULL, &ring));
    CHECK_OK(shmring_open_until(name, SHMRING_FOREVER, opener, &opened));
    CHECK_OK(shmring_close(opened));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
    shmring_opener_destroy(opener);
}

int main(void) {
    atexit(cleanup_names);
    tu_watchdog(120);
    RUN(test_interrupt_blocked_read);
    RUN(test_interrupt_blocked_write_and_reserve);
    RUN(test_interrupt_rwlock_waits);
    RUN(test_interrupt_is_pending_until_a_wait);
    RUN(test_interrupt_from_signal_handler);
    RUN(test_retry_keeps_the_deadline);
    RUN(test_wait_for_readers_is_woken_by_joins);
    RUN(test_open_waits_for_create);
    RUN(test_open_not_found_after_timeout);
    RUN(test_opener_interrupts_open);
    printf("unit_waiting: %d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
