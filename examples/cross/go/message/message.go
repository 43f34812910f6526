// Package message is the cross-language test message (tests/cross/README.md):
// its length schedule, encoding and the consumer's checks.
package message

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// Header is the size of a full message's header.
const Header = 20

// Length is the scheduled length of message (writer, seq).
func Length(writer uint32, seq, slotBytes uint64) uint64 {
	k := seq*0x9E3779B97F4A7C15 + uint64(writer)*0xC2B2AE3D27D4EB4F
	k ^= k >> 29
	r, x := k%16, k>>8
	switch r {
	case 0:
		return 0
	case 1:
		return slotBytes
	case 2:
		return 1 + x%19
	}
	return Header + x%(slotBytes-19)
}

func shortByte(length, i uint64) byte { return byte(length*17 + i) }

func payloadByte(writer uint32, seq, i uint64) byte {
	return byte(i*7 + seq*13 + uint64(writer)*101)
}

func checksum(m []byte) uint32 {
	h := uint32(0x811C9DC5)
	for i, b := range m {
		if i >= 16 && i < Header {
			continue
		}
		h = (h ^ uint32(b)) * 0x01000193
	}
	return h
}

// Encode writes message (writer, seq) into out (exactly its length).
func Encode(out []byte, writer uint32, seq uint64) {
	n := uint64(len(out))
	if n < Header {
		for i := range out {
			out[i] = shortByte(n, uint64(i))
		}
		return
	}
	binary.LittleEndian.PutUint32(out[0:], writer)
	binary.LittleEndian.PutUint32(out[4:], uint32(n))
	binary.LittleEndian.PutUint64(out[8:], seq)
	for i := uint64(Header); i < n; i++ {
		out[i] = payloadByte(writer, seq, i)
	}
	binary.LittleEndian.PutUint32(out[16:], checksum(out))
}

// Checker is what a consumer has seen.
type Checker struct {
	SlotBytes, Count uint64
	Writers          []uint32
	Messages         uint64
	lastSeq          map[uint32]uint64
	full             map[uint32]uint64
	shorts           [Header]uint64
	report           *bufio.Writer
}

// NewChecker checks messages of writers, count each, in slots of
// slotBytes; report (may be nil) gets one line per message.
func NewChecker(slotBytes, count uint64, writers []uint32, report io.Writer) *Checker {
	c := &Checker{SlotBytes: slotBytes, Count: count, Writers: writers,
		lastSeq: map[uint32]uint64{}, full: map[uint32]uint64{}}
	if report != nil {
		c.report = bufio.NewWriter(report)
	}
	return c
}

func (c *Checker) line(format string, args ...any) error {
	if c.report == nil {
		return nil
	}
	_, err := fmt.Fprintf(c.report, format+"\n", args...)
	return err
}

// Check checks one message.
func (c *Checker) Check(m []byte) error {
	c.Messages++
	n := uint64(len(m))
	if n > c.SlotBytes {
		return fmt.Errorf("message of %d bytes in slots of %d", n, c.SlotBytes)
	}
	if n < Header {
		for i := range m {
			if m[i] != shortByte(n, uint64(i)) {
				return fmt.Errorf("short message of %d bytes: byte %d is %d", n, i, m[i])
			}
		}
		c.shorts[n]++
		return c.line("short %d", n)
	}
	w := binary.LittleEndian.Uint32(m[0:])
	field := binary.LittleEndian.Uint32(m[4:])
	s := binary.LittleEndian.Uint64(m[8:])
	if !slices.Contains(c.Writers, w) || s >= c.Count || uint64(field) != n || Length(w, s, c.SlotBytes) != n {
		return fmt.Errorf("bad header: writer %d seq %d length field %d, %d bytes received", w, s, field, n)
	}
	for i := uint64(Header); i < n; i++ {
		if m[i] != payloadByte(w, s, i) {
			return fmt.Errorf("(%d, %d): payload byte %d is %d", w, s, i, m[i])
		}
	}
	if binary.LittleEndian.Uint32(m[16:]) != checksum(m) {
		return fmt.Errorf("(%d, %d): bad checksum", w, s)
	}
	if last, seen := c.lastSeq[w]; seen && s <= last {
		return fmt.Errorf("(%d, %d) after (%d, %d): out of order or repeated", w, s, w, last)
	}
	c.lastSeq[w] = s
	c.full[w]++
	return c.line("%d %d", w, s)
}

// CheckComplete is a broadcast consumer's end check: the whole schedule
// was received.
func (c *Checker) CheckComplete() error {
	var shorts [Header]uint64
	for _, w := range c.Writers {
		full := uint64(0)
		for s := uint64(0); s < c.Count; s++ {
			if n := Length(w, s, c.SlotBytes); n < Header {
				shorts[n]++
			} else {
				full++
			}
		}
		if c.full[w] != full {
			return fmt.Errorf("writer %d: %d full messages received, %d written", w, c.full[w], full)
		}
	}
	for n := range shorts {
		if shorts[n] != c.shorts[n] {
			return fmt.Errorf("%d short messages of %d bytes received, %d written", c.shorts[n], n, shorts[n])
		}
	}
	return nil
}

// Finish flushes the report.
func (c *Checker) Finish() error {
	if c.report == nil {
		return nil
	}
	return c.report.Flush()
}
