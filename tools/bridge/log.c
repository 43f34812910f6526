/* Log lines: one fprintf each, so lines from two threads do not mix. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_role = "bridge";

void bridge_log_role(const char *role) { log_role = role; }

void bridge_log(const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "shmring-bridge %s: %s\n", log_role, line);
}
