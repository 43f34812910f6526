/* blocks.c -- the zero-copy blocks as C context managers: SlotView (the
 * block of Reader.peek(), and of peek_batch() through the Python subclass
 * SlotViewBatch) and Reservation (Writer.reserve()).
 *
 * As Python classes they cost six Python frames and a handful of objects
 * per message, 15 times the C core's peek and release (docs/benchmarks.md,
 * "Python binding cost"). Here __enter__ and __exit__ are C methods and
 * Reader.peek() makes the block without a Python call. The NumPy blocks of
 * shmring/_arrays.py subclass these in Python and override
 * _exports_allowed(), which the base types do not need to call.
 */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

typedef struct {
    PyObject_HEAD
    PyObject *owner;    /* the Reader or Writer */
    int64_t timeout_ns;
    uint32_t max_count; /* SlotView: 0 for one view, else peek_batch's count */
    uint64_t nbytes;    /* Reservation: the message's length */
    PyObject *views;    /* in the block: the memoryview, or the list of them */
} Block;

static PyTypeObject *slot_view_type, *reservation_type;
static PyObject *exports_allowed_name;

static int block_traverse(PyObject *obj, visitproc visit, void *arg) {
    Block *self = (Block *)obj;
    Py_VISIT(self->owner);
    Py_VISIT(self->views);
    return 0;
}

static int block_clear(PyObject *obj) {
    Block *self = (Block *)obj;
    Py_CLEAR(self->owner);
    Py_CLEAR(self->views);
    return 0;
}

static void block_dealloc(PyObject *obj) {
    PyTypeObject *type = Py_TYPE(obj);
    PyObject_GC_UnTrack(obj);
    block_clear(obj);
    type->tp_free(obj);
    Py_DECREF(type);
}

static void set_owner(Block *self, PyObject *owner, int64_t timeout_ns) {
    Py_INCREF(owner);
    Py_XSETREF(self->owner, owner);
    self->timeout_ns = timeout_ns;
}

static PyObject *invalid(const char *message) {
    PyErr_SetString(shmring_py_error_class(SHMRING_EINVALID), message);
    return NULL;
}

/* Buffers over the views that may outlive the block: what a subclass's
 * _exports_allowed() says (the NumPy blocks), 0 for the base types. */
static Py_ssize_t exports_allowed(PyObject *obj, PyTypeObject *base) {
    if (Py_TYPE(obj) == base) return 0;
    PyObject *n = PyObject_CallMethodObjArgs(obj, exports_allowed_name, NULL);
    if (!n) return -1;
    Py_ssize_t allowed = PyLong_AsSsize_t(n);
    Py_DECREF(n);
    return allowed;
}

static PyObject *block_exports_allowed(PyObject *obj, PyObject *unused) {
    (void)obj;
    (void)unused;
    return PyLong_FromLong(0);
}

/* End the views (slot_done): how many buffers made over them are still
 * alive, or -1 with an exception set. */
static Py_ssize_t end_views(Block *self) {
    PyObject *views = self->views;
    self->views = NULL;
    Py_ssize_t kept = 0;
    if (PyList_Check(views)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(views) && kept >= 0; i++) {
            Py_ssize_t n = shmring_py_slot_done(PyList_GET_ITEM(views, i));
            kept = n < 0 ? -1 : kept + n;
        }
    } else {
        kept = shmring_py_slot_done(views);
    }
    Py_DECREF(views);
    return kept;
}

/* The handle is closing: drop the views without touching the ring. */
static PyObject *block_abandon(PyObject *obj, PyObject *unused) {
    (void)unused;
    Block *self = (Block *)obj;
    if (self->views && end_views(self) < 0) return NULL;
    Py_RETURN_NONE;
}

/* ---- SlotView -------------------------------------------------------------------- */

PyObject *shmring_py_slot_view_new(PyObject *reader, int64_t timeout_ns) {
    Block *self = (Block *)slot_view_type->tp_alloc(slot_view_type, 0);
    if (self) set_owner(self, reader, timeout_ns);
    return (PyObject *)self;
}

static int slot_view_init(PyObject *obj, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"reader", "timeout", "max_count", NULL};
    PyObject *reader, *timeout = Py_None;
    Py_ssize_t max_count = 0;
    int64_t timeout_ns;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|On:SlotView", names, &reader,
                                     &timeout, &max_count) ||
        !shmring_py_handle_cast(reader, 0) ||
        shmring_py_timeout_ns(timeout, &timeout_ns) < 0) {
        return -1;
    }
    if (max_count < 0 || (uint64_t)max_count > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "max_count must be 0 .. 2**32-1");
        return -1;
    }
    set_owner((Block *)obj, reader, timeout_ns);
    ((Block *)obj)->max_count = (uint32_t)max_count;
    return 0;
}

static PyObject *slot_view_enter(PyObject *obj, PyObject *unused) {
    (void)unused;
    Block *self = (Block *)obj;
    shmring_py_handle *reader = (shmring_py_handle *)self->owner;
    shmring_reader_t *r = shmring_py_open_handle(self->owner, "reader");
    if (!r) return NULL;
    if (reader->active) return invalid("one view block at a time per reader");
    PyObject *views = shmring_py_peek_views(r, self->max_count, self->timeout_ns);
    if (!views) return NULL;
    /* The caller gets its own list: whatever it does to it, all are ended. */
    PyObject *given = self->max_count ? PyList_GetSlice(views, 0, PY_SSIZE_T_MAX) : views;
    if (!given) {
        self->views = views;
        end_views(self);
        shmring_release(r);
        return NULL;
    }
    if (given == views) Py_INCREF(given);
    self->views = views;
    Py_INCREF(obj);
    Py_XSETREF(reader->active, obj);
    return given;
}

static PyObject *slot_view_exit(PyObject *obj, PyObject *const *args, Py_ssize_t nargs) {
    (void)args;
    (void)nargs;
    Block *self = (Block *)obj;
    if (!self->views) Py_RETURN_NONE; /* abandoned: the reader closed, which released the slots */
    shmring_py_handle *reader = (shmring_py_handle *)self->owner;
    Py_CLEAR(reader->active);
    Py_ssize_t kept = end_views(self);
    Py_ssize_t allowed = kept < 0 ? 0 : exports_allowed(obj, slot_view_type);
    /* Released even if buffers made over a view are alive, so that writers
     * are not held forever; those buffers now show whatever writers put there. */
    int status = shmring_release(reader->c);
    if (allowed < 0 || kept < 0) return NULL;
    if (status < 0) return shmring_py_raise(status);
    if (kept - allowed > 0) {
        PyErr_Format(PyExc_BufferError,
                     "%zd buffer(s) made over a slot view (e.g. a NumPy array) outlived "
                     "the with block; copy what you keep", kept - allowed);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- Reservation ------------------------------------------------------------------ */

PyObject *shmring_py_reservation_new(PyObject *writer, uint64_t nbytes, int64_t timeout_ns) {
    Block *self = (Block *)reservation_type->tp_alloc(reservation_type, 0);
    if (!self) return NULL;
    set_owner(self, writer, timeout_ns);
    self->nbytes = nbytes;
    return (PyObject *)self;
}

static int reservation_init(PyObject *obj, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"writer", "nbytes", "timeout", NULL};
    PyObject *writer, *timeout = Py_None;
    unsigned long long nbytes;
    int64_t timeout_ns;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OK|O:Reservation", names, &writer,
                                     &nbytes, &timeout) ||
        !shmring_py_handle_cast(writer, 1) ||
        shmring_py_timeout_ns(timeout, &timeout_ns) < 0) {
        return -1;
    }
    set_owner((Block *)obj, writer, timeout_ns);
    ((Block *)obj)->nbytes = nbytes;
    return 0;
}

static PyObject *reservation_enter(PyObject *obj, PyObject *unused) {
    (void)unused;
    Block *self = (Block *)obj;
    shmring_py_handle *writer = (shmring_py_handle *)self->owner;
    shmring_writer_t *w = shmring_py_open_handle(self->owner, "writer");
    if (!w) return NULL;
    if (writer->active) return invalid("one reservation at a time per writer");
    PyObject *view = shmring_py_reserve_view(w, self->nbytes, self->timeout_ns);
    if (!view) return NULL;
    self->views = view;
    Py_INCREF(view);
    Py_INCREF(obj);
    Py_XSETREF(writer->active, obj);
    return view;
}

static PyObject *reservation_exit(PyObject *obj, PyObject *const *args, Py_ssize_t nargs) {
    Block *self = (Block *)obj;
    int failed = nargs > 0 && args[0] != Py_None; /* the block raised */
    if (!self->views) { /* abandoned: the writer closed, which aborted the slot */
        if (failed) Py_RETURN_NONE;
        return invalid("the writer was closed during the reservation; the message was aborted");
    }
    shmring_py_handle *writer = (shmring_py_handle *)self->owner;
    Py_CLEAR(writer->active);
    Py_ssize_t kept = end_views(self);
    Py_ssize_t allowed = kept < 0 ? 0 : exports_allowed(obj, reservation_type);
    if (kept < 0 || allowed < 0 || failed) {
        shmring_abort(writer->c);
        if (failed && !PyErr_Occurred()) Py_RETURN_NONE;
        return NULL;
    }
    if (kept - allowed > 0) {
        shmring_abort(writer->c);
        PyErr_Format(PyExc_BufferError,
                     "%zd buffer(s) made over the reserved slot (e.g. a NumPy array) "
                     "outlived the with block; the message was aborted", kept - allowed);
        return NULL;
    }
    int status = shmring_commit(writer->c, self->nbytes);
    if (status < 0) return shmring_py_raise(status);
    Py_RETURN_NONE;
}

/* ---- The types ---------------------------------------------------------------------- */

#define BLOCK_METHODS                                                                  \
    {"abandon", block_abandon, METH_NOARGS,                                            \
     "The handle is closing: drop the views without touching the ring."},             \
    {"_exports_allowed", block_exports_allowed, METH_NOARGS,                           \
     "Buffers over the views that may outlive the block (subclasses: the NumPy "       \
     "array under the `as` name)."}

static PyMethodDef slot_view_methods[] = {
    {"__enter__", slot_view_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))slot_view_exit, METH_FASTCALL, NULL},
    BLOCK_METHODS,
    {NULL, NULL, 0, NULL},
};

static PyMethodDef reservation_methods[] = {
    {"__enter__", reservation_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))reservation_exit, METH_FASTCALL, NULL},
    BLOCK_METHODS,
    {NULL, NULL, 0, NULL},
};

static PyTypeObject *add_block_type(PyObject *module, const char *name, const char *doc,
                                    initproc init, PyMethodDef *methods) {
    PyType_Slot slots[] = {
        {Py_tp_dealloc, (void *)block_dealloc},
        {Py_tp_traverse, (void *)block_traverse},
        {Py_tp_clear, (void *)block_clear},
        {Py_tp_init, (void *)init},
        {Py_tp_new, (void *)PyType_GenericNew},
        {Py_tp_doc, (void *)doc},
        {Py_tp_methods, methods},
        {0, NULL},
    };
    PyType_Spec spec = {
        .name = name,
        .basicsize = sizeof(Block),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = slots,
    };
    return shmring_py_add_type(module, &spec);
}

int shmring_py_add_block_types(PyObject *module) {
    exports_allowed_name = PyUnicode_InternFromString("_exports_allowed");
    if (!exports_allowed_name) return -1;
    slot_view_type = add_block_type(
        module, "shmring._core.SlotView",
        "SlotView(reader, timeout=None, max_count=0): the block of Reader.peek()\n"
        "(one read-only memoryview; max_count > 0: a list of up to that many).",
        slot_view_init, slot_view_methods);
    reservation_type = add_block_type(
        module, "shmring._core.Reservation",
        "Reservation(writer, nbytes, timeout=None): the block of Writer.reserve():\n"
        "claims the slot on entry, commits nbytes or aborts on exit.",
        reservation_init, reservation_methods);
    return slot_view_type && reservation_type ? 0 : -1;
}
