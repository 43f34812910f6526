package shmring

// #include "shmring.h"
import "C"

// ReaderKind tells broadcast readers, group members and lossy readers apart.
type ReaderKind uint64

// Reader kinds (SHMRING_KIND_*).
const (
	KindBroadcast   ReaderKind = C.SHMRING_KIND_BROADCAST
	KindGroupMember ReaderKind = C.SHMRING_KIND_GROUP_MEMBER
	KindLossy       ReaderKind = C.SHMRING_KIND_LOSSY
)

// WriterStats are one writer's counters.
type WriterStats struct {
	PID      uint64
	Alive    bool
	Messages uint64 // published
	Waits    uint64 // sleeps for space
	Bytes    uint64 // payload bytes published
	Aborted  uint64 // reservations aborted
}

// ReaderStats are one reader's counters.
type ReaderStats struct {
	PID         uint64
	Alive       bool
	Kind        ReaderKind
	Group       string // a member's group, else ""
	Messages    uint64 // delivered
	Waits       uint64 // sleeps for data
	Position    uint64 // where the next read starts (a member: its group's), skips included
	Lag         uint64
	Missed      uint64
	Redelivered uint64 // taken over from a member that died
}

// Stats is a snapshot of a ring's counters. Each value is current when
// read; the snapshot is not one atomic picture.
type Stats struct {
	NextSequence   uint64
	Closed         bool
	Writers        uint64 // writer entries in use (a count in every binding: docs/api-map.md)
	Readers        uint64 // reader entries in use
	WritersJoined  uint64
	WritersReaped  uint64
	ReadersReaped  uint64
	SlotsAbandoned uint64
	WriterStats    []WriterStats // every writer's entry
	ReaderStats    []ReaderStats // every reader's entry

	// Deprecated: use Writers (docs/api-map.md); removed in 0.2.
	WritersActive uint64
	// Deprecated: use Readers (docs/api-map.md); removed in 0.2.
	ReadersActive uint64
}

// Stats takes a snapshot of every counter of the ring, its writers and
// its readers.
func (r *Ring) Stats() (*Stats, error) {
	var snap *C.shmring_stats_t
	if err := r.with(func(raw *C.shmring_ring_t) C.int { return C.shmring_stats_read(raw, &snap) }); err != nil {
		return nil, err
	}
	defer C.shmring_stats_free(snap)
	g := getter{snap: snap}
	s := &Stats{
		NextSequence:   g.ring(C.SHMRING_STAT_NEXT_SEQUENCE),
		Closed:         g.ring(C.SHMRING_STAT_CLOSED) != 0,
		Writers:        g.ring(C.SHMRING_STAT_WRITERS),
		Readers:        g.ring(C.SHMRING_STAT_READERS),
		WritersJoined:  g.ring(C.SHMRING_STAT_WRITERS_JOINED),
		WritersReaped:  g.ring(C.SHMRING_STAT_WRITERS_REAPED),
		ReadersReaped:  g.ring(C.SHMRING_STAT_READERS_REAPED),
		SlotsAbandoned: g.ring(C.SHMRING_STAT_SLOTS_ABANDONED),
	}
	s.WritersActive, s.ReadersActive = s.Writers, s.Readers
	for i := C.uint32_t(0); i < C.shmring_stats_writer_count(snap); i++ {
		s.WriterStats = append(s.WriterStats, WriterStats{
			PID:      g.writer(i, C.SHMRING_STAT_PID),
			Alive:    g.writer(i, C.SHMRING_STAT_ALIVE) != 0,
			Messages: g.writer(i, C.SHMRING_STAT_MESSAGES),
			Waits:    g.writer(i, C.SHMRING_STAT_WAITS),
			Bytes:    g.writer(i, C.SHMRING_STAT_BYTES),
			Aborted:  g.writer(i, C.SHMRING_STAT_ABORTED),
		})
	}
	for i := C.uint32_t(0); i < C.shmring_stats_reader_count(snap); i++ {
		rs := ReaderStats{
			PID:         g.reader(i, C.SHMRING_STAT_PID),
			Alive:       g.reader(i, C.SHMRING_STAT_ALIVE) != 0,
			Kind:        ReaderKind(g.reader(i, C.SHMRING_STAT_KIND)),
			Messages:    g.reader(i, C.SHMRING_STAT_MESSAGES),
			Waits:       g.reader(i, C.SHMRING_STAT_WAITS),
			Position:    g.reader(i, C.SHMRING_STAT_POSITION),
			Lag:         g.reader(i, C.SHMRING_STAT_LAG),
			Missed:      g.reader(i, C.SHMRING_STAT_MISSED),
			Redelivered: g.reader(i, C.SHMRING_STAT_REDELIVERED),
		}
		if group := C.shmring_stats_reader_group(snap, i); group != nil {
			rs.Group = C.GoString(group)
		}
		s.ReaderStats = append(s.ReaderStats, rs)
	}
	if g.err != nil {
		return nil, g.err
	}
	return s, nil
}

// getter reads fields of a snapshot, keeping the first error.
type getter struct {
	snap *C.shmring_stats_t
	err  error
}

func (g *getter) keep(f func(*C.uint64_t) C.int) uint64 {
	var v C.uint64_t
	if err := call(func() C.int { return f(&v) }); err != nil && g.err == nil {
		g.err = err
	}
	return uint64(v)
}

func (g *getter) ring(field C.uint32_t) uint64 {
	return g.keep(func(v *C.uint64_t) C.int { return C.shmring_stats_ring(g.snap, field, v) })
}

func (g *getter) writer(i, field C.uint32_t) uint64 {
	return g.keep(func(v *C.uint64_t) C.int { return C.shmring_stats_writer(g.snap, i, field, v) })
}

func (g *getter) reader(i, field C.uint32_t) uint64 {
	return g.keep(func(v *C.uint64_t) C.int { return C.shmring_stats_reader(g.snap, i, field, v) })
}
