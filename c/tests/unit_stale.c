/*
 * unit_stale.c -- replacing and removing stale segments, and inspecting
 * segments by name.
 *
 * A ring or lock whose every recorded process was SIGKILLed (reaped or left
 * a zombie) is stale: create with replace-stale takes its name, and
 * shmring_remove_stale removes it. A live reader, a SIGSTOPped one, a live
 * lock holder, a creator still initialising (holding the creation lock), a
 * foreign file and a damaged ring are never removed: the error names the
 * live pids or says what the file is. Replacers racing for one stale name:
 * exactly one creates the ring, and it is that one's ring the name keeps.
 */
#include "test_util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../src/internal.h"

#define SECOND 1000000000ll

static shmring_options_t *replacing(void) {
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_replace_stale(o, 1));
    return o;
}

static int create_replacing(const char *name, shmring_ring_t **ring) {
    shmring_options_t *o = replacing();
    int rc = shmring_create(name, 64, 8, o, ring);
    shmring_options_destroy(o);
    return rc;
}

static uint64_t field(const shmring_inspection_t *in, uint32_t f) {
    uint64_t v = UINT64_MAX;
    CHECK_OK(shmring_inspection_get(in, f, &v));
    return v;
}

/* Inspect name, check its kind and staleness, return it (caller frees). */
static shmring_inspection_t *inspect_as(const char *name, uint32_t kind,
                                        int stale) {
    shmring_inspection_t *in;
    CHECK_OK(shmring_inspect(name, &in));
    CHECK_MSG(field(in, SHMRING_INSPECT_KIND) == kind &&
                  field(in, SHMRING_INSPECT_STALE) == (uint64_t)stale,
              "%s: kind %llu stale %llu, want %u %d (%s)", name,
              (unsigned long long)field(in, SHMRING_INSPECT_KIND),
              (unsigned long long)field(in, SHMRING_INSPECT_STALE), kind,
              stale, shmring_inspection_summary(in));
    return in;
}

static void check_error_names(const char *what) {
    CHECK_MSG(strstr(shmring_last_error(), what) != NULL,
              "\"%s\" not in \"%s\"", what, shmring_last_error());
}

static void wait_byte(int fd, char want) {
    char c = 0;
    CHECK(read(fd, &c, 1) == 1 && c == want);
}

/* A child that creates the ring, joins as writer and reader, tells the
 * parent, and waits to be killed. */
static pid_t spawn_participant(const char *name) {
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        shmring_ring_t *ring;
        shmring_writer_t *w;
        shmring_reader_t *r;
        CHECK_OK(shmring_create(name, 64, 8, NULL, &ring));
        CHECK_OK(shmring_writer_open(ring, &w));
        CHECK_OK(shmring_reader_open(ring, "group", 0, &r));
        CHECK(write(p[1], "j", 1) == 1);
        for (;;) pause();
    }
    close(p[1]);
    wait_byte(p[0], 'j');
    close(p[0]);
    return child;
}

static void kill_and_reap(pid_t child, int reap) {
    CHECK(kill(child, SIGKILL) == 0);
    if (reap) {
        CHECK(waitpid(child, NULL, 0) == child);
        return;
    }
    /* Left a zombie: wait until it is one (observed, not slept for). */
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
    for (int64_t give_up = tu_now_ns() + 30 * SECOND;;) {
        FILE *f = fopen(path, "re");
        CHECK(f != NULL);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        char *p = strrchr(text, ')');
        if (p && p[1] == ' ' && p[2] == 'Z') return;
        CHECK_MSG(tu_now_ns() < give_up, "pid %d never became a zombie",
                  (int)child);
        sched_yield();
    }
}

/* A ring whose only participant (creator, writer, group member) was
 * SIGKILLed is stale and replaced; without the option it is EEXISTS. */
static void test_killed_participant_replaced(int reap) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "stale-killed");
    tu_track_segment(name);
    pid_t child = spawn_participant(name);
    shmring_ring_t *ring;
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %d (", (int)child);
    check_error_names(pid);

    kill_and_reap(child, reap);
    shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_RING, 1);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_DEAD_ENTRIES), 3); /* c, w, r */
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_CREATOR_PID), child);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_SLOT_COUNT), 8);
    CHECK_EQ_U64(shmring_inspection_live_count(in), 0);
    printf("  %s: %s\n", name, shmring_inspection_summary(in));
    shmring_inspection_free(in);

    CHECK_RC(shmring_create(name, 64, 8, NULL, &ring), SHMRING_EEXISTS);
    check_error_names("replace-stale option"); /* the way out, named */
    CHECK_OK(create_replacing(name, &ring));
    CHECK_EQ_U64(shmring_next_sequence(ring), 0);
    in = inspect_as(name, SHMRING_SEGMENT_RING, 0);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_CREATOR_PID), getpid());
    shmring_inspection_free(in);
    CHECK_OK(shmring_close(ring));
    if (!reap) CHECK(waitpid(child, NULL, 0) == child);
    CHECK_OK(shmring_unlink(name));
}

static void test_killed_reaped(void) { test_killed_participant_replaced(1); }
static void test_killed_zombie(void) { test_killed_participant_replaced(0); }

/* The creator exits (the ring stays); a reader in another process keeps it
 * live, running or stopped; once it is killed the ring is replaced. */
static void test_live_reader_kept(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "stale-reader");
    tu_track_segment(name);
    pid_t creator = fork();
    CHECK(creator >= 0);
    if (creator == 0) {
        shmring_ring_t *ring;
        CHECK_OK(shmring_create(name, 64, 8, NULL, &ring));
        _exit(0);
    }
    int status;
    CHECK(waitpid(creator, &status, 0) == creator && status == 0);

    int p[2];
    CHECK(pipe(p) == 0);
    pid_t reader = fork();
    CHECK(reader >= 0);
    if (reader == 0) {
        shmring_ring_t *ring;
        shmring_reader_t *r;
        CHECK_OK(shmring_open(name, SECOND, &ring));
        CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &r));
        CHECK(write(p[1], "j", 1) == 1);
        for (;;) pause();
    }
    wait_byte(p[0], 'j');
    char want[48];
    snprintf(want, sizeof want, "pid %d (reader)", (int)reader);

    shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_RING, 0);
    uint32_t pid = 0, role = 0;
    CHECK_EQ_U64(shmring_inspection_live_count(in), 1);
    CHECK_OK(shmring_inspection_live(in, 0, &pid, &role));
    CHECK(pid == (uint32_t)reader && role == SHMRING_ROLE_READER);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_LIVE_READERS), 1);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_LIVE_WRITERS), 0);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_CREATOR_ALIVE), 0);
    CHECK(strstr(shmring_inspection_summary(in), want) != NULL);
    CHECK_RC(shmring_inspection_live(in, 1, &pid, &role), SHMRING_EINVALID);
    shmring_inspection_free(in);

    shmring_ring_t *ring;
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    check_error_names(want);
    CHECK_RC(shmring_remove_stale(name), SHMRING_EEXISTS);
    check_error_names(want);
    check_error_names("not removed");

    /* Stopped is alive. */
    CHECK(kill(reader, SIGSTOP) == 0);
    CHECK(waitpid(reader, &status, WUNTRACED) == reader && WIFSTOPPED(status));
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    check_error_names(want);
    CHECK_OK(shmring_open(name, 0, &ring)); /* still the same, intact ring */
    CHECK_OK(shmring_close(ring));

    kill_and_reap(reader, 1);
    CHECK_OK(create_replacing(name, &ring));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

/* A file at the name whose creator holds the creation lock (is still
 * initialising it) is never judged; once that creator is gone, the empty
 * file it left is stale. A ring header left unpublished by a dead creator
 * is abandoned, and stale. */
static void test_creator_still_initialising(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "stale-init");
    tu_track_segment(name);
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t creator = fork();
    CHECK(creator >= 0);
    if (creator == 0) {
        /* What shm_create_file does first: O_EXCL, then the lock. */
        int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
        CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
        CHECK(write(p[1], "j", 1) == 1);
        for (;;) pause();
    }
    wait_byte(p[0], 'j');
    shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_INITIALIZING, 0);
    shmring_inspection_free(in);
    shmring_ring_t *ring;
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    check_error_names("being created");
    CHECK_RC(shmring_remove_stale(name), SHMRING_EEXISTS);

    kill_and_reap(creator, 1);
    in = inspect_as(name, SHMRING_SEGMENT_EMPTY, 1);
    shmring_inspection_free(in);
    CHECK_OK(create_replacing(name, &ring));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));

    /* Magic written, version still 0, the creator (a reaped child) dead. */
    pid_t dead = fork();
    CHECK(dead >= 0);
    if (dead == 0) _exit(0);
    CHECK(waitpid(dead, NULL, 0) == dead);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
    struct segment_header h = {0};
    memcpy(h.magic, SHM_MAGIC, sizeof h.magic);
    h.creator_pid = (uint32_t)dead;
    CHECK(pwrite(fd, &h, sizeof h, 0) == (ssize_t)sizeof h);
    close(fd);
    in = inspect_as(name, SHMRING_SEGMENT_ABANDONED, 1);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_CREATOR_PID), dead);
    shmring_inspection_free(in);
    CHECK_OK(shmring_remove_stale(name));
    CHECK_RC(shmring_inspect(name, &in), SHMRING_ENOTFOUND);
    CHECK_RC(shmring_remove_stale(name), SHMRING_ENOTFOUND);
}

/* Not shmring's, or damaged: never removed, and said so. */
static void test_foreign_and_corrupt_kept(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "stale-foreign");
    tu_track_segment(name);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0 && write(fd, "not a ring, somebody's data", 27) == 27);
    close(fd);
    shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_FOREIGN, 0);
    shmring_inspection_free(in);
    shmring_ring_t *ring;
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    check_error_names("not a shmring segment");
    CHECK_RC(shmring_remove_stale(name), SHMRING_EEXISTS);
    struct stat st;
    char path[TU_NAME_BYTES + 16];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    CHECK(stat(path, &st) == 0 && st.st_size == 27);
    CHECK_OK(shmring_unlink(name));

    /* A ring (its creator dead) whose writer entry names pid 0. */
    pid_t creator = fork();
    CHECK(creator >= 0);
    if (creator == 0) {
        CHECK_OK(shmring_create(name, 64, 8, NULL, &ring));
        _exit(0);
    }
    CHECK(waitpid(creator, NULL, 0) == creator);
    CHECK_OK(shmring_open(name, 0, &ring));
    struct writer_entry *w = (struct writer_entry *)((uint8_t *)ring->base +
                                                     ring->header->writers_offset);
    store_seq_cst(&w->state, SHM_ENTRY_ACTIVE); /* SYNC(entry-active) */
    CHECK_OK(shmring_close(ring));
    in = inspect_as(name, SHMRING_SEGMENT_CORRUPT, 0);
    CHECK(strstr(shmring_inspection_summary(in), "pid 0") != NULL);
    shmring_inspection_free(in);
    CHECK_RC(create_replacing(name, &ring), SHMRING_EEXISTS);
    check_error_names("damaged");
    CHECK_OK(shmring_unlink(name));
}

/* Readers-writer locks: a killed holder's lock is replaced, a live
 * holder's is not. */
static void test_rwlock(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "stale-lock");
    tu_track_segment(name);
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t holder = fork();
    CHECK(holder >= 0);
    if (holder == 0) {
        shmring_rwlock_t *lock;
        CHECK_OK(shmring_rwlock_create(name, 4, 0, &lock));
        CHECK_OK(shmring_rwlock_lock_exclusive(lock, -1));
        CHECK(write(p[1], "j", 1) == 1);
        for (;;) pause();
    }
    wait_byte(p[0], 'j');
    shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_RWLOCK, 0);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_LIVE_HOLDERS), 1);
    CHECK_EQ_U64(field(in, SHMRING_INSPECT_MAX_HOLDERS), 4);
    shmring_inspection_free(in);
    shmring_rwlock_t *lock;
    CHECK_RC(shmring_rwlock_create(name, 4, 0600 | SHMRING_REPLACE_STALE, &lock),
             SHMRING_EEXISTS);
    char want[48];
    snprintf(want, sizeof want, "pid %d (lock holder)", (int)holder);
    check_error_names(want);
    CHECK_RC(shmring_rwlock_create(name, 4, 01000000, &lock), SHMRING_EINVALID);

    kill_and_reap(holder, 1);
    in = inspect_as(name, SHMRING_SEGMENT_RWLOCK, 1);
    shmring_inspection_free(in);
    CHECK_RC(shmring_rwlock_create(name, 4, 0, &lock), SHMRING_EEXISTS);
    CHECK_OK(shmring_rwlock_create(name, 4, SHMRING_REPLACE_STALE, &lock));
    CHECK_OK(shmring_rwlock_try_lock_exclusive(lock)); /* a fresh lock */
    CHECK_OK(shmring_rwlock_unlock_exclusive(lock));
    CHECK_OK(shmring_rwlock_close(lock));
    CHECK_OK(shmring_unlink(name));
}

/* Replacers racing for one stale name: each stays alive until every one
 * has tried (a winner that left would make its own ring stale), then
 * reports. Exactly one creates; the name keeps that one's ring. */
#define RACERS 6
#define ROUNDS 12

static void racer(const char *name, int go_fd, int report_fd) {
    char c;
    CHECK(read(go_fd, &c, 1) == 1);
    shmring_ring_t *ring = NULL;
    int rc = create_replacing(name, &ring);
    CHECK_MSG(rc == SHMRING_OK || rc == SHMRING_EEXISTS, "racer: %s",
              shmring_last_error());
    char verdict = rc == SHMRING_OK ? 'W' : 'L';
    CHECK(write(report_fd, &verdict, 1) == 1);
    for (;;) pause();
}

static void test_racing_replacers(void) {
    for (int round = 0; round < ROUNDS; round++) {
        char name[TU_NAME_BYTES];
        tu_segment_name(name, sizeof name, "stale-race");
        tu_track_segment(name);
        kill_and_reap(spawn_participant(name), 1);

        int go[2], report[2];
        CHECK(pipe(go) == 0 && pipe(report) == 0);
        pid_t racers[RACERS];
        for (int i = 0; i < RACERS; i++) {
            racers[i] = fork();
            CHECK(racers[i] >= 0);
            if (racers[i] == 0) racer(name, go[0], report[1]);
        }
        char start[RACERS];
        memset(start, 'g', sizeof start);
        CHECK(write(go[1], start, sizeof start) == RACERS);
        int winners = 0;
        for (int i = 0; i < RACERS; i++) {
            char verdict;
            CHECK(read(report[0], &verdict, 1) == 1);
            winners += verdict == 'W';
        }
        CHECK_MSG(winners == 1, "round %d: %d replacers created the ring",
                  round, winners);
        shmring_inspection_t *in = inspect_as(name, SHMRING_SEGMENT_RING, 0);
        pid_t creator = (pid_t)field(in, SHMRING_INSPECT_CREATOR_PID);
        shmring_inspection_free(in);
        int found = 0;
        for (int i = 0; i < RACERS; i++) found += racers[i] == creator;
        CHECK_MSG(found == 1, "round %d: the ring's creator %d is no racer",
                  round, (int)creator);
        for (int i = 0; i < RACERS; i++) kill_and_reap(racers[i], 1);
        close(go[0]), close(go[1]), close(report[0]), close(report[1]);
        CHECK_OK(shmring_remove_stale(name));
    }
    printf("  %d rounds of %d racers: one winner each\n", ROUNDS, RACERS);
}

static void test_arguments(void) {
    shmring_inspection_t *in;
    CHECK_RC(shmring_inspect(NULL, &in), SHMRING_EINVALID);
    CHECK_RC(shmring_inspect("/x", NULL), SHMRING_EINVALID);
    CHECK_RC(shmring_remove_stale("a/b"), SHMRING_EINVALID);
    CHECK_RC(shmring_options_set_replace_stale(NULL, 1), SHMRING_EINVALID);
    shmring_options_t *o = replacing();
    CHECK_RC(shmring_options_set_replace_stale(o, 2), SHMRING_EINVALID);
    shmring_options_destroy(o);
    CHECK_RC(shmring_inspection_get(NULL, 0, NULL), SHMRING_EINVALID);
    CHECK_EQ_U64(shmring_inspection_live_count(NULL), 0);
    /* The anonymous ring has no name to replace: the option is harmless. */
    shmring_ring_t *ring;
    o = replacing();
    CHECK_OK(shmring_create(NULL, 64, 8, o, &ring));
    shmring_options_destroy(o);
    CHECK_OK(shmring_close(ring));
}

#define RUN(test)                       \
    do {                                \
        printf("%s\n", #test);          \
        fflush(stdout);                 \
        test();                         \
    } while (0)

int main(void) {
    tu_watchdog(300);
    RUN(test_arguments);
    RUN(test_killed_reaped);
    RUN(test_killed_zombie);
    RUN(test_live_reader_kept);
    RUN(test_creator_still_initialising);
    RUN(test_foreign_and_corrupt_kept);
    RUN(test_rwlock);
    RUN(test_racing_replacers);
    tu_cleanup_segments();
    printf("all passed\n");
    return 0;
}
