/* errors.c -- status codes to the exceptions of shmring._errors. */
#include "shmring_py.h"

/* {status code: exception class}, registered once by shmring._errors. */
static PyObject *error_classes;

PyObject *shmring_py_set_error_classes(PyObject *table) {
    if (!PyDict_Check(table)) {
        PyErr_SetString(PyExc_TypeError, "set_error_classes takes a dict");
        return NULL;
    }
    Py_INCREF(table);
    Py_XSETREF(error_classes, table);
    Py_RETURN_NONE;
}

PyObject *shmring_py_error_class(int status) {
    PyObject *cls = NULL;
    if (error_classes) {
        PyObject *key = PyLong_FromLong(status);
        cls = key ? PyDict_GetItemWithError(error_classes, key) : NULL; /* borrowed */
        Py_XDECREF(key);
    }
    if (!cls) {
        PyErr_Clear(); /* a failed lookup: the generic class still says what failed */
        cls = PyExc_RuntimeError;
    }
    return cls;
}

PyObject *shmring_py_raise(int status) {
    const char *detail = shmring_last_error();
    PyErr_SetString(shmring_py_error_class(status),
                    detail[0] ? detail : shmring_strerror(status));
    return NULL;
}
