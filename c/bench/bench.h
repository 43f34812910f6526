/*
 * bench.h -- shared declarations of the shmring benchmark (c/bench/).
 *
 *   shmring_bench.c  options, machine description, tables, targets, main()
 *   bench_limits.c   machine limits: memcpy bandwidth, cache-line ping-pong,
 *                    a raw (library-free) batched SPSC ring of 64 B messages
 *   bench_ring.c     the shmring cases: fork writers and readers, verify
 *                    every message, measure a timed window
 */
#ifndef SHMRING_BENCH_H
#define SHMRING_BENCH_H

#include <stdint.h>

#define BENCH_MAX_SIZES 8
#define BENCH_MAX_WRITERS 2
#define BENCH_MAX_READERS 4
#define BENCH_MAX_PROCS (BENCH_MAX_WRITERS + BENCH_MAX_READERS)
#define BENCH_FRAME_BYTES 6220800u /* one 1920x1080 RGB frame */

enum topology { TOPO_1TO1, TOPO_2TO1, TOPO_1TO4, TOPO_1TOG2, TOPO_COUNT };
enum mode { MODE_COPY, MODE_ZEROCOPY, MODE_COUNT };

struct bench_options {
    double duration;        /* timed window per case, seconds */
    double warmup;          /* before the window, seconds */
    double limit_seconds;   /* per machine-limit measurement */
    int quick;
    int nsizes;
    uint64_t sizes[BENCH_MAX_SIZES];
    uint64_t slots[BENCH_MAX_SIZES];   /* per size (0 = default) */
    uint32_t batch[BENCH_MAX_SIZES];   /* per size (0 = default) */
    int topo_enabled[TOPO_COUNT];
    int mode_enabled[MODE_COUNT];
    int named;              /* children shmring_open() a named ring */
    int pin;                /* pin each child to CPU (index % ncpu) */
    int skip_limits;
    int retries;            /* re-runs of a disturbed case */
    int inject_fault;       /* corrupt one message (tests the checks) */
};

/* --inject-fault corrupts each writer's message with this sequence number;
 * the writer writes at least this many + 1 messages whatever the window, so
 * the fault is planted however slow the machine. */
#define BENCH_FAULT_AT 1000u

/* A case that ran beside other load: outside CPU use or steal time above
 * this many CPUs on average. */
#define BENCH_DISTURBED_CPU 0.05

/* One case: topology x mode x size. */
struct case_result {
    int topology;
    int mode;
    uint64_t size;
    uint64_t slots;
    uint32_t batch;
    int ran;
    double window_s;        /* length of the timed window */
    double msgs_per_s;      /* distinct messages through the ring per second */
    double delivered_per_s; /* messages delivered to readers per second */
    uint64_t total_messages;/* written over the whole run (all writers) */
    uint64_t errors;        /* verification + API errors + hangs */
    uint64_t injected;      /* faults --inject-fault planted (all writers) */
    double writer_cpu;      /* CPU seconds per wall second, all writers */
    double reader_cpu;      /* same, all readers */
    double vcsw_per_s;      /* voluntary context switches/s, all children */
    double ivcsw_per_s;     /* involuntary context switches/s */
    double other_cpu;       /* CPUs busy with other processes meanwhile */
    double steal_cpu;       /* CPUs taken by the hypervisor (steal time) */
    int attempts;           /* runs of this case (see --retries) */
    double pingpong_rtt_ns; /* cache-line round trip just before the case */
    double pingpong_after_ns; /* ... and just after it */
};

/* The hypervisor moved our virtual CPUs during a case if the ping-pong round
 * trip before and after differ by more than this factor. */
#define BENCH_PLACEMENT_CHANGE 1.5

struct limits {
    int measured;
    double memcpy_stream_gbs[BENCH_MAX_SIZES]; /* buffers larger than L3 */
    double memcpy_hot_gbs[BENCH_MAX_SIZES];    /* same src/dst every time */
    uint64_t memcpy_region;                    /* bytes per buffer, stream */
    double pingpong_rtt_ns;
    double pingpong_oneway_ns;
    double pingpong_rate;                      /* 1 / one-way, messages/s */
    /* Raw batched SPSC ring of 64 B messages, no library: 4096 slots,
     * publish every spsc_batch messages. Stride 128 B with the message at
     * offset 16 = shmring's slot geometry for 64 B messages (16 B header +
     * 64 B, rounded up to 64: two lines); stride 64 B = one line each. */
    double spsc_rate_128;
    double spsc_rate_64;
    uint32_t spsc_batch;
    double other_cpu;                          /* outside load meanwhile */
    double steal_cpu;
};

/* bench_limits.c */
int64_t bench_now_ns(void);
void bench_pin_to_cpu(int cpu);
int bench_cpu_count(void);
/* In a forked child: be killed when the parent dies. */
void bench_die_with_parent(void);
uint64_t bench_l3_bytes(void);
/* System-wide busy and steal time so far, in seconds (/proc/stat). */
void bench_cpu_times(double *busy_s, double *steal_s);
/* Cache-line ping-pong round trip between CPUs 0 and 1, nanoseconds. */
double bench_pingpong_rtt(double seconds);
void bench_measure_limits(const struct bench_options *o, struct limits *l);

/* bench_ring.c */
const char *topology_name(int topology);
const char *topology_label(int topology);
const char *mode_name(int mode);
uint64_t default_slots(uint64_t size);
uint32_t default_batch(uint64_t size);
/* Runs one case; fills r. Returns 0, or -1 if the case could not be set up
 * (counted as an error in r->errors too). */
int bench_run_case(const struct bench_options *o, int topology, int mode,
                   uint64_t size, uint64_t slots, uint32_t batch,
                   struct case_result *r);

#endif /* SHMRING_BENCH_H */
