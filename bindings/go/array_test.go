package shmring_test

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

var arrayShapes = [][]uint64{{}, {0}, {0, 3}, {7}, {2, 3, 1, 2}}

// roundTrip writes arrays of T of every shape (copied and reserved) and
// reads them back zero-copy, bit for bit.
func roundTrip[T shmring.Element](t *testing.T, sample func(i int) T) {
	t.Helper()
	ring := anonRing(t, 4096, 8)
	rd := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	for _, shape := range arrayShapes {
		count := 1
		for _, e := range shape {
			count *= int(e)
		}
		data := make([]T, count)
		for i := range data {
			data[i] = sample(i)
		}
		if err := shmring.WriteArray(w, shape, data, []byte("user"), 0); err != nil {
			t.Fatal(err)
		}
		if err := shmring.ReserveArray(w, shape, nil, 0, func(elements []T) error {
			copy(elements, data)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"user", ""} {
			err := rd.PeekArray(0, func(a *shmring.ArrayView) error {
				got, err := shmring.Elements[T](a)
				if err != nil {
					return err
				}
				if a.DType != shmring.DTypeOf[T]() || !reflect.DeepEqual(a.Shape, append([]uint64{}, shape...)) ||
					string(a.User) != user || !reflect.DeepEqual(got, data) {
					t.Errorf("%v %v: got %v %v %q %v", shmring.DTypeOf[T](), shape, a.DType, a.Shape, a.User, got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestEveryElementTypeAndShapeRoundTrips(t *testing.T) {
	roundTrip(t, func(i int) shmring.Bool { return shmring.Bool(i % 2) })
	roundTrip(t, func(i int) int8 { return int8(i) - 3 })
	roundTrip(t, func(i int) int16 { return int16(i) * -300 })
	roundTrip(t, func(i int) int32 { return int32(i) * -70000 })
	roundTrip(t, func(i int) int64 { return int64(i) * -(1 << 40) })
	roundTrip(t, func(i int) uint8 { return uint8(i) })
	roundTrip(t, func(i int) uint16 { return uint16(i) * 999 })
	roundTrip(t, func(i int) uint32 { return uint32(i) * 100000 })
	roundTrip(t, func(i int) uint64 { return uint64(i) << 50 })
	roundTrip(t, func(i int) shmring.Float16 { return shmring.Float16(0x3c00 + i) })
	roundTrip(t, func(i int) float32 { return float32(i)*0.25 - 1 })
	roundTrip(t, func(i int) float64 { return float64(i) * -1e300 })
	roundTrip(t, func(i int) shmring.BFloat16 { return shmring.BFloat16(0x3f80 + i) })
	roundTrip(t, func(i int) complex64 { return complex(float32(i), -float32(i)) })
	roundTrip(t, func(i int) complex128 { return complex(float64(i)*0.5, 1/(float64(i)+1)) })
}

func TestArrayElementTypeIsChecked(t *testing.T) {
	ring := anonRing(t, 256, 4)
	rd := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	if err := shmring.WriteArray(w, []uint64{3}, []float32{1, 2, 3}, nil, 0); err != nil {
		t.Fatal(err)
	}
	err := rd.PeekArray(0, func(a *shmring.ArrayView) error {
		_, err := shmring.Elements[uint32](a)
		return err
	})
	if !errors.Is(err, shmring.ErrInvalid) || !strings.Contains(err.Error(), "holds float32 elements, not uint32") {
		t.Fatalf("uint32 over float32: %v", err)
	}
}

func TestBadArrayWritesAreRefused(t *testing.T) {
	ring := anonRing(t, 256, 2)
	rd := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	cases := []struct {
		err  error
		want error
		text string
	}{
		{shmring.WriteArray(w, []uint64{2, 2}, []uint8{1, 2, 3}, nil, 0), shmring.ErrInvalid, "3 elements do not make"},
		{shmring.WriteArray(w, []uint64{300}, make([]uint8, 300), nil, 0), shmring.ErrTooLarge, "slot of 256"},
		{shmring.WriteArray(w, make([]uint64, 33), []uint8{}, nil, 0), shmring.ErrInvalid, "at most 32 dimensions"},
		{shmring.WriteArray(w, []uint64{1}, []uint8{1}, make([]byte, 5000), 0), shmring.ErrInvalid, "at most 4096"},
		{shmring.ReserveArray(w, []uint64{4}, nil, 0, func([]uint8) error { return errors.New("abort") }), nil, "abort"},
	}
	for i, c := range cases {
		if c.err == nil || (c.want != nil && !errors.Is(c.err, c.want)) || !strings.Contains(c.err.Error(), c.text) {
			t.Errorf("case %d: %v, want %v %q", i, c.err, c.want, c.text)
		}
	}
	if err := w.Write([]byte("next"), 0); err != nil {
		t.Fatal(err)
	}
	if got, err := rd.ReadMessage(0); err != nil || string(got) != "next" {
		t.Fatalf("after the refusals: %q %v", got, err)
	}
}

func TestCorruptArrayHeadersAreRefusedFieldByField(t *testing.T) {
	ring := anonRing(t, 512, 4)
	rd := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	if err := shmring.WriteArray(w, []uint64{2, 3}, make([]int32, 6), []byte("12345678"), 0); err != nil {
		t.Fatal(err)
	}
	good, err := rd.ReadMessage(0)
	if err != nil {
		t.Fatal(err)
	}
	damages := []struct {
		at     int
		value  []byte
		reason string
	}{
		{0, []byte("X"), "SHMA"}, {4, []byte{1}, "format version 1"}, {5, []byte{33}, "33 dimensions"},
		{6, []byte{4}, "unknown flags"}, {8, []byte{9}, "unknown element type"},
		{12, []byte{0xff, 0x7f}, "user header"}, {16, []byte{0x71}, "64-byte boundary"},
		{24, []byte{7}, "does not match"}, {40, []byte{5}, "not C order"},
	}
	for _, d := range damages {
		bad := append([]byte{}, good...)
		copy(bad[d.at:], d.value)
		if err := w.Write(bad, 0); err != nil {
			t.Fatal(err)
		}
		err := rd.PeekArray(0, func(*shmring.ArrayView) error { return nil })
		if !errors.Is(err, shmring.ErrCorrupt) || !strings.Contains(err.Error(), d.reason) {
			t.Errorf("byte %d: %v, want ErrCorrupt %q", d.at, err, d.reason)
		}
	}
	if err := w.Write(good[:len(good)-1], 0); err != nil {
		t.Fatal(err)
	}
	err = rd.PeekArray(0, func(*shmring.ArrayView) error { return nil })
	if !errors.Is(err, shmring.ErrCorrupt) || !strings.Contains(err.Error(), "run past its end") {
		t.Errorf("truncated: %v", err)
	}
}

func TestBigEndianArraysAreDescribedNotTyped(t *testing.T) {
	ring := anonRing(t, 512, 4)
	rd := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	if err := shmring.WriteArray(w, []uint64{2}, []uint32{1, 2}, nil, 0); err != nil {
		t.Fatal(err)
	}
	message, err := rd.ReadMessage(0)
	if err != nil {
		t.Fatal(err)
	}
	message[6] = 1 // SHMRING_ARRAY_BIG_ENDIAN
	a, err := shmring.DecodeArray(message)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shmring.Elements[uint32](a); !a.BigEndian || !errors.Is(err, shmring.ErrInvalid) {
		t.Fatalf("big-endian: %v %v", a.BigEndian, err)
	}
	if !reflect.DeepEqual(a.Data, []byte{1, 0, 0, 0, 2, 0, 0, 0}) {
		t.Fatalf("data %v", a.Data)
	}
}

func TestArrayHeaderBuildsMessagesOfOnesOwn(t *testing.T) {
	header, err := shmring.ArrayHeader(shmring.DTypeUint8, []uint64{2, 2}, []byte("fields"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := shmring.DecodeArray(append(header, 1, 2, 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := shmring.Elements[uint8](a); err != nil || !reflect.DeepEqual(got, []uint8{1, 2, 3, 4}) || string(a.User) != "fields" {
		t.Fatalf("got %v %q %v", got, a.User, err)
	}
	if _, err := shmring.ArrayHeader(shmring.DType(0x12003), nil, nil); !errors.Is(err, shmring.ErrInvalid) {
		t.Fatalf("a bad type: %v", err)
	}
}

func TestRandomlyCorruptedHeadersAreRefusedOrReadInsideTheMessage(t *testing.T) {
	header, err := shmring.ArrayHeader(shmring.DTypeFloat32, []uint64{2, 3, 2}, []byte("user"))
	if err != nil {
		t.Fatal(err)
	}
	good := append(header, make([]byte, 48)...)
	random := rand.New(rand.NewSource(1))
	for round := 0; round < 20000; round++ {
		message := append([]byte{}, good...)
		for hits := 1 + random.Intn(6); hits > 0; hits-- {
			message[random.Intn(len(header))] = byte(random.Intn(256))
		}
		message = message[:random.Intn(len(message)+1)]
		a, err := shmring.DecodeArray(message)
		if err != nil {
			if !errors.Is(err, shmring.ErrCorrupt) && !errors.Is(err, shmring.ErrInvalid) {
				t.Fatalf("round %d: %v", round, err)
			}
			continue
		}
		if a.DType.Itemsize() == 0 || len(a.Data)%a.DType.Itemsize() != 0 || len(a.Shape) > shmring.MaxArrayDims {
			t.Fatalf("round %d: described %v %v with %d bytes", round, a.DType, a.Shape, len(a.Data))
		}
	}
}
