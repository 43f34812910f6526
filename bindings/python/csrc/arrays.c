/* arrays.c -- the array message calls of the core (docs/messages.md), in
 * Python's shapes: a header as bytes, a message's description as a tuple.
 * The format itself is c/src/array_format.c; nothing is parsed here. */
#include "shmring_py.h"

/* A tuple of ints as uint64 extents (at most SHMRING_ARRAY_MAX_NDIM). */
static int shape_from_tuple(PyObject *shape, uint64_t *extents, uint32_t *ndim) {
    if (!PyTuple_Check(shape)) {
        PyErr_SetString(PyExc_TypeError, "shape must be a tuple of ints");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(shape);
    if (n > (Py_ssize_t)SHMRING_ARRAY_MAX_NDIM) {
        PyErr_Format(PyExc_ValueError,
                     "an array message has at most %u dimensions, not %zd",
                     SHMRING_ARRAY_MAX_NDIM, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        extents[i] = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(shape, i));
        if (PyErr_Occurred()) return -1;
    }
    *ndim = (uint32_t)n;
    return 0;
}

PyObject *shmring_py_array_header(uint32_t dtype, uint32_t flags, PyObject *shape,
                                  PyObject *user) {
    uint64_t extents[SHMRING_ARRAY_MAX_NDIM];
    uint32_t ndim;
    if (shape_from_tuple(shape, extents, &ndim) < 0) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(user, &view, PyBUF_SIMPLE) < 0) return NULL;
    /* Longer than the bound: the core names the bound. */
    uint32_t user_bytes = view.len > (Py_ssize_t)UINT32_MAX ? UINT32_MAX : (uint32_t)view.len;
    PyObject *header = NULL;
    uint64_t offset, bytes;
    int rc = shmring_array_encode_header(NULL, 0, dtype, flags, ndim, extents, view.buf,
                                         user_bytes, &offset, &bytes);
    if (rc == SHMRING_OK) {
        header = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)offset);
        /* Only the header is written here; the capacity is the whole
         * message's, which the first call computed. */
        if (header) {
            rc = shmring_array_encode_header(PyBytes_AS_STRING(header), offset + bytes, dtype,
                                             flags, ndim, extents, view.buf, user_bytes,
                                             NULL, NULL);
        }
    }
    PyBuffer_Release(&view);
    if (rc != SHMRING_OK) {
        Py_XDECREF(header);
        return shmring_py_raise(rc);
    }
    return header;
}

PyObject *shmring_py_array_decode(PyObject *message) {
    Py_buffer view;
    if (PyObject_GetBuffer(message, &view, PyBUF_SIMPLE) < 0) return NULL;
    uint32_t dtype, flags, ndim, user_bytes;
    uint64_t shape[SHMRING_ARRAY_MAX_NDIM], offset, bytes, user_offset;
    int rc = shmring_array_decode(view.buf, (uint64_t)view.len, &dtype, &flags, &ndim, shape,
                                  &offset, &bytes, &user_offset, &user_bytes);
    PyBuffer_Release(&view);
    if (rc != SHMRING_OK) return shmring_py_raise(rc);
    PyObject *extents = PyTuple_New(ndim);
    if (!extents) return NULL;
    for (uint32_t i = 0; i < ndim; i++) {
        PyObject *extent = PyLong_FromUnsignedLongLong(shape[i]);
        if (!extent) {
            Py_DECREF(extents);
            return NULL;
        }
        PyTuple_SET_ITEM(extents, i, extent);
    }
    return Py_BuildValue("(IINKKKI)", dtype, flags, extents, (unsigned long long)offset,
                         (unsigned long long)bytes, (unsigned long long)user_offset,
                         user_bytes);
}
