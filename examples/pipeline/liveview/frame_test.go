package main

import (
	"encoding/binary"
	"strings"
	"testing"
)

// encodeFrame is a frames ring message as the source writes it: header,
// then width x height pixels of one BGR colour.
func encodeFrame(frameNo uint64, width, height int, bgr [3]byte) []byte {
	m := make([]byte, headerBytes+width*height*frameChannels)
	le := binary.LittleEndian
	le.PutUint32(m[0:], frameMagic)
	le.PutUint32(m[4:], headerBytes)
	le.PutUint64(m[8:], frameNo)
	le.PutUint32(m[24:], uint32(width))
	le.PutUint32(m[28:], uint32(height))
	le.PutUint32(m[32:], frameChannels)
	le.PutUint32(m[36:], uint32(width*frameChannels))
	for i := headerBytes; i < len(m); i += 3 {
		copy(m[i:], bgr[:])
	}
	return m
}

func TestParseHeaderReadsTheProtocolOffsets(t *testing.T) {
	m := encodeFrame(0x0102030405, 4, 2, [3]byte{})
	if string(m[0:4]) != "SRFM" {
		t.Fatalf("magic bytes %q", m[0:4])
	}
	h, err := parseHeader(m)
	if err != nil || h != (frameHeader{frameNo: 0x0102030405, width: 4, height: 2}) {
		t.Fatalf("got %+v, %v", h, err)
	}
}

func TestParseHeaderRefusesEachBadField(t *testing.T) {
	for _, c := range []struct {
		why   string
		spoil func(m []byte) []byte
	}{
		{"shorter", func(m []byte) []byte { return m[:40] }},
		{"magic", func(m []byte) []byte { m[3] = 'X'; return m }},
		{"header_bytes", func(m []byte) []byte { m[4] = 32; return m }},
		{"channels", func(m []byte) []byte { m[32] = 4; return m }},
		{"empty frame", func(m []byte) []byte { m[28] = 0; return m }},
		{"row_bytes", func(m []byte) []byte { m[36] = 13; return m }},
		{"needs 88", func(m []byte) []byte { return m[:len(m)-1] }},
		{"needs 88", func(m []byte) []byte { return append(m, 0) }},
	} {
		_, err := parseHeader(c.spoil(encodeFrame(1, 4, 2, [3]byte{})))
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: got %v", c.why, err)
		}
	}
}
