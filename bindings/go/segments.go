package shmring

// #include <stdlib.h>
// #include "shmring.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Named segments: what one is and who uses it (Inspect), and removing it
// only when it is stale (RemoveStale): shmring_inspect and
// shmring_remove_stale of the C core, which every binding shares.

// ReplaceStale is a mode flag of CreateRWLock: a stale lock of that name
// (every process recorded in it dead) is replaced, as Options.ReplaceStale
// does for rings.
const ReplaceStale = uint32(C.SHMRING_REPLACE_STALE)

// SegmentKind says what a named segment is.
type SegmentKind uint64

const (
	SegmentRing         = SegmentKind(C.SHMRING_SEGMENT_RING)
	SegmentRWLock       = SegmentKind(C.SHMRING_SEGMENT_RWLOCK)
	SegmentInitializing = SegmentKind(C.SHMRING_SEGMENT_INITIALIZING) // its creator is at work
	SegmentAbandoned    = SegmentKind(C.SHMRING_SEGMENT_ABANDONED)    // its creator died first (stale)
	SegmentOtherVersion = SegmentKind(C.SHMRING_SEGMENT_OTHER_VERSION)
	SegmentCorrupt      = SegmentKind(C.SHMRING_SEGMENT_CORRUPT)
	SegmentForeign      = SegmentKind(C.SHMRING_SEGMENT_FOREIGN) // not a shmring segment
	SegmentEmpty        = SegmentKind(C.SHMRING_SEGMENT_EMPTY)   // no header, nobody creating it
)

// Role is how a live process is recorded in a segment.
type Role uint32

const (
	RoleCreator = Role(C.SHMRING_ROLE_CREATOR)
	RoleWriter  = Role(C.SHMRING_ROLE_WRITER)
	RoleReader  = Role(C.SHMRING_ROLE_READER)  // broadcast, group member or lossy
	RoleJoining = Role(C.SHMRING_ROLE_JOINING) // holds the registry lock
	RoleHolder  = Role(C.SHMRING_ROLE_HOLDER)  // has the lock open
)

// Participant is a live process recorded in a segment.
type Participant struct {
	Pid  uint32
	Role Role
}

// Inspection is what Inspect found; 0 where a field does not apply.
type Inspection struct {
	Kind                                  SegmentKind
	Stale                                 bool // nobody recorded in it is alive
	SegmentBytes, LayoutVersion           uint64
	SlotBytes, SlotCount                  uint64
	MaxWriters, MaxReaders, MaxGroups     uint64
	MaxHolders                            uint64 // locks
	LiveWriters, LiveReaders, LiveHolders uint64
	DeadEntries                           uint64 // entries of processes that are gone
	CreatorPid                            uint64
	CreatorAlive                          bool
	Live                                  []Participant
	Summary                               string // what it is, and why it is (not) stale
}

func cSegmentName(name string) (*C.char, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, invalid(fmt.Sprintf("segment name %q contains a NUL byte", name))
	}
	return C.CString(name), nil
}

// Inspect reads the named segment without joining it: its kind, geometry
// and the processes recorded in it, each checked for life (pid + start
// time). ErrNotFound if there is no such name.
func Inspect(name string) (*Inspection, error) {
	cname, err := cSegmentName(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	var raw *C.shmring_inspection_t
	if err := call(func() C.int { return C.shmring_inspect(cname, &raw) }); err != nil {
		return nil, err
	}
	defer C.shmring_inspection_free(raw)
	var fields [C.SHMRING_INSPECT_CREATOR_ALIVE + 1]uint64
	for f := range fields {
		var v C.uint64_t
		if err := call(func() C.int { return C.shmring_inspection_get(raw, C.uint32_t(f), &v) }); err != nil {
			return nil, err
		}
		fields[f] = uint64(v)
	}
	in := &Inspection{
		Kind: SegmentKind(fields[C.SHMRING_INSPECT_KIND]), Stale: fields[C.SHMRING_INSPECT_STALE] != 0,
		SegmentBytes: fields[C.SHMRING_INSPECT_SEGMENT_BYTES], LayoutVersion: fields[C.SHMRING_INSPECT_LAYOUT_VERSION],
		SlotBytes: fields[C.SHMRING_INSPECT_SLOT_BYTES], SlotCount: fields[C.SHMRING_INSPECT_SLOT_COUNT],
		MaxWriters: fields[C.SHMRING_INSPECT_MAX_WRITERS], MaxReaders: fields[C.SHMRING_INSPECT_MAX_READERS],
		MaxGroups: fields[C.SHMRING_INSPECT_MAX_GROUPS], MaxHolders: fields[C.SHMRING_INSPECT_MAX_HOLDERS],
		LiveWriters: fields[C.SHMRING_INSPECT_LIVE_WRITERS], LiveReaders: fields[C.SHMRING_INSPECT_LIVE_READERS],
		LiveHolders: fields[C.SHMRING_INSPECT_LIVE_HOLDERS], DeadEntries: fields[C.SHMRING_INSPECT_DEAD_ENTRIES],
		CreatorPid: fields[C.SHMRING_INSPECT_CREATOR_PID], CreatorAlive: fields[C.SHMRING_INSPECT_CREATOR_ALIVE] != 0,
		Summary: C.GoString(C.shmring_inspection_summary(raw)),
	}
	for i := C.uint32_t(0); i < C.shmring_inspection_live_count(raw); i++ {
		var pid, role C.uint32_t
		if err := call(func() C.int { return C.shmring_inspection_live(raw, i, &pid, &role) }); err != nil {
			return nil, err
		}
		in.Live = append(in.Live, Participant{Pid: uint32(pid), Role: Role(role)})
	}
	return in, nil
}

// RemoveStale removes the named segment only if it is stale (every
// process recorded in it is dead). ErrExists, naming the live pids,
// otherwise; ErrNotFound if there is no such name.
func RemoveStale(name string) error {
	cname, err := cSegmentName(name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	return call(func() C.int { return C.shmring_remove_stale(cname) })
}
