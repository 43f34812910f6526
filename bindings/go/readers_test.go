package shmring_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

func TestGroupMembersSplitTheStreamExactlyOnce(t *testing.T) {
	ring := anonRing(t, 8, 8)
	broadcast := mustReader(t, ring.Reader)
	const n = 2000
	var wg sync.WaitGroup
	got := make([][]uint64, 3)
	for i := range got {
		member := mustReader(t, func() (*shmring.Reader, error) { return ring.GroupReader("workers") })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := member.ReadMessage(shmring.Forever)
				if errors.Is(err, shmring.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = append(got[i], binary.LittleEndian.Uint64(m))
			}
		}()
	}
	broadcastCount := make(chan int)
	go func() {
		count := 0
		for {
			if _, err := broadcast.ReadMessage(shmring.Forever); err != nil {
				broadcastCount <- count
				return
			}
			count++
		}
	}()
	w, _ := ring.Writer()
	for i := uint64(0); i < n; i++ {
		if err := w.Write(binary.LittleEndian.AppendUint64(nil, i), shmring.Forever); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	wg.Wait()
	if c := <-broadcastCount; c != n {
		t.Fatalf("broadcast reader got %d of %d", c, n)
	}
	seen := make([]int, n)
	for _, member := range got {
		for j, v := range member {
			if j > 0 && member[j-1] >= v {
				t.Fatalf("a member sees the stream out of order: %d then %d", member[j-1], v)
			}
			seen[v]++
		}
	}
	for v, c := range seen {
		if c != 1 {
			t.Fatalf("message %d delivered %d times in the group", v, c)
		}
	}
}

func TestLossyReaderNeverHoldsWritersBack(t *testing.T) {
	ring := anonRing(t, 8, 4)
	lossy := mustReader(t, ring.LossyReader)
	w := mustWriter(t, ring)
	for i := byte(0); i < 10; i++ {
		if err := w.TryWrite([]byte{i}); err != nil {
			t.Fatal(err)
		}
	}
	var first byte
	if err := lossy.Peek(0, func(m []byte) error { first = m[0]; return nil }); err != nil {
		t.Fatal(err)
	}
	if first < 6 || lossy.Missed() != uint64(first) {
		t.Fatalf("first %d, missed %d", first, lossy.Missed())
	}
}

func TestSkipToLatestAndStats(t *testing.T) {
	ring := anonRing(t, 8, 8)
	r := mustReader(t, ring.Reader)
	member := mustReader(t, func() (*shmring.Reader, error) { return ring.GroupReader("grp") })
	mustReader(t, ring.LossyReader)
	w := mustWriter(t, ring)
	for i := byte(0); i < 5; i++ {
		w.Write([]byte{i, i}, shmring.Forever)
	}
	if skipped, err := r.SkipToLatest(); err != nil || skipped != 5 || r.Missed() != 5 || r.Position() != 5 {
		t.Fatalf("skipped %d (%v), missed %d, position %d", skipped, err, r.Missed(), r.Position())
	}
	if _, err := member.SkipToLatest(); !errors.Is(err, shmring.ErrInvalid) {
		t.Fatalf("member skip: %v", err)
	}
	stats, err := ring.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.NextSequence != 5 || stats.Writers != 1 || stats.Readers != 3 || stats.WritersJoined != 1 {
		t.Fatalf("ring stats %+v", stats)
	}
	if ws := stats.WriterStats[0]; ws.PID != uint64(os.Getpid()) || !ws.Alive || ws.Messages != 5 || ws.Bytes != 10 {
		t.Fatalf("writer stats %+v", ws)
	}
	kinds := map[shmring.ReaderKind]string{}
	for _, rs := range stats.ReaderStats {
		kinds[rs.Kind] = rs.Group
	}
	if len(kinds) != 3 || kinds[shmring.KindGroupMember] != "grp" {
		t.Fatalf("reader kinds %v", kinds)
	}
}

// Each core_*.c file compiles one file of c/src; a new core file needs one.
func TestEveryCoreSourceIsCompiled(t *testing.T) {
	core, err := filepath.Glob("c/src/*.c")
	if err != nil || len(core) == 0 {
		t.Fatalf("no C core sources: %v", err)
	}
	for _, src := range core {
		wrapper := "core_" + filepath.Base(src)
		text, err := os.ReadFile(wrapper)
		if err != nil {
			t.Errorf("%s has no %s: run scripts/sync-vendored.sh", src, wrapper)
			continue
		}
		if !strings.Contains(string(text), `#include "c/src/`+filepath.Base(src)+`"`) {
			t.Errorf("%s does not include %s", wrapper, src)
		}
	}
}
