/* slot_buffer.c -- the exporter behind every memoryview of a slot.
 *
 * A view of a slot is a memoryview of a SlotBuffer. Memoryviews and arrays
 * derived from it (slices, np.frombuffer, memoryview(view)) all hold one
 * buffer export of the SlotBuffer until the last of them is released, so
 * shmring_py_slot_done() can tell whether anything still looks at the slot.
 * After it, the SlotBuffer exports nothing more (ValueError).
 */
#include "shmring_py.h"

#include <structmember.h>

typedef struct {
    PyObject_HEAD
    char *data; /* NULL once done */
    Py_ssize_t length;
    int readonly;
    Py_ssize_t exports;
} SlotBuffer;

static int slot_buffer_get(PyObject *obj, Py_buffer *view, int flags) {
    SlotBuffer *self = (SlotBuffer *)obj;
    if (!self->data) {
        view->obj = NULL;
        PyErr_SetString(PyExc_ValueError,
                        "the slot was released: its view is no longer valid");
        return -1;
    }
    if (PyBuffer_FillInfo(view, obj, self->data, self->length, self->readonly,
                          flags) < 0) {
        return -1;
    }
    self->exports++;
    return 0;
}

static void slot_buffer_release(PyObject *obj, Py_buffer *view) {
    (void)view;
    ((SlotBuffer *)obj)->exports--;
}

static void slot_buffer_dealloc(PyObject *obj) {
    PyTypeObject *type = Py_TYPE(obj);
    type->tp_free(obj);
    Py_DECREF(type);
}

static PyObject *slot_buffer_type(void) {
    static PyObject *type;
    if (type) return type;
    static PyType_Slot slots[] = {
        {Py_tp_dealloc, (void *)slot_buffer_dealloc},
        {Py_tp_doc, (void *)"The memory of one ring slot, exported to memoryviews."},
        {0, NULL},
    };
    static PyType_Spec spec = {
        .name = "shmring._core.SlotBuffer",
        .basicsize = sizeof(SlotBuffer),
        .flags = Py_TPFLAGS_DEFAULT,
        .slots = slots,
    };
    type = PyType_FromSpec(&spec);
    if (!type) return NULL;
    /* Buffer slots cannot be given through PyType_Spec before Python 3.9. */
    ((PyTypeObject *)type)->tp_as_buffer->bf_getbuffer = slot_buffer_get;
    ((PyTypeObject *)type)->tp_as_buffer->bf_releasebuffer = slot_buffer_release;
    return type;
}

PyObject *shmring_py_view(const void *data, uint64_t length, int flags) {
    static char empty[1];
    if (length > PY_SSIZE_T_MAX) {
        PyErr_SetString(PyExc_OverflowError, "slot larger than PY_SSIZE_T_MAX");
        return NULL;
    }
    PyObject *type = slot_buffer_type();
    if (!type) return NULL;
    SlotBuffer *slot = PyObject_New(SlotBuffer, (PyTypeObject *)type);
    if (!slot) return NULL;
    slot->data = data ? (char *)data : empty;
    slot->length = (Py_ssize_t)length;
    slot->readonly = flags != PyBUF_WRITE;
    slot->exports = 0;
    PyObject *view = PyMemoryView_FromObject((PyObject *)slot);
    Py_DECREF(slot);
    return view;
}

Py_ssize_t shmring_py_slot_done(PyObject *view) {
    if (!PyMemoryView_Check(view)) {
        PyErr_SetString(PyExc_TypeError, "slot_done takes a slot's memoryview");
        return -1;
    }
    PyObject *obj = PyMemoryView_GET_BASE(view);
    if (!obj) return 0; /* released by its user already */
    if (Py_TYPE(obj) != (PyTypeObject *)slot_buffer_type()) {
        PyErr_SetString(PyExc_TypeError, "slot_done takes a slot's memoryview");
        return -1;
    }
    /* Interned once: a name made from a C string per call costs a decode
     * and a hash per zero-copy message. */
    static PyObject *release_name;
    if (!release_name && !(release_name = PyUnicode_InternFromString("release"))) {
        return -1;
    }
    Py_INCREF(obj); /* the release below may drop the last other reference */
    PyObject *released = PyObject_CallMethodObjArgs(view, release_name, NULL);
    if (released) {
        Py_DECREF(released);
    } else if (PyErr_ExceptionMatches(PyExc_BufferError)) {
        PyErr_Clear(); /* an export of the view itself: counted below */
    } else {
        Py_DECREF(obj);
        return -1;
    }
    SlotBuffer *slot = (SlotBuffer *)obj;
    slot->data = NULL;
    Py_ssize_t kept = slot->exports;
    Py_DECREF(obj);
    return kept;
}
