/*
 * errors.c -- status names, the per-thread detail message, the version.
 *
 * A failure formats its detail (set_error); the expected outcomes of a
 * poll -- full, empty, closed -- format nothing (set_outcome), so that a
 * try_read on an empty ring or a try_write on a full one costs no
 * vsnprintf: their detail is "" (shmring.h, shmring_last_error).
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* Room for a segment name, a live-pid list and a hint. "no error" until
 * this thread's first failure. */
static _Thread_local char last_error_text[1024] = "no error";

SHMRING_API uint32_t shmring_version(void) { return SHMRING_VERSION; }

SHMRING_API const char *shmring_strerror(int status) {
    switch (status) {
    case SHMRING_OK: return "success";
    case SHMRING_EFULL: return "ring is full";
    case SHMRING_EEMPTY: return "no message available";
    case SHMRING_ETIMEOUT: return "timed out";
    case SHMRING_ECLOSED: return "stream is closed";
    case SHMRING_ETOO_LARGE: return "message too large";
    case SHMRING_EINTERRUPTED: return "interrupted by a signal";
    case SHMRING_ECORRUPT: return "not a valid shmring segment or message";
    case SHMRING_EVERSION: return "incompatible layout version";
    case SHMRING_ENOSPACE: return "not enough shared memory";
    case SHMRING_EEXISTS: return "segment already exists";
    case SHMRING_ENOT_FOUND: return "no such segment";
    case SHMRING_EPERMISSION: return "permission denied";
    case SHMRING_EINVALID: return "invalid argument";
    case SHMRING_ELIMIT: return "participant or group limit reached";
    case SHMRING_ELAPPED: return "message overwritten while viewed";
    case SHMRING_ENOMEM: return "out of memory";
    case SHMRING_ESYSTEM: return "unexpected system error";
    default: return "unknown shmring status";
    }
}

SHMRING_API const char *shmring_last_error(void) { return last_error_text; }

int set_error(int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error_text, sizeof last_error_text, format, args);
    va_end(args);
    return status;
}

int set_outcome(int status) {
    last_error_text[0] = '\0';
    return status;
}
