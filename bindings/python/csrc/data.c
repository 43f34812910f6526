/* data.c -- buffers in, bytes and memoryviews out, for the Python binding. */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

#include <string.h>

int shmring_py_max_count(PyObject *obj, uint32_t *count_out) {
    unsigned long long n = PyLong_AsUnsignedLongLong(obj);
    if (n == (unsigned long long)-1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            n = 0; /* negative: reported below */
        } else {
            return -1;
        }
    }
    if (n < 1 || n > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "max_count must be 1 .. 2**32-1");
        return -1;
    }
    *count_out = (uint32_t)n;
    return 0;
}

int shmring_py_buffers_get(shmring_py_buffers *b, PyObject *sequence) {
    PyObject *fast = PySequence_Fast(sequence, "write_batch takes a sequence of buffers");
    if (!fast) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if ((uint64_t)n > UINT32_MAX) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "write_batch takes at most 2**32-1 messages");
        return -1;
    }
    /* Not zeroed: entries are written before they are read (up to count);
     * zeroing the Py_buffers was a third of a 64 B message's batch cost. */
    size_t slots = n > 0 ? (size_t)n : 1;
    b->views = PyMem_Malloc(slots * sizeof *b->views);
    b->datas = PyMem_Malloc(slots * sizeof *b->datas);
    b->lengths = PyMem_Malloc(slots * sizeof *b->lengths);
    if (!b->views || !b->datas || !b->lengths) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyObject_GetBuffer(items[i], &b->views[i], PyBUF_SIMPLE) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        b->count++; /* each view holds a reference to its object */
        b->datas[i] = b->views[i].buf;
        b->lengths[i] = (uint64_t)b->views[i].len;
        b->bytes += b->lengths[i];
    }
    Py_DECREF(fast);
    return 0;
}

void shmring_py_buffers_release(shmring_py_buffers *b) {
    for (uint32_t i = 0; i < b->count; i++) PyBuffer_Release(&b->views[i]);
    PyMem_Free(b->views);
    PyMem_Free(b->datas);
    PyMem_Free(b->lengths);
    memset(b, 0, sizeof *b);
}

int shmring_py_views_alloc(shmring_py_views *v, uint32_t max_count) {
    /* Not zeroed: the core fills the first count entries, the only ones read. */
    v->datas = PyMem_Malloc(max_count * sizeof *v->datas);
    v->lengths = PyMem_Malloc(max_count * sizeof *v->lengths);
    v->count = 0;
    if (!v->datas || !v->lengths) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

void shmring_py_views_free(shmring_py_views *v) {
    PyMem_Free(v->datas);
    PyMem_Free(v->lengths);
    memset(v, 0, sizeof *v);
}

PyObject *shmring_py_view_list(const shmring_py_views *v) {
    PyObject *list = PyList_New(v->count);
    if (!list) return NULL;
    for (uint32_t i = 0; i < v->count; i++) {
        PyObject *view = shmring_py_view(v->datas[i], v->lengths[i], PyBUF_READ);
        if (!view) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, view);
    }
    return list;
}

PyObject *shmring_py_length_list(const uint64_t *lengths, uint32_t count) {
    PyObject *list = PyList_New(count);
    if (!list) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        PyObject *n = PyLong_FromUnsignedLongLong(lengths[i]);
        if (!n) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, n);
    }
    return list;
}

/* New bytes objects with copies of count messages; NULL on failure. */
static PyObject *copy_messages(const void *const *datas, const uint64_t *lengths,
                               uint32_t count) {
    PyObject *list = PyList_New(count);
    if (!list) return NULL;
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)lengths[i]);
        if (!bytes) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, bytes);
        total += lengths[i];
    }
    SHMRING_PY_COPY(total, {
        for (uint32_t i = 0; i < count; i++) {
            if (lengths[i]) {
                memcpy(PyBytes_AS_STRING(PyList_GET_ITEM(list, i)), datas[i],
                       lengths[i]);
            }
        }
    });
    return list;
}

/* New bytes with a copy of one message; NULL on failure. */
static PyObject *copy_message(const void *const *datas, const uint64_t *lengths,
                              uint32_t count) {
    (void)count; /* 1: a copy_fn */
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)lengths[0]);
    if (!bytes) return NULL;
    SHMRING_PY_COPY(lengths[0], {
        if (lengths[0]) memcpy(PyBytes_AS_STRING(bytes), datas[0], lengths[0]);
    });
    return bytes;
}

typedef PyObject *(*copy_fn)(const void *const *datas, const uint64_t *lengths,
                             uint32_t count);

/* Peek up to views->max messages, copy them (copy), release. A lossy reader
 * whose slots were overwritten during the copy (SHMRING_ELAPPED) discards
 * the copies and reads again, within the same deadline. */
static PyObject *read_copies(shmring_reader_t *reader, shmring_py_views *views,
                             uint32_t max_count, copy_fn copy, int64_t timeout_ns) {
    shmring_py_deadline deadline;
    shmring_py_deadline_start(&deadline, timeout_ns);
    for (;;) {
        int status;
        int64_t timeout = shmring_py_deadline_left(&deadline);
        SHMRING_PY_TRY_THEN_WAIT(status, timeout,
                                 status = shmring_peek_batch(reader, views->datas,
                                                             views->lengths, max_count,
                                                             &views->count, timeout),
                                 SHMRING_EEMPTY, 0);
        if (status == SHMRING_PY_SIGNALLED) return NULL;
        if (status < 0) return shmring_py_raise(status);
        PyObject *copies = copy(views->datas, views->lengths, views->count);
        status = shmring_release(reader);
        if (status == SHMRING_OK || !copies) return copies;
        Py_DECREF(copies);
        if (status != SHMRING_ELAPPED) return shmring_py_raise(status);
    }
}

PyObject *shmring_py_read_bytes(shmring_reader_t *reader, int64_t timeout_ns) {
    /* One message: its view on the stack, no allocation but the bytes. */
    const void *data;
    uint64_t length;
    shmring_py_views views = {.datas = &data, .lengths = &length};
    return read_copies(reader, &views, 1, copy_message, timeout_ns);
}

PyObject *shmring_py_read_batch_bytes(shmring_reader_t *reader,
                                      uint32_t max_count, int64_t timeout_ns) {
    if (max_count == 0) {
        PyErr_SetString(PyExc_ValueError, "max_count must be at least 1");
        return NULL;
    }
    shmring_py_views views = {0};
    PyObject *result = NULL;
    if (shmring_py_views_alloc(&views, max_count) == 0) {
        result = read_copies(reader, &views, max_count, copy_messages, timeout_ns);
    }
    shmring_py_views_free(&views);
    return result;
}

PyObject *shmring_py_peek_views(shmring_reader_t *reader, uint32_t max_count,
                                int64_t timeout_ns) {
    const void *data;
    uint64_t length;
    shmring_py_views views = {.datas = &data, .lengths = &length};
    if (max_count && shmring_py_views_alloc(&views, max_count) < 0) {
        shmring_py_views_free(&views);
        return NULL;
    }
    int status;
    SHMRING_PY_TRY_THEN_WAIT(status, timeout_ns,
                             status = shmring_peek_batch(reader, views.datas, views.lengths,
                                                         max_count ? max_count : 1,
                                                         &views.count, timeout_ns),
                             SHMRING_EEMPTY, 0);
    PyObject *result = NULL;
    if (status == SHMRING_PY_SIGNALLED) {
        /* an exception is set */
    } else if (status < 0) {
        shmring_py_raise(status);
    } else {
        result = max_count ? shmring_py_view_list(&views)
                           : shmring_py_view(data, length, PyBUF_READ);
        if (!result) shmring_release(reader); /* no view: nothing to keep the slots for */
    }
    if (max_count) shmring_py_views_free(&views);
    return result;
}

PyObject *shmring_py_reserve_view(shmring_writer_t *writer, uint64_t nbytes,
                                  int64_t timeout_ns) {
    void *slot = NULL;
    int status;
    SHMRING_PY_TRY_THEN_WAIT(status, timeout_ns,
                             status = shmring_reserve(writer, &slot, timeout_ns),
                             SHMRING_EFULL, 0);
    if (status == SHMRING_PY_SIGNALLED) return NULL;
    if (status < 0) return shmring_py_raise(status);
    PyObject *view = shmring_py_view(slot, nbytes, PyBUF_WRITE);
    if (!view) shmring_abort(writer);
    return view;
}
