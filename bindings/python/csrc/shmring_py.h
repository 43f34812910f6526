/*
 * shmring_py.h -- the C side of the Python binding that SWIG cannot
 * generate: deadlines and the GIL, exceptions, buffers and memoryviews.
 * Used only by shmring.i; no ring logic lives here (that is c/src).
 */
#ifndef SHMRING_PY_H
#define SHMRING_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "shmring.h"

/* ---- Waiting: CPython's semaphore pattern --------------------------------- */

/* An absolute CLOCK_MONOTONIC deadline for a relative timeout
 * (negative = forever, 0 = try once). */
typedef struct {
    int64_t timeout_ns;
    int64_t deadline_ns;
} shmring_py_deadline;

/* The longest a call waits without the GIL before Python's signal handlers
 * get a chance to run. The core reports SHMRING_EINTERRUPTED only when a
 * signal lands during its futex sleep; one that lands while it spins, or in
 * another thread, is noticed at the end of the slice. */
#define SHMRING_PY_WAIT_SLICE_NS INT64_C(50000000)

void shmring_py_deadline_start(shmring_py_deadline *d, int64_t timeout_ns);
/* The timeout that is left: negative and 0 stay as they were; a positive
 * timeout never drops below 1 ns, so that a call past the deadline reports
 * SHMRING_ETIMEOUT like the first call would. */
int64_t shmring_py_deadline_left(const shmring_py_deadline *d);
/* The timeout for the next slice of the wait: the time left, at most
 * SHMRING_PY_WAIT_SLICE_NS. */
int64_t shmring_py_deadline_slice(const shmring_py_deadline *d);
/* 1 once a finite deadline has passed (always for a try-once timeout). */
int shmring_py_deadline_passed(const shmring_py_deadline *d);

/* A status that is no shmring code: a signal handler raised an exception. */
#define SHMRING_PY_SIGNALLED 1

/* Run ACTION (which assigns STATUS and reads TIMEOUT) without the GIL, in
 * slices of the wait. After a slice that was interrupted
 * (SHMRING_EINTERRUPTED) or ended before the deadline (SHMRING_ETIMEOUT), run
 * the Python signal handlers with the GIL: if one raised, STATUS becomes
 * SHMRING_PY_SIGNALLED; else wait again, against the same deadline. */
#define SHMRING_PY_WAIT(STATUS, TIMEOUT, ACTION)                              \
    do {                                                                      \
        shmring_py_deadline shmring_py_deadline_;                             \
        shmring_py_deadline_start(&shmring_py_deadline_, (TIMEOUT));          \
        for (;;) {                                                            \
            (TIMEOUT) = shmring_py_deadline_slice(&shmring_py_deadline_);     \
            Py_BEGIN_ALLOW_THREADS                                            \
            ACTION;                                                           \
            Py_END_ALLOW_THREADS                                              \
            if ((STATUS) != SHMRING_EINTERRUPTED &&                           \
                ((STATUS) != SHMRING_ETIMEOUT ||                              \
                 shmring_py_deadline_passed(&shmring_py_deadline_))) {        \
                break;                                                        \
            }                                                                 \
            if (PyErr_CheckSignals() < 0) {                                   \
                (STATUS) = SHMRING_PY_SIGNALLED;                              \
                break;                                                        \
            }                                                                 \
        }                                                                     \
    } while (0)

/* Run ACTION for the whole wait, without the GIL, for the waits of the
 * readers-writer lock that keep a place: a writer waiting for readers to
 * leave holds its place in line (writer preference), and a reader lending its
 * hold counts writers' turns from the start of the call. A new call in every
 * slice would give up that place at each slice's end, so they are not
 * sliced: only a signal that interrupts the wait (SHMRING_EINTERRUPTED)
 * returns to Python, whose handlers run; if one raised, STATUS becomes
 * SHMRING_PY_SIGNALLED, else ON_RESUME runs (`continue`: wait again for the
 * time left; or set STATUS and `break`). */
#define SHMRING_PY_WAIT_WHOLE(STATUS, TIMEOUT, ACTION, ON_RESUME)             \
    do {                                                                      \
        shmring_py_deadline shmring_py_deadline_;                             \
        shmring_py_deadline_start(&shmring_py_deadline_, (TIMEOUT));          \
        for (;;) {                                                            \
            (TIMEOUT) = shmring_py_deadline_left(&shmring_py_deadline_);      \
            Py_BEGIN_ALLOW_THREADS                                            \
            ACTION;                                                           \
            Py_END_ALLOW_THREADS                                              \
            if ((STATUS) != SHMRING_EINTERRUPTED) break;                      \
            if (PyErr_CheckSignals() < 0) {                                   \
                (STATUS) = SHMRING_PY_SIGNALLED;                              \
                break;                                                        \
            }                                                                 \
            ON_RESUME;                                                        \
        }                                                                     \
    } while (0)

/* Copies of at least this many bytes run without the GIL. */
#define SHMRING_PY_GIL_FREE_BYTES ((uint64_t)64 * 1024)

/* SHMRING_PY_WAIT for a call that copies NBYTES at most: below
 * SHMRING_PY_GIL_FREE_BYTES it first makes one attempt (TIMEOUT 0) with the
 * GIL held, and releases the GIL only to wait, if that attempt found the ring
 * NOT_READY (SHMRING_EFULL, SHMRING_EEMPTY) and TIMEOUT is not 0. Releasing
 * and taking back the GIL costs more than the C core's whole 64 B write
 * (about 400 instructions against 300). */
#define SHMRING_PY_TRY_THEN_WAIT(STATUS, TIMEOUT, ACTION, NOT_READY, NBYTES)  \
    do {                                                                      \
        int64_t shmring_py_timeout_ = (TIMEOUT);                              \
        if ((uint64_t)(NBYTES) < SHMRING_PY_GIL_FREE_BYTES) {                 \
            (TIMEOUT) = 0;                                                    \
            ACTION;                                                           \
            (TIMEOUT) = shmring_py_timeout_;                                  \
            if ((STATUS) != (NOT_READY) || shmring_py_timeout_ == 0) break;   \
        }                                                                     \
        SHMRING_PY_WAIT(STATUS, TIMEOUT, ACTION);                             \
    } while (0)

#define SHMRING_PY_COPY(NBYTES, ACTION)                   \
    do {                                                  \
        if ((uint64_t)(NBYTES) >= SHMRING_PY_GIL_FREE_BYTES) { \
            Py_BEGIN_ALLOW_THREADS                        \
            ACTION;                                       \
            Py_END_ALLOW_THREADS                          \
        } else {                                          \
            ACTION;                                       \
        }                                                 \
    } while (0)

/* Seconds (int or float, >= 0) or None (forever) to nanoseconds. */
int shmring_py_timeout_ns(PyObject *seconds, int64_t *timeout_ns_out);

/* ---- Exceptions ---------------------------------------------------------- */

/* table: {status code (int): exception class}. */
PyObject *shmring_py_set_error_classes(PyObject *table);
/* The class registered for status (borrowed), RuntimeError if none. */
PyObject *shmring_py_error_class(int status);
/* Raise the class registered for status (RuntimeError if none) with
 * shmring_last_error() as message. Returns NULL. */
PyObject *shmring_py_raise(int status);

/* ---- Buffers and views ---------------------------------------------------- */

/* A count argument of 1 .. UINT32_MAX. */
int shmring_py_max_count(PyObject *obj, uint32_t *count_out);

/* The buffers of a sequence of buffer objects, held until released. */
typedef struct {
    Py_buffer *views;
    const void **datas;
    uint64_t *lengths;
    uint32_t count;
    uint64_t bytes; /* the lengths' sum */
} shmring_py_buffers;
int shmring_py_buffers_get(shmring_py_buffers *b, PyObject *sequence);
void shmring_py_buffers_release(shmring_py_buffers *b);

/* Room for the views of a peek_batch. */
typedef struct {
    const void **datas;
    uint64_t *lengths;
    uint32_t count;
} shmring_py_views;
int shmring_py_views_alloc(shmring_py_views *v, uint32_t max_count);
void shmring_py_views_free(shmring_py_views *v);

/* A memoryview of length bytes of a slot at data (PyBUF_READ or
 * PyBUF_WRITE), exported by a SlotBuffer (slot_buffer.c). */
PyObject *shmring_py_view(const void *data, uint64_t length, int flags);
/* Release such a view and stop its SlotBuffer from exporting more. Returns
 * how many exports are still alive (memoryviews or arrays derived from the
 * view, which still show the slot), or -1 with an exception set. */
Py_ssize_t shmring_py_slot_done(PyObject *view);
/* The first v->count views as a list of read-only memoryviews. */
PyObject *shmring_py_view_list(const shmring_py_views *v);
/* A list of count lengths. */
PyObject *shmring_py_length_list(const uint64_t *lengths, uint32_t count);

/* ---- Python-shaped calls --------------------------------------------------- */

PyObject *shmring_py_read_bytes(shmring_reader_t *reader, int64_t timeout_ns);
PyObject *shmring_py_read_batch_bytes(shmring_reader_t *reader,
                                      uint32_t max_count, int64_t timeout_ns);
PyObject *shmring_py_reserve_view(shmring_writer_t *writer, uint64_t nbytes,
                                  int64_t timeout_ns);
/* ---- Writer and reader handles (handles.c) ----------------------------------- */

/* The C half of a shmring.Writer or Reader (WriterBase, ReaderBase). */
typedef struct {
    PyObject_HEAD
    PyObject *handle; /* the SWIG pointer object (_h), NULL once closed */
    void *c;          /* the shmring_writer_t or shmring_reader_t it points to */
    PyObject *active; /* the zero-copy block in progress (_active), or NULL */
    unsigned long long slot_bytes; /* the ring's (_slot_bytes), for reserve() */
} shmring_py_handle;

/* obj as a Writer (writer != 0) or Reader, or NULL with TypeError. */
shmring_py_handle *shmring_py_handle_cast(PyObject *obj, int writer);
/* The C handle of a Writer or Reader, or NULL with Invalid ("the KIND is
 * closed"). */
void *shmring_py_open_handle(PyObject *obj, const char *kind);
/* Create a type from spec and add it to the module under its short name;
 * the reference returned is the caller's to keep. */
PyTypeObject *shmring_py_add_type(PyObject *module, PyType_Spec *spec);

/* The C pointer behind a SWIG handle object, or NULL with TypeError set. */
typedef void *(*shmring_py_unwrap_fn)(PyObject *handle);
/* Add WriterBase and ReaderBase, the C bases of shmring.Writer and Reader,
 * to the module. Only the SWIG wrapper can unwrap its handle objects, so it
 * gives the two functions that do. */
int shmring_py_add_handle_types(PyObject *module, shmring_py_unwrap_fn unwrap_writer,
                                shmring_py_unwrap_fn unwrap_reader);

/* ---- Zero-copy blocks (blocks.c) --------------------------------------------- */

/* Add SlotView and Reservation, the context managers of Reader.view() /
 * view_batch() and Writer.reserve(). */
int shmring_py_add_block_types(PyObject *module);
/* A new SlotView of reader (a Reader whose handle is open). */
PyObject *shmring_py_slot_view_new(PyObject *reader, int64_t timeout_ns);
/* A new Reservation of nbytes (at most slot_bytes) by writer. */
PyObject *shmring_py_reservation_new(PyObject *writer, uint64_t nbytes, int64_t timeout_ns);
/* Peek the next message as a read-only memoryview (max_count 0), or up to
 * max_count of them as a list. */
PyObject *shmring_py_peek_views(shmring_reader_t *reader, uint32_t max_count,
                                int64_t timeout_ns);

/* A statistics snapshot (stats.c): (ring fields, [writer tuples],
 * [reader tuples]), the field order being stats.c's. */
PyObject *shmring_py_stats(const shmring_ring_t *ring);
/* One inspection of a named segment: (fields, [(pid, role)], summary)
 * (csrc/inspect.c). */
PyObject *shmring_py_inspect(const char *name);

/* ---- Array messages (arrays.c, dlpack.c) -------------------------------------- */

/* The header of an array message of dtype/flags/shape (a tuple of ints)
 * with the user header `user` (a buffer), as bytes. */
PyObject *shmring_py_array_header(uint32_t dtype, uint32_t flags, PyObject *shape,
                                  PyObject *user);
/* A message's description: (dtype, flags, shape, data_offset, data_bytes,
 * user_offset, user_bytes); a bad message raises (shmring_array_decode). */
PyObject *shmring_py_array_decode(PyObject *message);
/* A DLPack capsule ("dltensor", or "dltensor_versioned" when versioned) of
 * the memory at address, which `owner` keeps alive: it holds a reference
 * to owner until the consumer deletes the tensor. Strides in elements. */
PyObject *shmring_py_dlpack_capsule(PyObject *owner, uint64_t address, uint32_t dtype,
                                    PyObject *shape, PyObject *strides, int readonly,
                                    int versioned);

#endif /* SHMRING_PY_H */
