/*
 * liveness.c -- is the process behind a participant entry still there?
 *
 * An entry records the pid and the process start time (clock ticks since
 * boot, /proc/PID/stat field 22). The process is gone when the pid does not
 * exist, when it is a zombie, or when the pid now belongs to a process that
 * started at another time (pid reuse). A stopped process is alive. Where
 * /proc belongs to another pid namespace, only existence (kill 0) counts.
 *
 * The pid comes from shared memory, which any peer can scribble: a pid no
 * process can have (0, above the kernel's pid_max, or negative as a pid_t,
 * where kill(-1, 0) would "find" every process) names nobody, so it counts
 * as dead rather than being passed to kill() or /proc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Reads state (field 3) and start time (field 22) of a process; 0 if there
 * is no such process. */
static int read_proc_stat(uint32_t pid, char *state, uint64_t *start_time) {
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: count
     * fields from the last ')'. */
    char *p = strrchr(text, ')');
    if (!p || p[1] != ' ') return 0;
    *state = p[2];
    unsigned long long start = 0;
    for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
    if (p) sscanf(p + 1, "%llu", &start);
    *start_time = start;
    return 1;
}

/* 1 if /proc shows this process under the pid getpid() gives: in a pid
 * namespace whose /proc was not remounted (some sandboxes), /proc speaks
 * of other processes and must not be trusted. */
static int proc_is_ours(void) {
    FILE *f = fopen("/proc/self/stat", "re");
    if (!f) return 0;
    int pid = 0;
    int ok = fscanf(f, "%d", &pid) == 1 && pid == (int)getpid();
    fclose(f);
    return ok;
}

/* The kernel's PID_MAX_LIMIT on 64-bit Linux (2^22): no pid reaches it,
 * and the registry lock's owner word has 22 bits for the pid. */
#define PID_LIMIT_CEILING (1u << 22)

/* /proc/sys/kernel/pid_max (every pid is below it), PID_LIMIT_CEILING if
 * unreadable. */
static uint32_t read_pid_limit(void) {
    FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
    if (!f) return PID_LIMIT_CEILING;
    unsigned long limit = 0;
    int ok = fscanf(f, "%lu", &limit) == 1 && limit > 1 &&
             limit <= PID_LIMIT_CEILING;
    fclose(f);
    return ok ? (uint32_t)limit : PID_LIMIT_CEILING;
}

/* The last pid_max read; 0 until the first read. */
static atomic_u32 known_pid_limit;

uint32_t pid_limit(void) {
    /* Relaxed: a process-local cache of a kernel setting; any value read is
     * one that some read of the file returned. */
    uint32_t limit = load_relaxed(&known_pid_limit);
    if (limit == 0) {
        limit = read_pid_limit();
        store_relaxed(&known_pid_limit, limit); /* Relaxed: as above */
    }
    return limit;
}

int pid_is_possible(uint32_t pid) {
    if (pid == 0 || pid >= PID_LIMIT_CEILING) return 0;
    if (pid < pid_limit()) return 1;
    /* pid_max may have been raised since it was read: read it again (only
     * a pid at or above the old limit, i.e. corruption, gets here). */
    uint32_t limit = read_pid_limit();
    /* Relaxed: as in pid_limit. */
    store_relaxed(&known_pid_limit, limit);
    return pid < limit;
}

uint64_t process_start_time(uint32_t pid) {
    char state;
    uint64_t start = 0;
    if (!proc_is_ours()) return 0;
    return read_proc_stat(pid, &state, &start) ? start : 0;
}

/* Existence only (zombies and reused pids look alive): EPERM means a
 * process of another user, alive. */
static int pid_is_gone(uint32_t pid) {
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int participant_is_dead(uint32_t pid, uint64_t start_time) {
    if (!pid_is_possible(pid)) return 1;
    if (!proc_is_ours()) return pid_is_gone(pid);
    char state;
    uint64_t now_start;
    /* /proc may hide other users' processes (hidepid) or be out of file
     * descriptors: unreadable is not dead. */
    if (!read_proc_stat(pid, &state, &now_start)) return pid_is_gone(pid);
    if (state == 'Z' || state == 'X') return 1;
    return start_time != 0 && now_start != start_time;
}
