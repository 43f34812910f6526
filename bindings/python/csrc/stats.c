/* stats.c -- one statistics snapshot as Python tuples, for the binding.
 *
 * One shmring_stats_read() and the getters in a loop, all in C: the Python
 * side (shmring/_stats.py) turns the tuples into dataclasses. Field order is
 * the order of the constants below, which _stats.py mirrors. */
#include "shmring_py.h" /* first: Python.h sets the feature macros */

#include <string.h>

static const uint32_t ring_fields[] = {
    SHMRING_STAT_NEXT_SEQUENCE,  SHMRING_STAT_CLOSED,
    SHMRING_STAT_WRITERS,        SHMRING_STAT_READERS,
    SHMRING_STAT_WRITERS_JOINED, SHMRING_STAT_WRITERS_REAPED,
    SHMRING_STAT_READERS_REAPED, SHMRING_STAT_SLOTS_ABANDONED,
};
static const uint32_t writer_fields[] = {
    SHMRING_STAT_PID,   SHMRING_STAT_ALIVE, SHMRING_STAT_MESSAGES,
    SHMRING_STAT_WAITS, SHMRING_STAT_BYTES, SHMRING_STAT_ABORTED,
    SHMRING_STAT_ENTRY,
};
/* The group name (None unless a member) follows these in a reader's tuple. */
static const uint32_t reader_fields[] = {
    SHMRING_STAT_PID,      SHMRING_STAT_ALIVE,    SHMRING_STAT_KIND,
    SHMRING_STAT_POSITION, SHMRING_STAT_LAG,      SHMRING_STAT_MESSAGES,
    SHMRING_STAT_WAITS,    SHMRING_STAT_MISSED,   SHMRING_STAT_REDELIVERED,
    SHMRING_STAT_ENTRY,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef int (*stats_getter)(const shmring_stats_t *, uint32_t index, uint32_t field,
                      uint64_t *value_out);

static int ring_getter(const shmring_stats_t *s, uint32_t index, uint32_t field,
                       uint64_t *value_out) {
    (void)index;
    return shmring_stats_ring(s, field, value_out);
}

/* A tuple of the fields of entry `index`, with room for `extra` more items
 * at the end (set by the caller). */
static PyObject *fields_tuple(const shmring_stats_t *s, stats_getter get,
                              uint32_t index, const uint32_t *fields,
                              size_t count, size_t extra) {
    PyObject *tuple = PyTuple_New((Py_ssize_t)(count + extra));
    if (!tuple) return NULL;
    for (size_t i = 0; i < count; i++) {
        uint64_t value = 0;
        int status = get(s, index, fields[i], &value);
        PyObject *item = status < 0 ? shmring_py_raise(status)
                                    : PyLong_FromUnsignedLongLong(value);
        if (!item) {
            Py_DECREF(tuple);
            return NULL;
        }
        PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, item);
    }
    return tuple;
}

static PyObject *writer_tuple(const shmring_stats_t *s, uint32_t i) {
    return fields_tuple(s, shmring_stats_writer, i, writer_fields,
                        COUNT(writer_fields), 0);
}

static PyObject *reader_tuple(const shmring_stats_t *s, uint32_t i) {
    PyObject *tuple = fields_tuple(s, shmring_stats_reader, i, reader_fields,
                                   COUNT(reader_fields), 1);
    if (!tuple) return NULL;
    const char *group = shmring_stats_reader_group(s, i);
    PyObject *name = Py_None;
    if (group) {
        name = PyUnicode_DecodeUTF8(group, (Py_ssize_t)strlen(group), "replace");
    } else {
        Py_INCREF(name);
    }
    if (!name) {
        Py_DECREF(tuple);
        return NULL;
    }
    PyTuple_SET_ITEM(tuple, (Py_ssize_t)COUNT(reader_fields), name);
    return tuple;
}

static PyObject *entry_list(const shmring_stats_t *s, uint32_t count,
                            PyObject *(*entry)(const shmring_stats_t *, uint32_t)) {
    PyObject *list = PyList_New(count);
    if (!list) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        PyObject *item = entry(s, i);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

PyObject *shmring_py_stats(const shmring_ring_t *ring) {
    shmring_stats_t *s = NULL;
    int status = shmring_stats_read(ring, &s);
    if (status < 0) return shmring_py_raise(status);
    PyObject *result = NULL;
    PyObject *fields = fields_tuple(s, ring_getter, 0, ring_fields,
                                    COUNT(ring_fields), 0);
    PyObject *writers = fields ? entry_list(s, shmring_stats_writer_count(s),
                                            writer_tuple)
                               : NULL;
    PyObject *readers = writers ? entry_list(s, shmring_stats_reader_count(s),
                                             reader_tuple)
                                : NULL;
    if (readers) result = PyTuple_Pack(3, fields, writers, readers);
    Py_XDECREF(fields);
    Py_XDECREF(writers);
    Py_XDECREF(readers);
    shmring_stats_free(s);
    return result;
}
