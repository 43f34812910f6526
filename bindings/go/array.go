package shmring

// #include "calls.h"
import "C"

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"
)

// Array messages (docs/messages.md): typed n-dimensional arrays that every
// binding reads and writes. The format is the C core's (shmring_array_*);
// this file maps it to Go's types.

// MaxArrayDims is the most dimensions an array message has;
// MaxArrayUserBytes the longest user header.
const (
	MaxArrayDims      = int(C.SHMRING_ARRAY_MAX_NDIM)
	MaxArrayUserBytes = int(C.SHMRING_ARRAY_MAX_USER_BYTES)
)

// DType is an element type: DLPack's (code, bits, lanes), packed as
// code | bits<<8 | lanes<<16 (the C SHMRING_DTYPE_*).
type DType uint32

// The element types of the format.
const (
	DTypeBool       = DType(C.SHMRING_DTYPE_BOOL)
	DTypeInt8       = DType(C.SHMRING_DTYPE_INT8)
	DTypeInt16      = DType(C.SHMRING_DTYPE_INT16)
	DTypeInt32      = DType(C.SHMRING_DTYPE_INT32)
	DTypeInt64      = DType(C.SHMRING_DTYPE_INT64)
	DTypeUint8      = DType(C.SHMRING_DTYPE_UINT8)
	DTypeUint16     = DType(C.SHMRING_DTYPE_UINT16)
	DTypeUint32     = DType(C.SHMRING_DTYPE_UINT32)
	DTypeUint64     = DType(C.SHMRING_DTYPE_UINT64)
	DTypeFloat16    = DType(C.SHMRING_DTYPE_FLOAT16)
	DTypeFloat32    = DType(C.SHMRING_DTYPE_FLOAT32)
	DTypeFloat64    = DType(C.SHMRING_DTYPE_FLOAT64)
	DTypeBFloat16   = DType(C.SHMRING_DTYPE_BFLOAT16)
	DTypeComplex64  = DType(C.SHMRING_DTYPE_COMPLEX64)
	DTypeComplex128 = DType(C.SHMRING_DTYPE_COMPLEX128)
)

// Itemsize is the bytes of one element; 0 for a type outside the format.
func (d DType) Itemsize() int { return int(C.shmring_array_itemsize(C.uint32_t(d))) }

func (d DType) String() string {
	names := map[uint32]string{0: "int", 1: "uint", 2: "float", 4: "bfloat", 5: "complex", 6: "bool"}
	name, ok := names[uint32(d)&0xFF]
	if !ok {
		name = "type"
	}
	return fmt.Sprintf("%s%d", name, (uint32(d)>>8)&0xFF)
}

// Bool is a bool element: one byte, 0 or 1 from a correct writer (kept as
// the byte: a Go bool of another value is not valid).
type Bool uint8

// Float16 is an IEEE 754 half-precision float, as its bits.
type Float16 uint16

// BFloat16 is a bfloat16 (the top half of a float32), as its bits.
type BFloat16 uint16

// Element is a Go type whose slices can be an array message's elements.
type Element interface {
	Bool | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		Float16 | float32 | float64 | BFloat16 | complex64 | complex128
}

// DTypeOf is the element type of T.
func DTypeOf[T Element]() DType {
	var zero T
	switch any(zero).(type) {
	case Bool:
		return DTypeBool
	case int8:
		return DTypeInt8
	case int16:
		return DTypeInt16
	case int32:
		return DTypeInt32
	case int64:
		return DTypeInt64
	case uint8:
		return DTypeUint8
	case uint16:
		return DTypeUint16
	case uint32:
		return DTypeUint32
	case uint64:
		return DTypeUint64
	case Float16:
		return DTypeFloat16
	case float32:
		return DTypeFloat32
	case float64:
		return DTypeFloat64
	case BFloat16:
		return DTypeBFloat16
	case complex64:
		return DTypeComplex64
	default:
		return DTypeComplex128
	}
}

// ArrayView is a checked array message over bytes it does not own (a
// viewed slot, or a copy): valid as long as those bytes are.
type ArrayView struct {
	DType     DType
	BigEndian bool     // the elements are big-endian
	Shape     []uint64 // extents, outermost first; empty for a 0-d array
	User      []byte   // the writer's user header
	Data      []byte   // the elements' bytes, C order
}

// DecodeArray checks message (shmring_array_decode): one that is no valid
// array message is ErrCorrupt naming what is wrong; elements not aligned in
// memory to their type (a copy at an odd address) are ErrInvalid.
func DecodeArray(message []byte) (*ArrayView, error) {
	var detail detailBuffer
	var dtype, flags, ndim, userBytes C.uint32_t
	var offset, nbytes, userOffset C.uint64_t
	var shape [C.SHMRING_ARRAY_MAX_NDIM]C.uint64_t
	if err := detail.check(C.shmring_go_array_decode(bytesPtr(message), C.uint64_t(len(message)),
		&dtype, &flags, &ndim, &shape[0], &offset, &nbytes, &userOffset, &userBytes,
		detail.ptr())); err != nil {
		return nil, err
	}
	extents := make([]uint64, int(ndim))
	for i := range extents {
		extents[i] = uint64(shape[i])
	}
	return &ArrayView{
		DType:     DType(dtype),
		BigEndian: flags&C.SHMRING_ARRAY_BIG_ENDIAN != 0,
		Shape:     extents,
		User:      message[userOffset : userOffset+C.uint64_t(userBytes)],
		Data:      message[offset : offset+nbytes],
	}, nil
}

var nativeBigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// Elements is the array's elements as a []T over its bytes, zero-copy, in
// C order: ErrInvalid if it holds another element type or is not in this
// machine's byte order.
func Elements[T Element](a *ArrayView) ([]T, error) {
	if want := DTypeOf[T](); want != a.DType {
		return nil, invalid(fmt.Sprintf("the array holds %v elements, not %v", a.DType, want))
	}
	if a.BigEndian != nativeBigEndian && a.DType.Itemsize() > 1 {
		return nil, invalid("the array's elements are not in this machine's byte order")
	}
	if len(a.Data) == 0 {
		return []T{}, nil
	}
	var zero T
	// The core checked bounds and alignment; every bit pattern is a valid T.
	return unsafe.Slice((*T)(unsafe.Pointer(&a.Data[0])), len(a.Data)/int(unsafe.Sizeof(zero))), nil
}

// PeekArray is Peek for an array message: fn gets the checked message,
// zero-copy in its slot, valid only inside fn. A message that is no array
// message is consumed and its error returned.
func (rd *Reader) PeekArray(timeout time.Duration, fn func(a *ArrayView) error) error {
	return rd.Peek(timeout, func(message []byte) error {
		a, err := DecodeArray(message)
		if err != nil {
			return err
		}
		return fn(a)
	})
}

// ViewArray is PeekArray under its old name.
//
// Deprecated: use PeekArray (docs/api-map.md); removed in 0.2.
func (rd *Reader) ViewArray(timeout time.Duration, fn func(a *ArrayView) error) error {
	return rd.PeekArray(timeout, fn)
}

// elementCount is the product of shape, or false if it overflows an int.
func elementCount(shape []uint64) (int, bool) {
	n := uint64(1)
	for _, e := range shape {
		if e != 0 && n > uint64(^uint(0)>>1)/e {
			return 0, false
		}
		n *= e
	}
	return int(n), true
}

// ReserveArray reserves the next slot of w for an array message of shape
// and user header, with the header written, and calls fill with the
// elements ([]T of the shape's size, 64-byte aligned, C order) to fill in
// place; then commits. An error from fill (or a panic) aborts the slot.
// The slice must not be used after fill returns.
func ReserveArray[T Element](w *Writer, shape []uint64, user []byte, timeout time.Duration,
	fill func(elements []T) error) error {
	if w.raw == nil {
		return w.closedError()
	}
	if len(shape) > MaxArrayDims {
		return invalid(fmt.Sprintf("an array message has at most %d dimensions, not %d", MaxArrayDims, len(shape)))
	}
	userBytes := C.uint32_t(min(uint64(len(user)), uint64(^uint32(0)))) // the core names the bound
	flags := C.uint32_t(0)
	if nativeBigEndian {
		flags = C.SHMRING_ARRAY_BIG_ENDIAN
	}
	var data unsafe.Pointer
	var messageBytes C.uint64_t
	if err := w.detail.check(untilDone(deadline(timeout), func(d C.int64_t) C.int {
		return C.shmring_go_array_reserve(w.raw, C.uint32_t(DTypeOf[T]()), flags, C.uint32_t(len(shape)),
			lengthsPtr(shape), bytesPtr(user), userBytes, &data, &messageBytes, d, w.detail.ptr())
	})); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			C.shmring_abort(w.raw)
		}
	}()
	count, _ := elementCount(shape) // the core checked the size: it fits
	elements := []T{}
	if count > 0 {
		elements = unsafe.Slice((*T)(data), count)
	}
	if err := fill(elements); err != nil {
		return err
	}
	err := w.detail.check(C.shmring_go_commit(w.raw, messageBytes, w.detail.ptr()))
	committed = err == nil
	return err
}

// WriteArray writes data (C order) as one array message of shape with the
// user header user (at most MaxArrayUserBytes), waiting up to timeout for
// space. len(data) must be the product of shape (ErrInvalid); an array too
// large for a slot is ErrTooLarge.
func WriteArray[T Element](w *Writer, shape []uint64, data []T, user []byte, timeout time.Duration) error {
	if count, ok := elementCount(shape); !ok || count != len(data) {
		return invalid(fmt.Sprintf("%d elements do not make an array of shape %v", len(data), shape))
	}
	return ReserveArray(w, shape, user, timeout, func(elements []T) error {
		copy(elements, data)
		return nil
	})
}

// ArrayHeader is the header of an array message of dtype (elements in this
// machine's byte order), shape and user header (shmring_array_encode_header),
// for writers that build a message in a buffer of their own: the message is
// the header followed by the elements (C order). Bad arguments: ErrInvalid.
func ArrayHeader(dtype DType, shape []uint64, user []byte) ([]byte, error) {
	if len(shape) > MaxArrayDims {
		return nil, invalid(fmt.Sprintf("an array message has at most %d dimensions, not %d", MaxArrayDims, len(shape)))
	}
	userBytes := C.uint32_t(min(uint64(len(user)), uint64(^uint32(0)))) // the core names the bound
	flags := C.uint32_t(0)
	if nativeBigEndian {
		flags = C.SHMRING_ARRAY_BIG_ENDIAN
	}
	var offset, nbytes C.uint64_t
	var header []byte
	err := call(func() C.int {
		status := C.shmring_array_encode_header(nil, 0, C.uint32_t(dtype), flags, C.uint32_t(len(shape)),
			lengthsPtr(shape), unsafe.Pointer(bytesPtr(user)), userBytes, &offset, &nbytes)
		if status != C.SHMRING_OK {
			return status
		}
		header = make([]byte, int(offset))
		return C.shmring_array_encode_header(unsafe.Pointer(bytesPtr(header)), offset+nbytes, C.uint32_t(dtype),
			flags, C.uint32_t(len(shape)), lengthsPtr(shape), unsafe.Pointer(bytesPtr(user)),
			userBytes, nil, nil)
	})
	return header, err
}
