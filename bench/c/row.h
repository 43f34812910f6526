/*
 * row.h -- one result of the native benchmarks, printed as one JSON line on
 * stdout with the schema python -m shmring_bench --json uses:
 *
 *   {"workload": str, "transport": str, "size": int, "writers": 1,
 *    "readers": 1, "msg_per_s": float, "mb_per_s": float,
 *    "p50_us": float|null, "p99_us": float|null, "status": "ok"|"FAILED: ...",
 *    "injected": int}
 *
 * injected: faults the test hook planted (payload.h; 0 without it).
 */
#ifndef BENCH_ROW_H
#define BENCH_ROW_H

#include <stdint.h>

struct row {
    const char *workload;
    const char *transport;
    uint64_t size;
    double msg_per_s;
    double p50_us, p99_us; /* negative: null (a throughput row) */
    const char *status;
    uint64_t injected;
};

void row_print(const struct row *r);

/* Monotonic clock, nanoseconds. */
int64_t now_ns(void);

#endif
