/* inspect.c -- one inspection of a named segment as Python values, for the
 * binding: (fields tuple in SHMRING_INSPECT_* order, [(pid, role)],
 * summary). shmring/_segments.py names them. */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

#include <string.h>

static PyObject *fields_of(const shmring_inspection_t *in) {
    PyObject *fields = PyTuple_New(SHMRING_INSPECT_CREATOR_ALIVE + 1);
    if (!fields) return NULL;
    for (uint32_t f = 0; f <= SHMRING_INSPECT_CREATOR_ALIVE; f++) {
        uint64_t value = 0;
        int status = shmring_inspection_get(in, f, &value);
        PyObject *item = status < 0 ? shmring_py_raise(status)
                                    : PyLong_FromUnsignedLongLong(value);
        if (!item) {
            Py_DECREF(fields);
            return NULL;
        }
        PyTuple_SET_ITEM(fields, (Py_ssize_t)f, item);
    }
    return fields;
}

static PyObject *live_of(const shmring_inspection_t *in) {
    uint32_t count = shmring_inspection_live_count(in);
    PyObject *live = PyList_New(count);
    if (!live) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t pid = 0, role = 0;
        int status = shmring_inspection_live(in, i, &pid, &role);
        PyObject *item = status < 0 ? shmring_py_raise(status)
                                    : Py_BuildValue("(II)", pid, role);
        if (!item) {
            Py_DECREF(live);
            return NULL;
        }
        PyList_SET_ITEM(live, i, item);
    }
    return live;
}

PyObject *shmring_py_inspect(const char *name) {
    shmring_inspection_t *in = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = shmring_inspect(name, &in);
    Py_END_ALLOW_THREADS
    if (status < 0) return shmring_py_raise(status);
    PyObject *result = NULL;
    PyObject *fields = fields_of(in);
    PyObject *live = fields ? live_of(in) : NULL;
    const char *summary = shmring_inspection_summary(in);
    if (live) {
        result = Py_BuildValue("(OOs)", fields, live, summary);
    }
    Py_XDECREF(fields);
    Py_XDECREF(live);
    shmring_inspection_free(in);
    return result;
}
