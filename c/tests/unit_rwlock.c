/*
 * unit_rwlock.c -- every shmring_rwlock_* call and error path, one
 * behaviour at a time: create/open/dup/close, shared and exclusive holds in
 * try, timeout and forever forms, nesting, writer preference (and nested
 * shared holds not queuing behind a waiting writer), misuse, the holder
 * table limit, anonymous locks across fork(), foreign and damaged segments,
 * wake-ups and signals.
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "rw" /* segment names /shmring_rw_... */
#include "unit_checks.h"      /* first: it defines _GNU_SOURCE */

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "../src/rwlock.h"

#define MS 1000000ll

static uint32_t shared_holds(const shmring_rwlock_t *lock) {
    uint32_t shared = 99, exclusive = 99;
    if (shmring_rwlock_state(lock, &shared, &exclusive) != SHMRING_OK) {
        return 1000;
    }
    return shared;
}
static uint32_t exclusive_held(const shmring_rwlock_t *lock) {
    uint32_t exclusive = 99;
    if (shmring_rwlock_state(lock, NULL, &exclusive) != SHMRING_OK) return 1000;
    return exclusive;
}
static uint32_t writer_waiting(const shmring_rwlock_t *lock) {
    uint32_t waiting = 99;
    if (shmring_rwlock_waiting(lock, &waiting, NULL) != SHMRING_OK) return 1000;
    return waiting;
}
static uint32_t waiters(const shmring_rwlock_t *lock) {
    uint32_t n = 99;
    if (shmring_rwlock_waiting(lock, NULL, &n) != SHMRING_OK) return 1000;
    return n;
}
/* Polls `condition` (a state of the lock) until it holds, or fails after a
 * hang guard: events are ordered by what is observed, not by pausing. */
#define AWAIT_STATE(condition)                                               \
    do {                                                                     \
        int64_t give_up_ = now_ns() + 30000 * MS;                            \
        while (!(condition) && now_ns() < give_up_) sched_yield();           \
        CHECK(condition);                                                    \
    } while (0)
/* The raw exclusive word: nonzero while a writer holds or waits for it. */
static uint64_t exclusive_word_of(const shmring_rwlock_t *lock) {
    /* Relaxed: a test's look at the state. */
    return load_relaxed(&lock->control->exclusive);
}

/* ---- segments ------------------------------------------------------------ */

static void test_create_open_close(void) {
    const char *name = unique_name();
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(name, 0, 0, &a));
    char path[128];
    struct stat st;
    CHECK(stat(shm_path(name, path, sizeof path), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_EQ_U64(st.st_size, rwlock_segment_bytes(RWLOCK_DEFAULT_HOLDERS));
    CHECK_EQ_U64(a->max_holders, RWLOCK_DEFAULT_HOLDERS);
    CHECK_RC(shmring_rwlock_create(name, 0, 0, &b), SHMRING_EEXISTS);
    CHECK(b == NULL);
    CHECK_OK(shmring_rwlock_open(name + 1, 0, &b)); /* without the '/' */
    CHECK_EQ_U64(shared_holds(b), 0);
    CHECK_EQ_U64(exclusive_held(b), 0);
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    CHECK_EQ_U64(shared_holds(b), 1);
    CHECK_OK(shmring_rwlock_close(a)); /* releases its hold */
    CHECK_EQ_U64(shared_holds(b), 0);
    CHECK_OK(shmring_unlink(name));
    CHECK_RC(shmring_rwlock_open(name, 0, &a), SHMRING_ENOTFOUND);
    /* b still works on the unlinked segment, and can be duplicated. */
    shmring_rwlock_t *c;
    CHECK_OK(shmring_rwlock_dup(b, &c));
    CHECK_OK(shmring_rwlock_lock_exclusive(c, 0));
    CHECK_EQ_U64(exclusive_held(b), 1);
    CHECK_RC(shmring_rwlock_try_lock_shared(b), SHMRING_ETIMEOUT);
    CHECK_OK(shmring_rwlock_close(c));
    CHECK_OK(shmring_rwlock_try_lock_shared(b));
    CHECK_OK(shmring_rwlock_close(b));

    /* Mode and size options. */
    name = unique_name();
    CHECK_OK(shmring_rwlock_create(name, 3, 0640, &a));
    CHECK(stat(shm_path(name, path, sizeof path), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK_EQ_U64(st.st_size, rwlock_segment_bytes(3));
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_unlink(name));
}

static void test_bad_arguments(void) {
    shmring_rwlock_t *lock = (shmring_rwlock_t *)1;
    CHECK_RC(shmring_rwlock_create(unique_name(), 0, 0, NULL),
             SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_create(unique_name(), 65537, 0, &lock),
             SHMRING_EINVALID);
    CHECK(lock == NULL);
    CHECK_RC(shmring_rwlock_create(unique_name(), 1, 010000, &lock),
             SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_create("", 0, 0, &lock), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_create("/a/b", 0, 0, &lock), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_open(NULL, 0, &lock), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_open(unique_name(), 0, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_open(unique_name(), 0, &lock), SHMRING_ENOTFOUND);
    CHECK_RC(shmring_rwlock_dup(NULL, &lock), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_close(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_lock_shared(NULL, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_try_lock_shared(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_unlock_shared(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_lock_exclusive(NULL, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_try_lock_exclusive(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_unlock_exclusive(NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_state(NULL, NULL, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_waiting(NULL, NULL, NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_wait_for_exclusive(NULL, 0), SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "NULL") != NULL);
}

/* ---- holds --------------------------------------------------------------- */

static void test_shared_and_exclusive(void) {
    shmring_rwlock_t *a, *b, *c;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    CHECK_OK(shmring_rwlock_dup(a, &c));
    /* Two readers at once. */
    CHECK_OK(shmring_rwlock_try_lock_shared(a));
    CHECK_OK(shmring_rwlock_lock_shared(b, 10 * MS));
    CHECK_EQ_U64(shared_holds(c), 2);
    CHECK_EQ_U64(exclusive_held(c), 0);
    /* A writer cannot get in: try, and a timeout that lasts. */
    CHECK_RC(shmring_rwlock_try_lock_exclusive(c), SHMRING_ETIMEOUT);
    CHECK(strstr(shmring_last_error(), "2 shared hold") != NULL);
    int64_t t0 = now_ns();
    CHECK_RC(shmring_rwlock_lock_exclusive(c, 30 * MS), SHMRING_ETIMEOUT);
    int64_t waited = now_ns() - t0;
    CHECK(waited >= 30 * MS && waited < 10000 * MS);
    /* The writer that gave up is no longer in line: readers still enter. */
    CHECK_EQ_U64(exclusive_word_of(c), 0);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_try_lock_shared(a));
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_unlock_shared(b));
    CHECK_EQ_U64(shared_holds(c), 0);
    /* A writer alone: everybody else waits. */
    CHECK_OK(shmring_rwlock_lock_exclusive(c, -1));
    CHECK_EQ_U64(exclusive_held(a), 1);
    CHECK_EQ_U64(shared_holds(a), 0);
    CHECK_RC(shmring_rwlock_try_lock_shared(a), SHMRING_ETIMEOUT);
    CHECK(strstr(shmring_last_error(), "held exclusively") != NULL);
    CHECK_RC(shmring_rwlock_lock_shared(a, 20 * MS), SHMRING_ETIMEOUT);
    CHECK_RC(shmring_rwlock_try_lock_exclusive(b), SHMRING_ETIMEOUT);
    CHECK_RC(shmring_rwlock_lock_exclusive(b, 20 * MS), SHMRING_ETIMEOUT);
    CHECK_EQ_U64(exclusive_held(a), 1); /* b's attempts changed nothing */
    CHECK_OK(shmring_rwlock_unlock_exclusive(c));
    CHECK_EQ_U64(exclusive_held(a), 0);
    CHECK_OK(shmring_rwlock_try_lock_exclusive(b));
    CHECK_OK(shmring_rwlock_unlock_exclusive(b));
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_rwlock_close(b));
    CHECK_OK(shmring_rwlock_close(c));
}

static void test_nested_shared(void) {
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    CHECK_OK(shmring_rwlock_try_lock_shared(a));
    CHECK_EQ_U64(shared_holds(b), 3); /* as the seed's readers.value */
    CHECK_OK(shmring_rwlock_lock_shared(b, 0));
    CHECK_EQ_U64(shared_holds(b), 4);
    CHECK_OK(shmring_rwlock_unlock_shared(b));
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_RC(shmring_rwlock_try_lock_exclusive(b), SHMRING_ETIMEOUT);
    CHECK_EQ_U64(shared_holds(b), 1);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_EQ_U64(shared_holds(b), 0);
    CHECK_OK(shmring_rwlock_try_lock_exclusive(b));
    CHECK_OK(shmring_rwlock_unlock_exclusive(b));
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_rwlock_close(b));
}

struct writer_arg {
    shmring_rwlock_t *lock;
    int64_t timeout_ns;
    int rc;
    _Atomic int done;
};
static void *writer_thread(void *p) {
    struct writer_arg *arg = p;
    arg->rc = shmring_rwlock_lock_exclusive(arg->lock, arg->timeout_ns);
    if (arg->rc == SHMRING_OK) {
        sleep_ms(20); /* the hold's length, not an order of events */
        arg->rc = shmring_rwlock_unlock_exclusive(arg->lock);
    }
    atomic_store(&arg->done, 1);
    return NULL;
}

/* Writer preference, and the seed's nested for_read behind a waiting
 * writer: a new reader waits, a holder's nested acquire does not. */
static void test_writer_preference_and_nesting(void) {
    shmring_rwlock_t *reader, *late_reader, *writer;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &reader));
    CHECK_OK(shmring_rwlock_dup(reader, &late_reader));
    CHECK_OK(shmring_rwlock_dup(reader, &writer));
    CHECK_OK(shmring_rwlock_lock_shared(reader, 0));
    struct writer_arg arg = {writer, 5000 * MS, -100, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer_thread, &arg) == 0);
    AWAIT_STATE(writer_waiting(reader) == 1); /* the writer waits in line */
    CHECK(exclusive_word_of(reader) != 0);
    CHECK_EQ_U64(exclusive_held(reader), 0);
    AWAIT_STATE(waiters(reader) == 1); /* ... asleep for the readers */
    /* A new reader queues behind the waiting writer ... */
    CHECK_RC(shmring_rwlock_lock_shared(late_reader, 20 * MS),
             SHMRING_ETIMEOUT);
    /* ... but the holder nests at once (no deadlock behind the writer):
     * a single attempt succeeds. */
    CHECK_OK(shmring_rwlock_lock_shared(reader, 0));
    CHECK_EQ_U64(writer_waiting(reader), 1);
    CHECK(!atomic_load(&arg.done));
    CHECK_OK(shmring_rwlock_unlock_shared(reader));
    CHECK(!atomic_load(&arg.done));
    CHECK_OK(shmring_rwlock_unlock_shared(reader)); /* the writer goes in */
    /* The late reader gets in after the writer (who holds it 20 ms). */
    CHECK_OK(shmring_rwlock_lock_shared(late_reader, 2000 * MS));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(arg.rc);
    CHECK_OK(shmring_rwlock_unlock_shared(late_reader));
    CHECK_OK(shmring_rwlock_close(reader));
    CHECK_OK(shmring_rwlock_close(late_reader));
    CHECK_OK(shmring_rwlock_close(writer));
}

/* The seed's wait_for_write(): a reader lends its hold to a writer. */
static void test_wait_for_exclusive(void) {
    shmring_rwlock_t *reader, *writer;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &reader));
    CHECK_OK(shmring_rwlock_dup(reader, &writer));
    CHECK_RC(shmring_rwlock_wait_for_exclusive(reader, 0), SHMRING_EINVALID);
    CHECK_OK(shmring_rwlock_lock_shared(reader, 0));
    CHECK_OK(shmring_rwlock_lock_shared(reader, 0));
    /* No writer comes: a timeout, with the hold (both levels) kept. */
    CHECK_RC(shmring_rwlock_wait_for_exclusive(reader, 30 * MS),
             SHMRING_ETIMEOUT);
    CHECK_EQ_U64(shared_holds(writer), 2);
    /* A writer in line gets its turn, then the reader has its hold back. */
    struct writer_arg arg = {writer, 5000 * MS, -100, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer_thread, &arg) == 0);
    AWAIT_STATE(writer_waiting(reader) == 1);
    CHECK_OK(shmring_rwlock_wait_for_exclusive(reader, 5000 * MS));
    CHECK(atomic_load(&arg.done) || exclusive_word_of(reader) == 0);
    CHECK_EQ_U64(shared_holds(writer), 2);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(arg.rc);
    /* A writer that arrives while the reader waits counts too. */
    arg = (struct writer_arg){writer, 5000 * MS, -100, 0};
    CHECK(pthread_create(&t, NULL, writer_thread, &arg) == 0);
    CHECK_OK(shmring_rwlock_wait_for_exclusive(reader, 5000 * MS));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(arg.rc);
    CHECK_OK(shmring_rwlock_unlock_shared(reader));
    CHECK_OK(shmring_rwlock_unlock_shared(reader));
    CHECK_RC(shmring_rwlock_unlock_shared(reader), SHMRING_EINVALID);
    CHECK_EQ_U64(shared_holds(writer), 0);
    CHECK_OK(shmring_rwlock_close(reader));
    CHECK_OK(shmring_rwlock_close(writer));
}

/* Plant a holder entry holding the lock shared, owned by this process's
 * pid with the given start time (a forged entry, as a dead process whose
 * pid we reuse would leave). Relaxed: the test writes a lock nobody else
 * uses. */
static void plant_reader(shmring_rwlock_t *lock, uint32_t index,
                         uint64_t start_time) {
    struct rwlock_holder *h = &lock->holders[index];
    uint64_t generation = 7;
    store_relaxed(&h->owner, (generation << 32) | (uint32_t)getpid());
    store_relaxed(&h->start_time, start_time);
    store_relaxed(&h->start_generation, (uint32_t)generation);
    store_relaxed(&h->shared, (generation << 32) | 1);
    if (load_relaxed(&lock->control->holders_high_water) < index + 1) {
        store_relaxed(&lock->control->holders_high_water, index + 1);
    }
}

/* A holder entry with this process's pid but another start time is a dead
 * process whose pid was reused: recovered. With our start time: alive. */
static void test_recovery_tells_reused_pid(void) {
    /* liveness.c's reading of /proc/self/stat; 0 where /proc is another
     * pid namespace's (then only existence counts and this cannot work). */
    uint64_t mine = process_start_time((uint32_t)getpid());
    if (mine == 0) {
        printf("  skipped: /proc does not show this process (pid namespace)\n");
        return;
    }
    shmring_rwlock_t *lock;
    CHECK_OK(shmring_rwlock_create(NULL, 8, 0, &lock));
    plant_reader(lock, 5, mine); /* alive: it is us */
    CHECK_RC(shmring_rwlock_lock_exclusive(lock, 3 * SHM_REAP_AFTER_NS),
             SHMRING_ETIMEOUT);
    /* Relaxed: as above. */
    CHECK_EQ_U64(load_relaxed(&lock->control->recovered), 0);
    plant_reader(lock, 5, mine + 12345); /* our pid, another process */
    int64_t t0 = now_ns();
    CHECK_OK(shmring_rwlock_lock_exclusive(lock, 5000 * MS));
    printf("  a dead holder under our own pid recovered after %.0f ms\n",
           (now_ns() - t0) / 1e6);
    CHECK_EQ_U64(load_relaxed(&lock->control->recovered), 1);
    CHECK_EQ_U64(shared_holds(lock), 0);
    CHECK_OK(shmring_rwlock_unlock_exclusive(lock));
    CHECK_OK(shmring_rwlock_close(lock));
}

static void test_misuse(void) {
    shmring_rwlock_t *a;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_RC(shmring_rwlock_unlock_shared(a), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_unlock_exclusive(a), SHMRING_EINVALID);
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    CHECK_RC(shmring_rwlock_lock_exclusive(a, 0), SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "upgrade") != NULL);
    CHECK_RC(shmring_rwlock_unlock_exclusive(a), SHMRING_EINVALID);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_lock_exclusive(a, 0));
    CHECK_RC(shmring_rwlock_lock_exclusive(a, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_lock_shared(a, 0), SHMRING_EINVALID);
    CHECK_RC(shmring_rwlock_unlock_shared(a), SHMRING_EINVALID);
    CHECK_OK(shmring_rwlock_unlock_exclusive(a));
    CHECK_RC(shmring_rwlock_unlock_exclusive(a), SHMRING_EINVALID);
    /* Closing while holding exclusively releases the hold. */
    shmring_rwlock_t *b;
    CHECK_OK(shmring_rwlock_dup(a, &b));
    CHECK_OK(shmring_rwlock_lock_exclusive(b, 0));
    CHECK_OK(shmring_rwlock_close(b));
    CHECK_EQ_U64(exclusive_held(a), 0);
    CHECK_OK(shmring_rwlock_try_lock_shared(a));
    CHECK_OK(shmring_rwlock_close(a));
}

static void test_holder_limit(void) {
    const char *name = unique_name();
    shmring_rwlock_t *a, *b, *c;
    CHECK_OK(shmring_rwlock_create(name, 2, 0, &a));
    CHECK_OK(shmring_rwlock_open(name, 0, &b));
    CHECK_RC(shmring_rwlock_open(name, 0, &c), SHMRING_ELIMIT);
    CHECK_RC(shmring_rwlock_dup(a, &c), SHMRING_ELIMIT);
    CHECK_OK(shmring_rwlock_close(b));
    CHECK_OK(shmring_rwlock_dup(a, &c)); /* the entry is free again */
    CHECK(c->index == 1 && c->generation == 2);
    CHECK_OK(shmring_rwlock_close(c));
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_unlink(name));
}

/* An anonymous lock across fork(): the inherited handle is the parent's
 * holder (refused in the child), a duplicate is the child's own. */
static void test_anonymous_and_fork(void) {
    shmring_rwlock_t *lock;
    CHECK_OK(shmring_rwlock_create(NULL, 4, 0, &lock));
    CHECK(lock->name == NULL);
    CHECK_OK(shmring_rwlock_lock_exclusive(lock, 0));
    int to_child[2], from_child[2];
    CHECK(pipe(to_child) == 0 && pipe(from_child) == 0);
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int code = 0;
        shmring_rwlock_t *mine = NULL;
        char c;
        /* Each step's failure exits with its own code. */
        if (shmring_rwlock_try_lock_shared(lock) != SHMRING_EINVALID) {
            code = 2;
        } else if (shmring_rwlock_unlock_exclusive(lock) != SHMRING_EINVALID) {
            code = 3;
        } else if (shmring_rwlock_dup(lock, &mine) != SHMRING_OK) {
            code = 4;
        } else if (shmring_rwlock_try_lock_shared(mine) != SHMRING_ETIMEOUT) {
            code = 5;
        } else if (shmring_rwlock_close(lock) != SHMRING_OK) {
            code = 6; /* the inherited handle: unmaps only */
        } else if (write(from_child[1], "c", 1) != 1) {
            code = 10; /* says it has closed it */
        } else if (read(to_child[0], &c, 1) != 1) {
            code = 7;
        } else if (shmring_rwlock_lock_shared(mine, 2000 * MS) != SHMRING_OK) {
            code = 8;
        } else if (shmring_rwlock_close(mine) != SHMRING_OK) {
            code = 9;
        }
        _exit(code);
    }
    /* Once the child has closed the inherited handle (it says so, or it
     * failed before and its exit status tells why) ... */
    close(from_child[1]);
    char said;
    (void)!read(from_child[0], &said, 1);
    close(from_child[0]);
    /* ... that close left our hold alone. */
    CHECK_EQ_U64(exclusive_held(lock), 1);
    CHECK_OK(shmring_rwlock_unlock_exclusive(lock));
    CHECK(write(to_child[1], "go", 1) == 1);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child exit status %d", WEXITSTATUS(status));
    close(to_child[0]);
    close(to_child[1]);
    CHECK_EQ_U64(shared_holds(lock), 0);
    CHECK_OK(shmring_rwlock_close(lock));
}

/* ---- foreign and damaged segments ---------------------------------------- */

/* Map a named lock's file for editing. */
static struct rwlock_header *map_header(const char *name, int *fd_out) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) return NULL;
    void *p = mmap(NULL, sizeof(struct rwlock_header), PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
    *fd_out = fd;
    return p == MAP_FAILED ? NULL : p;
}

static void test_foreign_and_damaged_segments(void) {
    shmring_rwlock_t *lock = NULL;
    /* A ring is not a lock, and a lock is not a ring. */
    const char *ring_name = unique_name();
    shmring_ring_t *ring, *ring2;
    CHECK_OK(shmring_create(ring_name, 64, 4, NULL, &ring));
    CHECK_RC(shmring_rwlock_open(ring_name, 0, &lock), SHMRING_ECORRUPT);
    CHECK(strstr(shmring_last_error(), "magic") != NULL);
    CHECK_OK(shmring_close(ring));
    const char *name = unique_name();
    CHECK_OK(shmring_rwlock_create(name, 2, 0, &lock));
    CHECK_OK(shmring_rwlock_close(lock));
    CHECK_RC(shmring_open(name, 0, &ring2), SHMRING_ECORRUPT);

    int fd;
    struct rwlock_header *h = map_header(name, &fd);
    CHECK(h);
    struct rwlock_header saved = *h;
    /* Relaxed: the test edits a segment nobody else uses. */
    store_relaxed(&h->layout_version, 2);
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_EVERSION);
    CHECK(strstr(shmring_last_error(), "version 2") != NULL);
    store_relaxed(&h->layout_version, RWLOCK_LAYOUT_VERSION);
    h->byte_order_mark = 0x04030201u;
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_EVERSION);
    h->byte_order_mark = saved.byte_order_mark;
    h->max_holders = 3; /* disagrees with segment_bytes */
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    h->max_holders = 0;
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    h->max_holders = saved.max_holders;
    h->holders_offset = 1024;
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    h->holders_offset = saved.holders_offset;
    CHECK_OK(shmring_rwlock_open(name, 0, &lock)); /* intact again */
    CHECK_OK(shmring_rwlock_close(lock));
    /* A garbage high-water mark. */
    struct rwlock_control *control =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(control != MAP_FAILED);
    atomic_u32 *hw = &((struct rwlock_control *)((uint8_t *)control +
                                                 RWLOCK_CONTROL_OFFSET))
                          ->holders_high_water;
    store_relaxed(hw, 1000); /* Relaxed: as above. */
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    store_relaxed(hw, 0); /* Relaxed: as above. */
    munmap(control, 4096);
    /* Truncated. */
    CHECK(ftruncate(fd, 700) == 0);
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    CHECK(strstr(shmring_last_error(), "truncated") != NULL);
    CHECK(ftruncate(fd, 16) == 0);
    CHECK_RC(shmring_rwlock_open(name, 0, &lock), SHMRING_ECORRUPT);
    /* Empty (a creator still at work): wait, then time out. */
    CHECK(ftruncate(fd, 0) == 0);
    int64_t t0 = now_ns();
    CHECK_RC(shmring_rwlock_open(name, 30 * MS, &lock), SHMRING_ETIMEOUT);
    CHECK(now_ns() - t0 >= 30 * MS);
    munmap(h, sizeof *h);
    close(fd);
    CHECK_OK(shmring_unlink(name));
    CHECK_OK(shmring_unlink(ring_name));
}

/* ---- wake-ups and signals ------------------------------------------------ */

static void test_wakeups(void) {
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    /* A writer blocked (forever) on a reader is woken by its unlock. */
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    struct writer_arg arg = {b, -1, -100, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer_thread, &arg) == 0);
    AWAIT_STATE(waiters(a) == 1); /* asleep in the futex */
    CHECK(!atomic_load(&arg.done));
    int64_t t0 = now_ns();
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    /* A reader blocked (forever) on that writer is woken by its unlock. */
    CHECK_OK(shmring_rwlock_lock_shared(a, -1));
    int64_t waited = now_ns() - t0;
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(arg.rc);
    /* Information only: a missed wake-up would hang (the watchdog). */
    printf("  writer woken by the unlock, reader by the writer's: %.1f ms "
           "(the writer held it 20 ms)\n",
           waited / 1e6);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_rwlock_close(b));
}

static volatile sig_atomic_t g_alarms;
static void on_alarm(int sig) {
    (void)sig;
    g_alarms++;
}

static void test_interrupted(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART */
    CHECK(sigaction(SIGALRM, &sa, &old) == 0);
    shmring_rwlock_t *a, *b;
    CHECK_OK(shmring_rwlock_create(NULL, 0, 0, &a));
    CHECK_OK(shmring_rwlock_dup(a, &b));
    CHECK_OK(shmring_rwlock_lock_shared(a, 0));
    /* Every 50 ms, so that one lands in the futex sleep. */
    struct itimerval it = {{0, 50000}, {0, 50000}};
    const struct itimerval off = {{0, 0}, {0, 0}};
    g_alarms = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    int rc = shmring_rwlock_lock_exclusive(b, -1);
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK_RC(rc, SHMRING_EINTERRUPTED);
    CHECK(g_alarms >= 1);
    /* The interrupted writer left the line: readers get in. */
    CHECK_EQ_U64(exclusive_word_of(a), 0);
    CHECK_OK(shmring_rwlock_unlock_shared(a));
    CHECK_OK(shmring_rwlock_lock_exclusive(a, 0));
    g_alarms = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    rc = shmring_rwlock_lock_shared(b, 5000 * MS);
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK_RC(rc, SHMRING_EINTERRUPTED);
    CHECK_EQ_U64(shared_holds(a), 0);
    CHECK_OK(shmring_rwlock_unlock_exclusive(a));
    CHECK_OK(shmring_rwlock_lock_shared(b, 0)); /* retry works */
    CHECK(sigaction(SIGALRM, &old, NULL) == 0);
    CHECK_OK(shmring_rwlock_close(a));
    CHECK_OK(shmring_rwlock_close(b));
}

int main(void) {
    atexit(cleanup_names);
    tu_watchdog(60);
    RUN(test_create_open_close);
    RUN(test_bad_arguments);
    RUN(test_shared_and_exclusive);
    RUN(test_nested_shared);
    RUN(test_writer_preference_and_nesting);
    RUN(test_wait_for_exclusive);
    RUN(test_recovery_tells_reused_pid);
    RUN(test_misuse);
    RUN(test_holder_limit);
    RUN(test_anonymous_and_fork);
    RUN(test_foreign_and_damaged_segments);
    RUN(test_wakeups);
    RUN(test_interrupted);
    printf("unit_rwlock: %d failure(s)\n", g_failures);
    return g_failures ? 1 : 0;
}
