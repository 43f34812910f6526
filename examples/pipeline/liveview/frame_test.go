package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

// encodeFrame is a frames ring message as the source writes it: the array
// header with the frame's fields, then width x height pixels of one BGR colour.
func encodeFrame(frameNo uint64, width, height int, bgr [3]byte) []byte {
	fields := binary.LittleEndian.AppendUint64(nil, frameNo)
	fields = binary.LittleEndian.AppendUint64(fields, 123456)
	return encodeArray(shmring.DTypeUint8, []uint64{uint64(height), uint64(width), frameChannels}, fields,
		bytes.Repeat(bgr[:], width*height))
}

func encodeArray(dtype shmring.DType, shape []uint64, user, data []byte) []byte {
	header, err := shmring.ArrayHeader(dtype, shape, user)
	if err != nil {
		panic(err)
	}
	return append(header, data...)
}

func TestAFrameIsAnArrayMessageWithItsFieldsInTheUserHeader(t *testing.T) {
	m := encodeFrame(0x0102030405, 4, 2, [3]byte{1, 2, 3})
	if string(m[0:4]) != "SHMA" {
		t.Fatalf("magic bytes %q", m[0:4])
	}
	h, pixels, err := parseHeader(m)
	if err != nil || h != (frameHeader{frameNo: 0x0102030405, width: 4, height: 2}) || len(pixels) != 24 || pixels[23] != 3 {
		t.Fatalf("got %+v, %v, %v", h, pixels, err)
	}
}

func TestParseHeaderRefusesEachBadField(t *testing.T) {
	fields := make([]byte, fieldsBytes)
	for _, c := range []struct {
		why     string
		message []byte
	}{
		{"shorter than the 32-byte header", encodeFrame(1, 4, 2, [3]byte{})[:20]},
		{"SHMA", append([]byte("X"), encodeFrame(1, 4, 2, [3]byte{})[1:]...)},
		{"run past its end", func() []byte { m := encodeFrame(1, 4, 2, [3]byte{}); return m[:len(m)-1] }()},
		{"bytes after the pixels", append(encodeFrame(1, 4, 2, [3]byte{}), 0)},
		{"holds uint16 elements", encodeArray(shmring.DTypeUint16, []uint64{2, 4, 3}, fields, make([]byte, 48))},
		{"shape [2 4 4]", encodeArray(shmring.DTypeUint8, []uint64{2, 4, 4}, fields, make([]byte, 32))},
		{"shape [2 0 3]", encodeArray(shmring.DTypeUint8, []uint64{2, 0, 3}, fields, nil)},
		{"8 user bytes", encodeArray(shmring.DTypeUint8, []uint64{2, 4, 3}, fields[:8], make([]byte, 24))},
	} {
		_, _, err := parseHeader(c.message)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: got %v", c.why, err)
		}
	}
}
