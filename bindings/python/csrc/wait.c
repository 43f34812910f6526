/* wait.c -- deadlines and timeouts for the Python binding (shmring_py.h). */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

#include <math.h>
#include <time.h>

#define NS_PER_S INT64_C(1000000000)

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void shmring_py_deadline_start(shmring_py_deadline *d, int64_t timeout_ns) {
    d->timeout_ns = timeout_ns;
    d->deadline_ns = timeout_ns > 0 ? now_ns() + timeout_ns : 0;
}

int64_t shmring_py_deadline_left(const shmring_py_deadline *d) {
    if (d->timeout_ns <= 0) return d->timeout_ns;
    int64_t left = d->deadline_ns - now_ns();
    return left > 0 ? left : 1;
}

int64_t shmring_py_deadline_slice(const shmring_py_deadline *d) {
    int64_t left = shmring_py_deadline_left(d);
    if (left < 0 || left > SHMRING_PY_WAIT_SLICE_NS) return SHMRING_PY_WAIT_SLICE_NS;
    return left;
}

int shmring_py_deadline_passed(const shmring_py_deadline *d) {
    if (d->timeout_ns < 0) return 0;
    if (d->timeout_ns == 0) return 1;
    return now_ns() >= d->deadline_ns;
}

int shmring_py_timeout_ns(PyObject *seconds, int64_t *timeout_ns_out) {
    if (seconds == Py_None) {
        *timeout_ns_out = -1;
        return 0;
    }
    double s = PyFloat_AsDouble(seconds);
    if (s == -1.0 && PyErr_Occurred()) return -1;
    if (!(s >= 0.0)) {
        PyErr_SetString(PyExc_ValueError,
                        "timeout must be a non-negative number of seconds or None");
        return -1;
    }
    double ns = ceil(s * 1e9);
    /* Beyond ~292 years: forever. */
    *timeout_ns_out = ns >= 9.2e18 ? -1 : (int64_t)ns;
    return 0;
}
