package shmring_test

import (
	"bytes"
	"context"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

// The names docs/api-map.md replaced still do what their replacements do
// until 0.2 (their "// Deprecated:" comments are checked by
// tests/lint/api_map.py).
func TestDeprecatedNamesStillWork(t *testing.T) {
	ring := anonRing(t, 64, 4)
	w := mustWriter(t, ring)
	r := mustReader(t, ring.Reader)
	header, err := shmring.ArrayHeader(shmring.DTypeOf[uint8](), []uint64{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][]byte{[]byte("one"), []byte("two"), header} {
		if err := w.Write(m, 0); err != nil {
			t.Fatal(err)
		}
	}
	var got [][]byte
	keep := func(m []byte) error { got = append(got, bytes.Clone(m)); return nil }
	if err := r.View(0, keep); err != nil {
		t.Fatalf("View: %v", err)
	}
	if err := r.ViewContext(context.Background(), keep); err != nil {
		t.Fatalf("ViewContext: %v", err)
	}
	if len(got) != 2 || string(got[0]) != "one" || string(got[1]) != "two" {
		t.Fatalf("View and ViewContext read %q, want one, two", got)
	}
	var shape []uint64
	if err := r.ViewArray(0, func(a *shmring.ArrayView) error { shape = a.Shape; return nil }); err != nil {
		t.Fatalf("ViewArray: %v", err)
	}
	if len(shape) != 1 || shape[0] != 0 {
		t.Fatalf("ViewArray gave shape %v, want [0]", shape)
	}
	stats, err := ring.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.WritersActive != stats.Writers || stats.ReadersActive != stats.Readers || stats.Readers != 1 {
		t.Fatalf("old counts %d/%d, new %d/%d, want equal and 1 reader",
			stats.WritersActive, stats.ReadersActive, stats.Writers, stats.Readers)
	}
}
