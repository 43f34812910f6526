/*
 * fault_dead_reader.c -- readers killed with SIGKILL stop holding writers
 * back within the bound; a stopped reader is alive and keeps holding them.
 *
 * Each case: a child process joins a named ring as a reader (broadcast,
 * broadcast holding a peek, group member, group member holding a peek,
 * lossy), tells the parent, and waits. The parent fills the ring, kills the
 * child (leaving it a zombie in half the cases: a zombie is dead), and then
 * a blocking write must succeed (the time it took is printed against the
 * documented bound, REAP_BOUND_NS). Every message the
 * surviving broadcast reader gets is checked, so nothing is lost or
 * reordered for the living.
 */
#include "test_util.h"

#include <signal.h>
#include <sys/wait.h>

#include "../src/internal.h"

#define SLOTS 8u
#define REAP_BOUND_NS 1000000000ll /* the documented bound: 1 s */

enum role { BROADCAST, BROADCAST_PEEKING, MEMBER, MEMBER_PEEKING, LOSSY };
static const char *const role_names[] = {
    "broadcast", "broadcast holding a peek", "group member",
    "group member holding a peek", "lossy"};

/* The child: join, maybe take a view and keep it, report, wait to die. */
static void reader_child(const char *name, enum role role, int ready_fd) {
    shmring_ring_t *ring;
    shmring_reader_t *r;
    CHECK_OK(shmring_open(name, 1000000000ll, &ring));
    int member = role == MEMBER || role == MEMBER_PEEKING;
    CHECK_OK(shmring_reader_open(ring, member ? "workers" : NULL,
                                 role == LOSSY ? SHMRING_READER_LOSSY : 0, &r));
    CHECK(write(ready_fd, "j", 1) == 1); /* joined */
    if (role == BROADCAST_PEEKING || role == MEMBER_PEEKING) {
        const void *view;
        uint64_t length;
        CHECK_OK(shmring_peek(r, &view, &length, 5000000000ll));
        CHECK(write(ready_fd, "p", 1) == 1); /* holding a view */
    }
    for (;;) pause();
}

static void write_seq(shmring_writer_t *w, uint64_t seq, int64_t timeout_ns,
                      int want) {
    uint8_t msg[64];
    tu_msg_encode(msg, sizeof msg, 1, seq);
    CHECK_RC(shmring_write(w, msg, sizeof msg, timeout_ns), want);
}

static void run_case(enum role role, int leave_zombie) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-reader");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, 64, SLOTS, NULL, &ring));
    tu_track_segment(name);
    shmring_reader_t *survivor;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &survivor));

    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) reader_child(name, role, pipe_fds[1]);
    char c;
    CHECK(read(pipe_fds[0], &c, 1) == 1 && c == 'j');

    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t seq = 0;
    write_seq(w, seq++, 0, SHMRING_OK); /* what a peeking child takes */
    if (role == BROADCAST_PEEKING || role == MEMBER_PEEKING) {
        CHECK(read(pipe_fds[0], &c, 1) == 1 && c == 'p');
    }
    /* The survivor keeps up; the ring fills only if the child gates it. */
    uint8_t buf[64];
    uint64_t length;
    uint64_t expect = 0;
    for (; seq < SLOTS; seq++) write_seq(w, seq, 0, SHMRING_OK);
    while (shmring_try_read(survivor, buf, sizeof buf, &length) == SHMRING_OK) {
        CHECK(tu_msg_verify(buf, length, 1, expect));
        expect++;
    }
    int gates = role != LOSSY;
    write_seq(w, seq, 0, gates ? SHMRING_EFULL : SHMRING_OK);
    if (!gates) seq++;

    CHECK(kill(child, SIGKILL) == 0);
    if (leave_zombie) {
        /* Wait for the death, but leave the child a zombie. */
        siginfo_t info;
        CHECK(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT) == 0);
    } else {
        CHECK(waitpid(child, NULL, 0) == child);
    }
    int64_t t0 = tu_now_ns();
    write_seq(w, seq++, TU_HANG_GUARD_NS, SHMRING_OK);
    int64_t recovered_ns = tu_now_ns() - t0;
    printf("  writers free %.1f ms after the reader died (documented: < %lld ms)\n",
           recovered_ns / 1e6, REAP_BOUND_NS / 1000000);
    /* Keep writing a full lap: the dead reader no longer gates anything. */
    for (uint32_t i = 0; i < SLOTS; i++) {
        while (shmring_try_read(survivor, buf, sizeof buf, &length) ==
               SHMRING_OK) {
            CHECK(tu_msg_verify(buf, length, 1, expect));
            expect++;
        }
        write_seq(w, seq++, TU_HANG_GUARD_NS, SHMRING_OK);
    }
    CHECK_OK(shmring_writer_close(w));
    while (shmring_read(survivor, buf, sizeof buf, &length, 0) == SHMRING_OK) {
        CHECK(tu_msg_verify(buf, length, 1, expect));
        expect++;
    }
    CHECK_EQ_U64(expect, seq);
    /* A lossy reader never held writers back, so nothing reaped it yet; a
     * join that finds the reader table full frees its entry. */
    if (!gates) {
        /* Relaxed: the ring is quiet now (here and below). */
        CHECK_EQ_U64(load_relaxed(&ring->control->readers_reaped), 0);
        shmring_reader_t *others[126];
        for (int i = 0; i < 126; i++) {
            CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY,
                                         &others[i]));
        }
        shmring_reader_t *last;
        CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &last));
        CHECK_OK(shmring_reader_close(last));
        for (int i = 0; i < 126; i++) CHECK_OK(shmring_reader_close(others[i]));
    }
    CHECK_EQ_U64(load_relaxed(&ring->control->readers_reaped), 1);
    printf("  %-28s %s: writers free again after %5.1f ms; survivor got all "
           "%llu messages\n",
           role_names[role], leave_zombie ? "(zombie)" : "(reaped)",
           recovered_ns / 1e6, (unsigned long long)expect);
    if (leave_zombie) CHECK(waitpid(child, NULL, 0) == child);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK_OK(shmring_reader_close(survivor));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

/* A stopped reader is alive: writers wait for it (and time out), then go
 * on as soon as it is killed. */
static void stopped_reader_is_alive(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-stop");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, 64, SLOTS, NULL, &ring));
    tu_track_segment(name);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) reader_child(name, BROADCAST, pipe_fds[1]);
    char c;
    CHECK(read(pipe_fds[0], &c, 1) == 1);
    CHECK(kill(child, SIGSTOP) == 0);
    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    uint64_t seq = 0;
    for (; seq < SLOTS; seq++) write_seq(w, seq, 0, SHMRING_OK);
    write_seq(w, seq, 3 * SHM_REAP_AFTER_NS, SHMRING_ETIMEOUT);
    CHECK(kill(child, SIGKILL) == 0);
    CHECK(waitpid(child, NULL, 0) == child);
    write_seq(w, seq, TU_HANG_GUARD_NS, SHMRING_OK);
    printf("  stopped reader: writers waited (ETIMEOUT), then went on once "
           "it was killed\n");
    CHECK_OK(shmring_writer_close(w));
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

int main(void) {
    tu_watchdog(120);
    for (int role = BROADCAST; role <= LOSSY; role++) {
        run_case((enum role)role, 0);
        run_case((enum role)role, 1);
    }
    stopped_reader_is_alive();
    printf("fault_dead_reader: all cases passed\n");
    return 0;
}
