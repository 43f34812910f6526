package main

// What a benchmark message holds and how its reader checks it: the scheme
// of bench/c/payload.h (16-byte header: u32 writer = 0, u32 CRC-32C of the
// body, u64 sequence; the body sampled every 4093rd byte above 4096 bytes).

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
)

const (
	header      = 16
	sampleAbove = 4096
	stride      = 4093
	// corruptEnv is the test hook: the writer corrupts the message with
	// this sequence number (counted in payload.injected) and writes at
	// least that many + 1 messages whatever its duration (payload.minimum),
	// so the fault is planted however slow the machine.
	corruptEnv = "SHMRING_BENCH_CORRUPT"
)

// castagnoli uses the CPU's CRC32 instruction where there is one.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func digest(body []byte, samples []byte) uint32 {
	if len(body) <= sampleAbove {
		return crc32.Checksum(body, castagnoli)
	}
	samples = samples[:0]
	for i := 0; i < len(body); i += stride {
		samples = append(samples, body[i])
	}
	return crc32.Checksum(samples, castagnoli)
}

// payload is the writer's side: count prebuilt messages (body variant
// k % 2) whose header stamp fills in, so a message costs no copy before
// the ring's.
type payload struct {
	size, count int
	messages    []byte
	crc         [2]uint32
	first       [2]byte
	corrupt     uint64 // sequence to corrupt; hasCorrupt says whether any
	hasCorrupt  bool
	injected    uint64 // corrupted messages stamped so far
}

func newPayload(size, count int) *payload {
	p := &payload{size: size, count: count, messages: make([]byte, size*count)}
	state := uint64(0x9E3779B97F4A7C15) // splitmix64: any fixed bytes do
	for variant := 0; variant < 2; variant++ {
		body := p.messages[variant*size+header : (variant+1)*size]
		for i := range body {
			state += 0x9E3779B97F4A7C15
			z := (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
			body[i] = byte((z ^ (z >> 27)) >> 56)
		}
		p.crc[variant] = digest(body, nil)
		p.first[variant] = body[0]
	}
	for k := 2; k < count; k++ {
		copy(p.messages[k*size:(k+1)*size], p.messages[(k%2)*size:])
	}
	p.corrupt, p.hasCorrupt = 0, false
	if v, err := strconv.ParseUint(os.Getenv(corruptEnv), 10, 64); err == nil {
		p.corrupt, p.hasCorrupt = v, true
	}
	return p
}

// message stamps and returns the prebuilt message for sequence; it stays
// valid until the same buffer is stamped again (count messages later).
func (p *payload) message(sequence uint64) []byte {
	k := int(sequence % uint64(p.count))
	variant := k % 2
	m := p.messages[k*p.size : (k+1)*p.size]
	binary.LittleEndian.PutUint32(m[0:], 0)
	binary.LittleEndian.PutUint32(m[4:], p.crc[variant])
	binary.LittleEndian.PutUint64(m[8:], sequence)
	// Re-set every time: this buffer may have carried the corruption.
	m[header] = p.first[variant]
	if p.hasCorrupt && sequence == p.corrupt {
		m[header] ^= 0xFF
		p.injected++
	}
	return m
}

// minimum is how many messages the writer writes before it may stop: the
// test hook's sequence + 1, else 0.
func (p *payload) minimum() uint64 {
	if !p.hasCorrupt || p.corrupt == ^uint64(0) {
		return 0
	}
	return p.corrupt + 1
}

// checker is the reader's side: check each message in order; every message
// of the stream must come, once, with its checksum.
type checker struct {
	size       int
	expected   uint64
	errors     uint64
	firstError string
	samples    []byte
}

func newChecker(size int) *checker {
	return &checker{size: size, samples: make([]byte, 0, size/stride+1)}
}

func (c *checker) fail(problem func() string) {
	if c.errors == 0 {
		c.firstError = problem()
	}
	c.errors++
}

func (c *checker) check(message []byte) {
	if len(message) != c.size {
		c.fail(func() string { return fmt.Sprintf("a message of %d bytes, not %d", len(message), c.size) })
		c.expected++
		return
	}
	crc := binary.LittleEndian.Uint32(message[4:])
	sequence := binary.LittleEndian.Uint64(message[8:])
	expected := c.expected
	if digest(message[header:], c.samples) != crc {
		c.fail(func() string { return fmt.Sprintf("message %d: checksum mismatch", sequence) })
	} else if sequence != expected {
		c.fail(func() string { return fmt.Sprintf("message %d where %d was due", sequence, expected) })
	}
	c.expected = sequence + 1
}
