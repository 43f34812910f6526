// arrays: the Go writer and reader of the cross-language array suite
// (tests/cross/README.md, "Arrays"): every element type in every shape,
// written with shmring.ReserveArray (the strided one gathered from a
// non-contiguous source), read zero-copy with PeekArray and the typed
// shmring.Elements[T], checked bit for bit.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"
	"unsafe"

	shmring "github.com/shmring/shmring/bindings/go"
)

const (
	wait      = 30 * time.Second
	typeCount = 15
	strided   = 4 // written from columns 0, 2, 4, 6 of a (3, 8) source
)

var shapes = [][]uint64{{}, {0, 3}, {5}, {2, 3, 2, 2}, {3, 4}}

// elementByte is byte k of element e of type t.
func elementByte(t, e, k int) byte {
	if t == 0 {
		return byte(e % 2)
	}
	return byte(e*7 + k*3 + t*11 + 1)
}

// asBytes is the memory of a typed slice (the suite's bytes are defined per byte).
func asBytes[T shmring.Element](elements []T) []byte {
	if len(elements) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&elements[0])), len(elements)*int(unsafe.Sizeof(zero)))
}

func writeOne[T shmring.Element](w *shmring.Writer, t, s int) error {
	var zero T
	size := int(unsafe.Sizeof(zero))
	return shmring.ReserveArray(w, shapes[s], []byte{byte(t), byte(s)}, wait, func(elements []T) error {
		out := asBytes(elements)
		if s == strided {
			source := make([]T, 24) // (3, 8); the message is its even columns
			raw := asBytes(source)
			for b := range raw {
				i, k := b/size, b%size
				raw[b] = 0xEE
				if i%2 == 0 {
					raw[b] = elementByte(t, (i/8)*4+(i%8)/2, k)
				}
			}
			for e := range elements {
				elements[e] = source[(e/4)*8+(e%4)*2]
			}
			return nil
		}
		for b := range out {
			out[b] = elementByte(t, b/size, b%size)
		}
		return nil
	})
}

func checkOne[T shmring.Element](a *shmring.ArrayView, t, s int) error {
	if a.DType != shmring.DTypeOf[T]() {
		return fmt.Errorf("array %d/%d: %v, want %v", t, s, a.DType, shmring.DTypeOf[T]())
	}
	elements, err := shmring.Elements[T](a)
	if err != nil {
		return fmt.Errorf("array %d/%d: %w", t, s, err)
	}
	var zero T
	size, count := int(unsafe.Sizeof(zero)), 1
	for _, e := range shapes[s] {
		count *= int(e)
	}
	want := make([]byte, count*size)
	for b := range want {
		want[b] = elementByte(t, b/size, b%size)
	}
	if !reflect.DeepEqual(a.Shape, append([]uint64{}, shapes[s]...)) || !bytes.Equal(a.User, []byte{byte(t), byte(s)}) ||
		len(elements) != count || !bytes.Equal(asBytes(elements), want) {
		return fmt.Errorf("array %d/%d: shape %v user %v or the elements differ", t, s, a.Shape, a.User)
	}
	return nil
}

// dispatch writes (w != nil) or checks array s of suite type t with its Go type.
func dispatch(t int, w *shmring.Writer, a *shmring.ArrayView, s int) error {
	type pair struct {
		write func(*shmring.Writer, int, int) error
		check func(*shmring.ArrayView, int, int) error
	}
	table := [typeCount]pair{
		{writeOne[shmring.Bool], checkOne[shmring.Bool]}, {writeOne[int8], checkOne[int8]},
		{writeOne[int16], checkOne[int16]}, {writeOne[int32], checkOne[int32]},
		{writeOne[int64], checkOne[int64]}, {writeOne[uint8], checkOne[uint8]},
		{writeOne[uint16], checkOne[uint16]}, {writeOne[uint32], checkOne[uint32]},
		{writeOne[uint64], checkOne[uint64]}, {writeOne[shmring.Float16], checkOne[shmring.Float16]},
		{writeOne[float32], checkOne[float32]}, {writeOne[float64], checkOne[float64]},
		{writeOne[shmring.BFloat16], checkOne[shmring.BFloat16]}, {writeOne[complex64], checkOne[complex64]},
		{writeOne[complex128], checkOne[complex128]},
	}
	if w != nil {
		return table[t].write(w, t, s)
	}
	return table[t].check(a, t, s)
}

func run(name, mode string) error {
	if mode == "--write" {
		ring, err := shmring.Create(name, 1024, 8, nil)
		if err != nil {
			return err
		}
		defer ring.Close()
		w, err := ring.Writer()
		if err != nil {
			return err
		}
		defer w.Close()
		deadline := time.Now().Add(wait)
		for {
			stats, err := ring.Stats()
			if err != nil {
				return err
			}
			if stats.Readers >= 1 {
				break
			}
			if time.Now().After(deadline) {
				return errors.New("no reader after 30 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		for t := 0; t < typeCount; t++ {
			for s := range shapes {
				if err := dispatch(t, w, nil, s); err != nil {
					return fmt.Errorf("array %d/%d: %w", t, s, err)
				}
			}
		}
		return w.Close()
	}
	ring, err := shmring.Open(name, 10*time.Second)
	if err != nil {
		return err
	}
	defer ring.Close()
	rd, err := ring.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	for t := 0; t < typeCount; t++ {
		for s := range shapes {
			if err := rd.PeekArray(wait, func(a *shmring.ArrayView) error { return dispatch(t, nil, a, s) }); err != nil {
				return err
			}
		}
	}
	if err := rd.Peek(wait, func([]byte) error { return nil }); !errors.Is(err, shmring.ErrClosed) {
		return fmt.Errorf("expected the end of stream after %d arrays, got %v", typeCount*len(shapes), err)
	}
	return nil
}

func main() {
	if len(os.Args) != 3 || (os.Args[2] != "--write" && os.Args[2] != "--read") {
		fmt.Fprintln(os.Stderr, "usage: arrays NAME --write|--read")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "arrays go:", err)
		os.Exit(1)
	}
	fmt.Printf("arrays go: %s %d arrays\n", os.Args[2][2:], typeCount*len(shapes))
}
