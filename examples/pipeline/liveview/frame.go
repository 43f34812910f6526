package main

import (
	"encoding/binary"
	"fmt"
)

// The frames ring message: a 64-byte little-endian header, then BGR8
// pixels row by row (PROTOCOL.md).
const (
	frameMagic    = 0x4D465253 // the bytes "SRFM"
	headerBytes   = 64
	frameChannels = 3
)

type frameHeader struct {
	frameNo       uint64
	width, height int
}

// parseHeader reads and checks a frame message's header: magic, header
// size, channels, row size, and the pixel bytes against the length.
func parseHeader(message []byte) (frameHeader, error) {
	if len(message) < headerBytes {
		return frameHeader{}, fmt.Errorf("message of %d bytes is shorter than the %d-byte frame header", len(message), headerBytes)
	}
	le := binary.LittleEndian
	if magic := le.Uint32(message[0:]); magic != frameMagic {
		return frameHeader{}, fmt.Errorf("bad frame magic 0x%08X (expected 0x%08X)", magic, frameMagic)
	}
	if n := le.Uint32(message[4:]); n != headerBytes {
		return frameHeader{}, fmt.Errorf("header_bytes is %d (expected %d)", n, headerBytes)
	}
	frameNo := le.Uint64(message[8:])
	width, height := uint64(le.Uint32(message[24:])), uint64(le.Uint32(message[28:]))
	channels, rowBytes := le.Uint32(message[32:]), uint64(le.Uint32(message[36:]))
	switch {
	case channels != frameChannels:
		return frameHeader{}, fmt.Errorf("frame %d: channels is %d (expected %d)", frameNo, channels, frameChannels)
	case width == 0 || height == 0:
		return frameHeader{}, fmt.Errorf("frame %d: empty frame %dx%d", frameNo, width, height)
	case rowBytes != width*frameChannels:
		return frameHeader{}, fmt.Errorf("frame %d: row_bytes is %d for width %d", frameNo, rowBytes, width)
	case uint64(len(message)) != headerBytes+height*rowBytes:
		return frameHeader{}, fmt.Errorf("frame %d: message of %d bytes, a %dx%d frame needs %d",
			frameNo, len(message), width, height, headerBytes+height*rowBytes)
	}
	return frameHeader{frameNo: frameNo, width: int(width), height: int(height)}, nil
}
