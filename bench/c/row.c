#define _POSIX_C_SOURCE 200809L
#include "row.h"

#include <stdio.h>
#include <time.h>

static void print_number_or_null(const char *key, double v) {
    if (v < 0) printf(", \"%s\": null", key);
    else printf(", \"%s\": %.3f", key, v);
}

void row_print(const struct row *r) {
    printf("{\"workload\": \"%s\", \"transport\": \"%s\", \"size\": %llu, "
           "\"writers\": 1, \"readers\": 1, \"msg_per_s\": %.1f, \"mb_per_s\": %.3f",
           r->workload, r->transport, (unsigned long long)r->size, r->msg_per_s,
           r->msg_per_s * (double)r->size / 1e6);
    print_number_or_null("p50_us", r->p50_us);
    print_number_or_null("p99_us", r->p99_us);
    printf(", \"status\": \"");
    /* Statuses are our own text; escape the two characters JSON forbids. */
    for (const char *c = r->status; *c; c++) {
        if (*c == '"' || *c == '\\') putchar('\\');
        putchar(*c >= ' ' ? *c : ' ');
    }
    printf("\", \"injected\": %llu}\n", (unsigned long long)r->injected);
    fflush(stdout);
}

int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
