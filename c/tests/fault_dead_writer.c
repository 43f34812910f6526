/*
 * fault_dead_writer.c -- writers killed with SIGKILL between claiming a slot
 * and publishing it stall nobody for longer than the bound: the hole is
 * published as abandoned, every reader passes over it, it is counted, and
 * the total order goes on.
 *
 * Each case: a child process joins a named ring as a writer, publishes one
 * message, reserves the next slot (claimed, half filled, never committed),
 * tells the parent, and waits. The parent's own writer then publishes
 * messages after the hole, kills the child (leaving it a zombie in half the
 * cases), and checks that
 *   - readers: a broadcast reader, a group member and a lossy reader each
 *     get the child's message and then every later one, in order;
 *   - writers with only lossy readers: a writer that must lap the hole gets
 *     its slot;
 *   - the last writer dying ends the stream (close on last writer): a
 *     waiting reader gets ECLOSED;
 * each waited for up to TU_HANG_GUARD_NS, with the time it took printed
 * next to the documented bound REAP_BOUND_NS;
 *   - the statistics count the abandoned slot and the reaped writer.
 */
#include "test_util.h"
#include "../src/internal.h"

#include <signal.h>
#include <sys/wait.h>

#define SLOTS 8u
#define MSG_BYTES 64u
#define REAP_BOUND_NS 1000000000ll /* the documented bound: 1 s */
#define CHILD_ID 2u
#define PARENT_ID 1u

/* The child: join, publish message 0, hold a half-filled reservation. */
static void writer_child(const char *name, int ready_fd) {
    shmring_ring_t *ring;
    shmring_writer_t *w;
    CHECK_OK(shmring_open(name, 1000000000ll, &ring));
    CHECK_OK(shmring_writer_open(ring, &w));
    uint8_t msg[MSG_BYTES];
    tu_msg_encode(msg, sizeof msg, CHILD_ID, 0);
    CHECK_OK(shmring_write(w, msg, sizeof msg, 0));
    void *slot;
    CHECK_OK(shmring_reserve(w, &slot, 0));
    memset(slot, 0xAB, MSG_BYTES / 2);
    CHECK(write(ready_fd, "r", 1) == 1);
    for (;;) pause();
}

struct child {
    pid_t pid;
    int fds[2];
};

static void start_child(struct child *c, const char *name) {
    CHECK(pipe(c->fds) == 0);
    c->pid = fork();
    CHECK(c->pid >= 0);
    if (c->pid == 0) writer_child(name, c->fds[1]);
    char r;
    CHECK(read(c->fds[0], &r, 1) == 1 && r == 'r');
}

static void kill_child(struct child *c, int leave_zombie) {
    CHECK(kill(c->pid, SIGKILL) == 0);
    if (leave_zombie) {
        siginfo_t info;
        CHECK(waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOWAIT) == 0);
    } else {
        CHECK(waitpid(c->pid, NULL, 0) == c->pid);
    }
}

static void reap_child(struct child *c, int leave_zombie) {
    if (leave_zombie) CHECK(waitpid(c->pid, NULL, 0) == c->pid);
    close(c->fds[0]);
    close(c->fds[1]);
}

static uint64_t ring_stat(const shmring_ring_t *ring, uint32_t field) {
    shmring_stats_t *stats;
    CHECK_OK(shmring_stats_read(ring, &stats));
    uint64_t value;
    CHECK_OK(shmring_stats_ring(stats, field, &value));
    shmring_stats_free(stats);
    return value;
}

/* Read the next message within the bound and check it is (writer, seq). */
static void expect_message(shmring_reader_t *r, const char *who,
                           uint32_t writer, uint64_t seq, int64_t *worst_ns,
                           int64_t since_ns) {
    uint8_t buf[MSG_BYTES];
    uint64_t length;
    int rc = shmring_read(r, buf, sizeof buf, &length, TU_HANG_GUARD_NS);
    CHECK_MSG(rc == SHMRING_OK, "%s: read returned %s (%s)", who,
              shmring_strerror(rc), shmring_last_error());
    int64_t waited = tu_now_ns() - since_ns;
    if (waited > *worst_ns) *worst_ns = waited;
    CHECK_MSG(tu_msg_verify(buf, length, writer, seq),
              "%s: expected message (%u, %llu)", who, writer,
              (unsigned long long)seq);
}

/* Readers of every kind pass over the dead writer's hole. */
static void readers_pass_the_hole(int leave_zombie) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-writer");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, MSG_BYTES, SLOTS, NULL, &ring));
    tu_track_segment(name);
    shmring_reader_t *readers[3];
    const char *who[3] = {"broadcast", "group member", "lossy"};
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &readers[0]));
    CHECK_OK(shmring_reader_open(ring, "workers", 0, &readers[1]));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &readers[2]));
    struct child child;
    start_child(&child, name);
    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    const uint64_t after = 3; /* messages published after the hole */
    uint8_t msg[MSG_BYTES];
    for (uint64_t seq = 0; seq < after; seq++) {
        tu_msg_encode(msg, sizeof msg, PARENT_ID, seq);
        CHECK_OK(shmring_write(w, msg, sizeof msg, 0));
    }
    kill_child(&child, leave_zombie);
    int64_t killed_at = tu_now_ns(), worst = 0;
    for (int i = 0; i < 3; i++) {
        expect_message(readers[i], who[i], CHILD_ID, 0, &worst, killed_at);
        for (uint64_t seq = 0; seq < after; seq++) {
            expect_message(readers[i], who[i], PARENT_ID, seq, &worst,
                           killed_at);
        }
        uint64_t length;
        CHECK_RC(shmring_try_read(readers[i], msg, sizeof msg, &length),
                 SHMRING_EEMPTY);
        CHECK_EQ_U64(shmring_reader_missed(readers[i]), 0);
    }
    printf("  readers held %.1f ms at worst (documented: < %lld ms)\n",
           worst / 1e6, REAP_BOUND_NS / 1000000);
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_SLOTS_ABANDONED), 1);
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_WRITERS_REAPED), 1);
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_WRITERS), 1);
    printf("  readers of every kind, writer %s: past the hole after %5.1f ms\n",
           leave_zombie ? "a zombie" : "reaped", worst / 1e6);
    reap_child(&child, leave_zombie);
    CHECK_OK(shmring_writer_close(w));
    for (int i = 0; i < 3; i++) CHECK_OK(shmring_reader_close(readers[i]));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

/* With no reader holding writers back, a writer must not lap a slot its
 * writer is still filling; once that writer is dead, it may. */
static void writer_laps_the_hole(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-lap");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, MSG_BYTES, SLOTS, NULL, &ring));
    tu_track_segment(name);
    shmring_reader_t *lossy;
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &lossy));
    struct child child;
    start_child(&child, name);
    shmring_writer_t *w;
    CHECK_OK(shmring_writer_open(ring, &w));
    uint8_t msg[MSG_BYTES];
    uint64_t seq = 0;
    /* Up to the hole's slot in the next lap: free, as nobody gates. */
    for (; seq < SLOTS - 2; seq++) {
        tu_msg_encode(msg, sizeof msg, PARENT_ID, seq);
        CHECK_OK(shmring_write(w, msg, sizeof msg, 0));
    }
    tu_msg_encode(msg, sizeof msg, PARENT_ID, seq);
    CHECK_OK(shmring_write(w, msg, sizeof msg, 0)); /* laps message 0 */
    CHECK_RC(shmring_write(w, msg, sizeof msg, 0), SHMRING_EFULL);
    kill_child(&child, 0);
    int64_t killed_at = tu_now_ns();
    CHECK_OK(shmring_write(w, msg, sizeof msg, TU_HANG_GUARD_NS));
    int64_t held = tu_now_ns() - killed_at;
    printf("  a lapping writer held %.1f ms (documented: < %lld ms)\n",
           held / 1e6, REAP_BOUND_NS / 1000000);
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_SLOTS_ABANDONED), 1);
    printf("  writer lapping the hole (lossy readers only): free after "
           "%5.1f ms\n", held / 1e6);
    reap_child(&child, 0);
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_reader_close(lossy));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

/* The only writer dies holding a claim: the stream ends (close on last
 * writer, the default) once the hole is recovered. */
static void last_writer_dies(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-last");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, MSG_BYTES, SLOTS, NULL, &ring));
    tu_track_segment(name);
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    struct child child;
    start_child(&child, name);
    kill_child(&child, 1);
    int64_t killed_at = tu_now_ns(), worst = 0;
    expect_message(r, "broadcast", CHILD_ID, 0, &worst, killed_at);
    uint8_t buf[MSG_BYTES];
    uint64_t length;
    CHECK_RC(shmring_read(r, buf, sizeof buf, &length, TU_HANG_GUARD_NS),
             SHMRING_ECLOSED);
    int64_t ended = tu_now_ns() - killed_at;
    printf("  the end of stream came %.1f ms after the kill (documented: < %lld ms)\n",
           ended / 1e6, REAP_BOUND_NS / 1000000);
    CHECK(shmring_is_closed(ring));
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_WRITERS), 0);
    printf("  last writer dead: end of stream after %5.1f ms\n", ended / 1e6);
    reap_child(&child, 1);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

/* A stopped writer is alive: readers wait for its slot (and time out). */
static void stopped_writer_is_alive(void) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "fault-wstop");
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, MSG_BYTES, SLOTS, NULL, &ring));
    tu_track_segment(name);
    shmring_reader_t *r;
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    struct child child;
    start_child(&child, name);
    CHECK(kill(child.pid, SIGSTOP) == 0);
    int64_t worst = 0;
    expect_message(r, "broadcast", CHILD_ID, 0, &worst, tu_now_ns());
    uint8_t buf[MSG_BYTES];
    uint64_t length;
    CHECK_RC(shmring_read(r, buf, sizeof buf, &length, 3 * SHM_REAP_AFTER_NS),
             SHMRING_ETIMEOUT);
    CHECK_EQ_U64(ring_stat(ring, SHMRING_STAT_SLOTS_ABANDONED), 0);
    kill_child(&child, 0);
    CHECK_RC(shmring_read(r, buf, sizeof buf, &length, TU_HANG_GUARD_NS),
             SHMRING_ECLOSED);
    printf("  stopped writer: readers waited (ETIMEOUT), then passed once it "
           "was killed\n");
    reap_child(&child, 0);
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

int main(void) {
    tu_watchdog(120);
    readers_pass_the_hole(0);
    readers_pass_the_hole(1);
    writer_laps_the_hole();
    last_writer_dies();
    stopped_writer_is_alive();
    printf("fault_dead_writer: all cases passed\n");
    return 0;
}
