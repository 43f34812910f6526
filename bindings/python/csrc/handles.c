/* handles.c -- shmring._core.WriterBase and ReaderBase: the C halves of
 * shmring.Writer and shmring.Reader, with the per-message calls.
 *
 * A Python method that calls a SWIG wrapper costs two calls per message: the
 * method's frame, then the wrapper's argument tuple and pointer conversion
 * (docs/benchmarks.md, "Python binding cost"). Here writer.write(data),
 * reader.read(), reader.peek() and writer.reserve() (which make csrc/blocks.c
 * blocks) are C methods (METH_FASTCALL) of the handle object itself,
 * which keeps the C pointer, so the call the user makes is the only one.
 * The Python classes (shmring/_writer.py, _reader.py) derive from these and
 * add everything that is not per message.
 */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

#include <string.h>
#include <structmember.h>

typedef shmring_py_handle HandleBase;

static PyTypeObject *writer_base, *reader_base;

/* The SWIG pointer objects' C pointers (only the SWIG wrapper knows their
 * type descriptors): given once by shmring_py_add_handle_types. */
static shmring_py_unwrap_fn unwrap_writer, unwrap_reader;

static PyObject *handle_get(PyObject *obj, void *closure) {
    (void)closure;
    HandleBase *self = (HandleBase *)obj;
    PyObject *handle = self->handle ? self->handle : Py_None;
    Py_INCREF(handle);
    return handle;
}

/* closure: the unwrap function of the handle's kind. */
static int handle_set(PyObject *obj, PyObject *value, void *closure) {
    HandleBase *self = (HandleBase *)obj;
    void *c = NULL;
    if (value && value != Py_None) {
        c = (*(shmring_py_unwrap_fn *)closure)(value);
        if (!c) return -1;
        Py_INCREF(value);
    } else {
        value = NULL;
    }
    Py_XSETREF(self->handle, value);
    self->c = c;
    return 0;
}

static PyObject *active_get(PyObject *obj, void *closure) {
    (void)closure;
    PyObject *active = ((HandleBase *)obj)->active;
    active = active ? active : Py_None;
    Py_INCREF(active);
    return active;
}

static int active_set(PyObject *obj, PyObject *value, void *closure) {
    (void)closure;
    if (value == Py_None) value = NULL;
    Py_XINCREF(value);
    Py_XSETREF(((HandleBase *)obj)->active, value);
    return 0;
}

/* A block in progress and its handle refer to each other until it ends. */
static int handle_traverse(PyObject *obj, visitproc visit, void *arg) {
    Py_VISIT(((HandleBase *)obj)->active);
    return 0;
}

static int handle_clear(PyObject *obj) {
    Py_CLEAR(((HandleBase *)obj)->active);
    return 0;
}

static void handle_dealloc(PyObject *obj) {
    PyTypeObject *type = Py_TYPE(obj);
    PyObject_GC_UnTrack(obj);
    Py_CLEAR(((HandleBase *)obj)->handle);
    Py_CLEAR(((HandleBase *)obj)->active);
    type->tp_free(obj);
    if (type->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_DECREF(type);
}

shmring_py_handle *shmring_py_handle_cast(PyObject *obj, int writer) {
    PyTypeObject *type = writer ? writer_base : reader_base;
    if (!PyObject_TypeCheck(obj, type)) {
        PyErr_Format(PyExc_TypeError, "expected a shmring %s", writer ? "Writer" : "Reader");
        return NULL;
    }
    return (shmring_py_handle *)obj;
}

void *shmring_py_open_handle(PyObject *obj, const char *kind) {
    void *c = ((HandleBase *)obj)->c;
    if (!c) {
        PyErr_Format(shmring_py_error_class(SHMRING_EINVALID), "the %s is closed", kind);
    }
    return c;
}

/* ---- Arguments -------------------------------------------------------------- */

/* The arguments of a METH_FASTCALL | METH_KEYWORDS call into out[0..count),
 * by position or by the keywords in names; the first `required` must be
 * given, the others stay NULL when not. (PyArg_ParseTupleAndKeywords would
 * build a tuple and a format parse per call.) */
static int unpack_args(const char *function, const char *const *names,
                       Py_ssize_t count, Py_ssize_t required,
                       PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                       PyObject **out) {
    if (nargs > count) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)",
                     function, count, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) out[i] = i < nargs ? args[i] : NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        Py_ssize_t i = 0;
        while (i < count && PyUnicode_CompareWithASCIIString(key, names[i]) != 0) i++;
        if (i == count || out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() got %s argument '%U'", function,
                         i == count ? "an unexpected keyword" : "multiple values for",
                         key);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (Py_ssize_t i = 0; i < required; i++) {
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'",
                         function, names[i]);
            return -1;
        }
    }
    return 0;
}

/* A timeout argument, absent or None meaning forever. */
static int timeout_arg(PyObject *timeout, int64_t *timeout_ns_out) {
    return shmring_py_timeout_ns(timeout ? timeout : Py_None, timeout_ns_out);
}

/* None, or the exception of a status < 0 (SHMRING_PY_SIGNALLED: one is set). */
static PyObject *none_or_raise(int status) {
    if (status == SHMRING_PY_SIGNALLED) return NULL;
    if (status < 0) return shmring_py_raise(status);
    Py_RETURN_NONE;
}

/* ---- Writer ------------------------------------------------------------------- */

static PyObject *write_message(PyObject *self, PyObject *data, int64_t timeout_ns) {
    shmring_writer_t *writer = shmring_py_open_handle(self, "writer");
    if (!writer) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    int status;
    SHMRING_PY_TRY_THEN_WAIT(status, timeout_ns,
                             status = shmring_write(writer, view.buf,
                                                    (uint64_t)view.len, timeout_ns),
                             SHMRING_EFULL, view.len);
    PyBuffer_Release(&view);
    return none_or_raise(status);
}

static PyObject *writer_write(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    static const char *const names[] = {"data", "timeout"};
    PyObject *a[2];
    int64_t timeout_ns;
    if (unpack_args("write", names, 2, 1, args, nargs, kwnames, a) < 0 ||
        timeout_arg(a[1], &timeout_ns) < 0) {
        return NULL;
    }
    return write_message(self, a[0], timeout_ns);
}

static PyObject *writer_try_write(PyObject *self, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const names[] = {"data"};
    PyObject *data;
    if (unpack_args("try_write", names, 1, 1, args, nargs, kwnames, &data) < 0) {
        return NULL;
    }
    return write_message(self, data, 0);
}

static PyObject *writer_reserve(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames) {
    static const char *const names[] = {"nbytes", "timeout"};
    PyObject *a[2];
    int64_t timeout_ns;
    if (unpack_args("reserve", names, 2, 1, args, nargs, kwnames, a) < 0 ||
        timeout_arg(a[1], &timeout_ns) < 0 || !shmring_py_open_handle(self, "writer")) {
        return NULL;
    }
    int overflow;
    long long nbytes = PyLong_AsLongLongAndOverflow(a[0], &overflow);
    if (nbytes == -1 && PyErr_Occurred()) return NULL;
    unsigned long long slot_bytes = ((HandleBase *)self)->slot_bytes;
    if (overflow || nbytes < 0 || (unsigned long long)nbytes > slot_bytes) {
        PyErr_Format(shmring_py_error_class(SHMRING_ETOOLARGE),
                     "cannot reserve %S bytes: slots hold 0..%llu", a[0], slot_bytes);
        return NULL;
    }
    return shmring_py_reservation_new(self, (uint64_t)nbytes, timeout_ns);
}

/* ---- Reader ------------------------------------------------------------------- */

static PyObject *reader_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const char *const names[] = {"timeout"};
    PyObject *timeout;
    int64_t timeout_ns;
    if (unpack_args("read", names, 1, 0, args, nargs, kwnames, &timeout) < 0 ||
        timeout_arg(timeout, &timeout_ns) < 0) {
        return NULL;
    }
    shmring_reader_t *reader = shmring_py_open_handle(self, "reader");
    return reader ? shmring_py_read_bytes(reader, timeout_ns) : NULL;
}

static PyObject *reader_try_read(PyObject *self, PyObject *unused) {
    (void)unused;
    shmring_reader_t *reader = shmring_py_open_handle(self, "reader");
    return reader ? shmring_py_read_bytes(reader, 0) : NULL;
}

static PyObject *read_message_into(PyObject *self, PyObject *buffer,
                                   int64_t timeout_ns) {
    shmring_reader_t *reader = shmring_py_open_handle(self, "reader");
    if (!reader) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE) < 0) return NULL;
    uint64_t length = 0;
    int status;
    SHMRING_PY_TRY_THEN_WAIT(status, timeout_ns,
                             status = shmring_read(reader, view.buf, (uint64_t)view.len,
                                                   &length, timeout_ns),
                             SHMRING_EEMPTY, view.len);
    PyBuffer_Release(&view);
    if (status == SHMRING_PY_SIGNALLED) return NULL;
    if (status < 0) return shmring_py_raise(status);
    return PyLong_FromUnsignedLongLong(length);
}

static PyObject *reader_read_into(PyObject *self, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const names[] = {"buffer", "timeout"};
    PyObject *a[2];
    int64_t timeout_ns;
    if (unpack_args("read_into", names, 2, 1, args, nargs, kwnames, a) < 0 ||
        timeout_arg(a[1], &timeout_ns) < 0) {
        return NULL;
    }
    return read_message_into(self, a[0], timeout_ns);
}

static PyObject *reader_try_read_into(PyObject *self, PyObject *const *args,
                                      Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const names[] = {"buffer"};
    PyObject *buffer;
    if (unpack_args("try_read_into", names, 1, 1, args, nargs, kwnames, &buffer) < 0) {
        return NULL;
    }
    return read_message_into(self, buffer, 0);
}

static PyObject *reader_peek(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const char *const names[] = {"timeout"};
    PyObject *timeout;
    int64_t timeout_ns;
    if (unpack_args("peek", names, 1, 0, args, nargs, kwnames, &timeout) < 0 ||
        timeout_arg(timeout, &timeout_ns) < 0 || !shmring_py_open_handle(self, "reader")) {
        return NULL;
    }
    return shmring_py_slot_view_new(self, timeout_ns);
}

/* ---- The types ------------------------------------------------------------------ */

#define FASTCALL_KW (METH_FASTCALL | METH_KEYWORDS)

static PyMethodDef writer_methods[] = {
    {"write", (PyCFunction)(void (*)(void))writer_write, FASTCALL_KW,
     "write(data, timeout=None)\n--\n\n"
     "Write one message of 0..slot_bytes bytes, waiting while the ring is\n"
     "full. Raises Timeout, TooLarge, Closed (stream ended)."},
    {"try_write", (PyCFunction)(void (*)(void))writer_try_write, FASTCALL_KW,
     "try_write(data)\n--\n\n"
     "Write one message if a slot is free now, else raise Full."},
    {"reserve", (PyCFunction)(void (*)(void))writer_reserve, FASTCALL_KW,
     "reserve(nbytes, timeout=None)\n--\n\n"
     "Zero-copy write: `with writer.reserve(n) as slot:` gives a writable\n"
     "memoryview of n bytes inside the next slot, waiting (up to timeout)\n"
     "for one. Leaving the block commits the n bytes as one message; an\n"
     "exception aborts it (readers skip the slot). The view, and every\n"
     "memoryview or array made over it, is unusable after the block\n"
     "(ValueError); one still alive then aborts the message (BufferError)."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef reader_methods[] = {
    {"read", (PyCFunction)(void (*)(void))reader_read, FASTCALL_KW,
     "read(timeout=None)\n--\n\n"
     "The next message, as new bytes. Raises Timeout, Closed."},
    {"try_read", reader_try_read, METH_NOARGS,
     "try_read()\n--\n\n"
     "The next message if one is ready now, else raise Empty."},
    {"read_into", (PyCFunction)(void (*)(void))reader_read_into, FASTCALL_KW,
     "read_into(buffer, timeout=None)\n--\n\n"
     "Copy the next message into a writable buffer (bytearray, memoryview,\n"
     "NumPy array ...) and return its length. A buffer too small raises\n"
     "TooLarge and leaves the message in the ring."},
    {"try_read_into", (PyCFunction)(void (*)(void))reader_try_read_into, FASTCALL_KW,
     "try_read_into(buffer)\n--\n\n"
     "read_into() if a message is ready now, else raise Empty."},
    {"peek", (PyCFunction)(void (*)(void))reader_peek, FASTCALL_KW,
     "peek(timeout=None)\n--\n\n"
     "Zero-copy read: `with reader.peek() as message:` gives a read-only\n"
     "memoryview of the next message in its slot, which writers leave\n"
     "alone until the block ends. The view is released on exit: using it,\n"
     "or a memoryview made from it, afterwards raises ValueError. For a\n"
     "lossy reader the exit raises Lapped if writers overwrote the slot\n"
     "meanwhile: discard what was read."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef writer_getset[] = {
    {"_h", handle_get, handle_set, "the SWIG writer handle, None once closed",
     &unwrap_writer},
    {"_active", active_get, active_set, "the reservation in progress, or None", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyGetSetDef reader_getset[] = {
    {"_h", handle_get, handle_set, "the SWIG reader handle, None once closed",
     &unwrap_reader},
    {"_active", active_get, active_set, "the view block in progress, or None", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef handle_members[] = {
    {"_slot_bytes", T_ULONGLONG, offsetof(HandleBase, slot_bytes), 0,
     "the ring's slot_bytes (Handle.__init__ sets it), for reserve()"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject *add_type(PyObject *module, const char *name, const char *doc,
                              PyMethodDef *methods, PyGetSetDef *getset) {
    PyType_Slot slots[] = {
        {Py_tp_members, handle_members},
        {Py_tp_dealloc, (void *)handle_dealloc},
        {Py_tp_traverse, (void *)handle_traverse},
        {Py_tp_clear, (void *)handle_clear},
        {Py_tp_doc, (void *)doc},
        {Py_tp_methods, methods},
        {Py_tp_getset, getset},
        {0, NULL},
    };
    PyType_Spec spec = {
        .name = name,
        .basicsize = sizeof(HandleBase),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = slots,
    };
    return shmring_py_add_type(module, &spec);
}

int shmring_py_add_handle_types(PyObject *module, shmring_py_unwrap_fn writer,
                                shmring_py_unwrap_fn reader) {
    unwrap_writer = writer;
    unwrap_reader = reader;
    writer_base = add_type(module, "shmring._core.WriterBase",
                           "The C half of shmring.Writer: the handle and the per-message calls.",
                           writer_methods, writer_getset);
    reader_base = add_type(module, "shmring._core.ReaderBase",
                           "The C half of shmring.Reader: the handle and the per-message calls.",
                           reader_methods, reader_getset);
    if (!writer_base || !reader_base) return -1;
    return shmring_py_add_block_types(module);
}

PyTypeObject *shmring_py_add_type(PyObject *module, PyType_Spec *spec) {
    PyObject *type = PyType_FromSpec(spec);
    if (!type) return NULL;
    /* The module keeps it (and so do these files): add a reference for it. */
    Py_INCREF(type);
    if (PyModule_AddObject(module, strrchr(spec->name, '.') + 1, type) < 0) {
        Py_DECREF(type);
        Py_DECREF(type);
        return NULL;
    }
    return (PyTypeObject *)type;
}
