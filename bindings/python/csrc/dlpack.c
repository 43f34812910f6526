/* dlpack.c -- DLPack capsules over memory a Python object owns (the arrays
 * of peek_array and reserve_array, over a slot): the protocol's C structs
 * (DLPack 1.0, dmlc/dlpack include/dlpack/dlpack.h; a stable ABI) and the
 * capsule rules of the Python array API's __dlpack__. The capsule holds a
 * reference to the owner until the consumer's deleter runs, so a consumer's
 * array that outlives the block keeps the owner alive, which the block
 * notices (shmring/_arrays.py). */
#include <stdlib.h>
#include <string.h>

#include "shmring_py.h"

typedef struct {
    int32_t device_type;    /* DLDeviceType: kDLCPU = 1 */
    int32_t device_id;
} DLDevice;
typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} DLDataType;
typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape;
    int64_t *strides;
    uint64_t byte_offset;
} DLTensor;
typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;
typedef struct {
    uint32_t major;
    uint32_t minor;
} DLPackVersion;
typedef struct DLManagedTensorVersioned {
    DLPackVersion version;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned *self);
    uint64_t flags;
    DLTensor dl_tensor;
} DLManagedTensorVersioned;
#define DLPACK_FLAG_BITMASK_READ_ONLY (1ull << 0)
#define DL_CPU 1

/* One allocation: either managed struct, then shape and strides. */
typedef struct {
    union {
        DLManagedTensor legacy;
        DLManagedTensorVersioned versioned;
    } managed;
    PyObject *owner;
    int64_t extents[2 * SHMRING_ARRAY_MAX_NDIM];
} export_t;

static void release_export(export_t *export) {
    /* Consumers may call the deleter from any thread, without the GIL. */
    PyGILState_STATE gil = PyGILState_Ensure();
    Py_XDECREF(export->owner);
    PyGILState_Release(gil);
    free(export);
}
static void delete_legacy(DLManagedTensor *self) { release_export(self->manager_ctx); }
static void delete_versioned(DLManagedTensorVersioned *self) {
    release_export(self->manager_ctx);
}

/* An unconsumed capsule (its name unchanged) frees its tensor itself. It
 * may be destroyed while an exception is set (a consumer that refused it):
 * that exception is kept. */
static void capsule_destructor(PyObject *capsule) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        DLManagedTensor *m = PyCapsule_GetPointer(capsule, "dltensor");
        m->deleter(m);
    } else if (PyCapsule_IsValid(capsule, "dltensor_versioned")) {
        DLManagedTensorVersioned *m = PyCapsule_GetPointer(capsule, "dltensor_versioned");
        m->deleter(m);
    }
    PyErr_Restore(type, value, traceback);
}

static int int64_tuple(PyObject *tuple, int64_t *out, Py_ssize_t n, const char *what) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != n) {
        PyErr_Format(PyExc_ValueError, "%s must be a tuple of %zd ints", what, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(tuple, i));
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

PyObject *shmring_py_dlpack_capsule(PyObject *owner, uint64_t address, uint32_t dtype,
                                    PyObject *shape, PyObject *strides, int readonly,
                                    int versioned) {
    if (shmring_array_itemsize(dtype) == 0) {
        return PyErr_Format(PyExc_BufferError, "element type 0x%x has no DLPack form", dtype);
    }
    Py_ssize_t ndim = PyTuple_Check(shape) ? PyTuple_GET_SIZE(shape) : -1;
    if (ndim < 0 || ndim > (Py_ssize_t)SHMRING_ARRAY_MAX_NDIM) {
        return PyErr_Format(PyExc_ValueError, "shape must be a tuple of at most %u ints",
                            SHMRING_ARRAY_MAX_NDIM);
    }
    export_t *export = calloc(1, sizeof *export);
    if (!export) return PyErr_NoMemory();
    if (int64_tuple(shape, export->extents, ndim, "shape") < 0 ||
        int64_tuple(strides, export->extents + ndim, ndim, "strides") < 0) {
        free(export);
        return NULL;
    }
    DLTensor tensor = {
        .data = (void *)(uintptr_t)address,
        .device = {DL_CPU, 0},
        .ndim = (int32_t)ndim,
        .dtype = {(uint8_t)SHMRING_DTYPE_CODE(dtype), (uint8_t)SHMRING_DTYPE_BITS(dtype),
                  (uint16_t)SHMRING_DTYPE_LANES(dtype)},
        .shape = export->extents,
        .strides = export->extents + ndim,
        .byte_offset = 0,
    };
    void *pointer;
    const char *name;
    if (versioned) {
        DLManagedTensorVersioned *m = &export->managed.versioned;
        *m = (DLManagedTensorVersioned){.version = {1, 0},
                                        .manager_ctx = export,
                                        .deleter = delete_versioned,
                                        .flags = readonly ? DLPACK_FLAG_BITMASK_READ_ONLY : 0,
                                        .dl_tensor = tensor};
        pointer = m;
        name = "dltensor_versioned";
    } else {
        DLManagedTensor *m = &export->managed.legacy;
        *m = (DLManagedTensor){.dl_tensor = tensor, .manager_ctx = export,
                               .deleter = delete_legacy};
        pointer = m;
        name = "dltensor";
    }
    PyObject *capsule = PyCapsule_New(pointer, name, capsule_destructor);
    if (!capsule) {
        free(export);
        return NULL;
    }
    Py_INCREF(owner);
    export->owner = owner;
    return capsule;
}
