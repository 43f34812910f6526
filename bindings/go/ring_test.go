package shmring_test

import (
	"errors"
	"strings"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

func TestNamedRingIsOpenedByNameWithTheSameGeometry(t *testing.T) {
	name := uniqueName("open")
	created, err := shmring.Create(name, 100, 8, &shmring.Options{MaxWriters: 3, MaxReaders: 5, MaxGroups: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer created.Close()
	defer shmring.Unlink(name)
	opened, err := shmring.Open(name, shmring.Forever)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	want := shmring.Geometry{Name: name, SlotBytes: 100, SlotCount: 8, MaxWriters: 3, MaxReaders: 5, MaxGroups: 2,
		LayoutVersion: shmring.LayoutVersion, SegmentBytes: created.Geometry().SegmentBytes}
	if got := opened.Geometry(); got != want {
		t.Fatalf("opened geometry %+v, want %+v", got, want)
	}
	if want.SegmentBytes < 800 {
		t.Fatalf("segment of %d bytes cannot hold 8 slots of 100", want.SegmentBytes)
	}
}

func TestErrorsWrapSentinelsWithTheCDetail(t *testing.T) {
	name := uniqueName("exists")
	ring, err := shmring.Create(name, 16, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	_, err = shmring.Create(name, 16, 4, nil)
	var detail *shmring.Error
	if !errors.Is(err, shmring.ErrExists) || !errors.As(err, &detail) || detail.Detail == "" {
		t.Fatalf("second create: %v", err)
	}
	if !strings.Contains(err.Error(), detail.Detail) {
		t.Fatalf("%q does not carry the detail %q", err, detail.Detail)
	}
	if err := shmring.Unlink(name); err != nil {
		t.Fatal(err)
	}
	if _, err := shmring.Open(name, 0); !errors.Is(err, shmring.ErrNotFound) {
		t.Fatalf("open after unlink: %v", err)
	}
	for _, count := range []uint64{0, 1<<31 + 1} {
		_, err := shmring.CreateAnonymous(16, count, nil)
		if !errors.Is(err, shmring.ErrInvalid) || !strings.Contains(err.Error(), "slot_count must be 1..2147483648") {
			t.Fatalf("%d slots: %v", count, err)
		}
	}
	if _, err := shmring.Create("/bad\x00name", 16, 4, nil); !errors.Is(err, shmring.ErrInvalid) {
		t.Fatalf("NUL in name: %v", err)
	}
}

func TestAnySlotCountIsExactlyTheUnreadMessagesThatFit(t *testing.T) {
	for _, count := range []uint64{1, 3, 10, 16} {
		name := uniqueName("count")
		ring, err := shmring.Create(name, 8, count, nil)
		if err != nil {
			t.Fatal(err)
		}
		opened, err := shmring.Open(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ring.Geometry().SlotCount != count || opened.Geometry().SlotCount != count {
			t.Fatalf("%d slots reported as %d / %d", count, ring.Geometry().SlotCount, opened.Geometry().SlotCount)
		}
		opened.Close()
		shmring.Unlink(name)
		reader, err := ring.Reader()
		if err != nil {
			t.Fatal(err)
		}
		writer, err := ring.Writer()
		if err != nil {
			t.Fatal(err)
		}
		for i := uint64(0); i < count; i++ {
			if err := writer.TryWrite([]byte{byte(i)}); err != nil {
				t.Fatalf("%d slots, write %d: %v", count, i, err)
			}
		}
		if err := writer.TryWrite([]byte("more")); !errors.Is(err, shmring.ErrFull) {
			t.Fatalf("%d slots, write %d: %v, want ErrFull", count, count, err)
		}
		buf := make([]byte, 8)
		if _, err := reader.TryRead(buf); err != nil {
			t.Fatal(err)
		}
		if err := writer.TryWrite([]byte("fits")); err != nil {
			t.Fatal(err)
		}
		if err := writer.TryWrite([]byte("full")); !errors.Is(err, shmring.ErrFull) {
			t.Fatalf("%d slots after one read: %v, want ErrFull", count, err)
		}
		writer.Close()
		reader.Close()
		ring.Close()
	}
}

func TestPositionsShowSkipAllToLatestAtOnce(t *testing.T) {
	ring, err := shmring.CreateAnonymous(16, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	broadcast, _ := ring.Reader()
	member, _ := ring.GroupReader("g")
	lossy, _ := ring.LossyReader()
	writer, err := ring.Writer()
	if err != nil || broadcast == nil || member == nil || lossy == nil {
		t.Fatal("cannot join", err)
	}
	defer writer.Close()
	for _, m := range []string{"a", "b", "c"} {
		if err := writer.TryWrite([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ring.SkipAllToLatest(); err != nil {
		t.Fatal(err)
	}
	for _, rd := range []*shmring.Reader{broadcast, member, lossy} {
		if rd.Position() != 3 {
			t.Fatalf("position %d after the skip, want 3", rd.Position())
		}
		defer rd.Close()
	}
	stats, err := ring.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats.ReaderStats {
		if s.Position != 3 || s.Lag != 0 {
			t.Fatalf("stats position %d lag %d, want 3 and 0", s.Position, s.Lag)
		}
	}
}

func TestRingCloseWaitsForItsHandles(t *testing.T) {
	ring, err := shmring.CreateAnonymous(16, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ring.Writer()
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.Close(); !errors.Is(err, shmring.ErrInvalid) {
		t.Fatalf("close with an open writer: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ring.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Reader(); !errors.Is(err, shmring.ErrClosed) {
		t.Fatalf("reader of a closed ring: %v", err)
	}
	if err := w.Write([]byte("x"), 0); !errors.Is(err, shmring.ErrClosed) {
		t.Fatalf("write on a closed writer: %v", err)
	}
}

func TestOptionsAreApplied(t *testing.T) {
	ring, err := shmring.CreateAnonymous(16, 4, &shmring.Options{InitialSequence: 1 << 40, KeepStreamOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	if got := ring.NextSequence(); got != 1<<40 {
		t.Fatalf("next sequence %d", got)
	}
	w, _ := ring.Writer()
	if err := w.Write([]byte("x"), shmring.Forever); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if ring.IsClosed() {
		t.Fatal("KeepStreamOpen: the last writer leaving must not end the stream")
	}
	if err := ring.CloseStream(); err != nil || !ring.IsClosed() {
		t.Fatalf("CloseStream: %v, closed %v", err, ring.IsClosed())
	}
	if shmring.Version()>>16 != 0 {
		t.Fatalf("version %#x", shmring.Version())
	}
}
