package main

import (
	"encoding/binary"
	"fmt"

	shmring "github.com/shmring/shmring/bindings/go"
)

// The frames ring message (PROTOCOL.md): an array message of shmring
// (docs/messages.md), uint8 of shape (height, width, 3), BGR8 rows, with
// the frame number and capture time in its 16-byte user header.
const (
	frameChannels = 3
	fieldsBytes   = 16 // frame_no, capture_ns: uint64 little-endian each
)

type frameHeader struct {
	frameNo       uint64
	width, height int
}

// parseHeader checks a frame message and returns its header and pixels:
// the core checks the array header; here, uint8 of shape (height, width, 3)
// with no empty side, the user header's size, and no bytes after the pixels.
func parseHeader(message []byte) (frameHeader, []byte, error) {
	a, err := shmring.DecodeArray(message)
	if err != nil {
		return frameHeader{}, nil, fmt.Errorf("bad frame message: %w", err)
	}
	pixels, err := shmring.Elements[uint8](a)
	if err != nil {
		return frameHeader{}, nil, fmt.Errorf("bad frame message: %w", err)
	}
	s := a.Shape
	switch {
	case len(s) != 3 || s[2] != frameChannels || s[0] == 0 || s[1] == 0 || len(a.User) != fieldsBytes:
		return frameHeader{}, nil, fmt.Errorf("bad frame message: shape %v, %d user bytes", s, len(a.User))
	case &message[len(message)-1] != &a.Data[len(a.Data)-1]:
		return frameHeader{}, nil, fmt.Errorf("bad frame message: bytes after the pixels")
	}
	frameNo := binary.LittleEndian.Uint64(a.User)
	return frameHeader{frameNo: frameNo, width: int(s[1]), height: int(s[0])}, pixels, nil
}
