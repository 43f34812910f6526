package main

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"time"
)

// thumbnailHeight keeps the frame's aspect ratio at the given width.
func thumbnailHeight(h frameHeader, width int) int {
	return max(1, (h.height*width+h.width/2)/h.width)
}

// scaleDown samples a BGR8 frame (pixels after the header) to an RGB
// image of the given width by nearest neighbour, reading only the pixels
// it keeps, so it costs little even from a 1080p zero-copy view.
func scaleDown(h frameHeader, pixels []byte, width int) *image.RGBA {
	height := thumbnailHeight(h, width)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	rowBytes := h.width * frameChannels
	for ty := 0; ty < height; ty++ {
		row := pixels[((2*ty+1)*h.height/(2*height))*rowBytes:]
		out := img.Pix[ty*img.Stride:]
		for tx := 0; tx < width; tx++ {
			bgr := row[((2*tx+1)*h.width/(2*width))*frameChannels:]
			out[4*tx], out[4*tx+1], out[4*tx+2], out[4*tx+3] = bgr[2], bgr[1], bgr[0], 0xFF
		}
	}
	return img
}

// writeJPEG writes img to path through a temporary file, so a reader of
// the directory never sees half a thumbnail.
func writeJPEG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".thumb-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := jpeg.Encode(tmp, img, &jpeg.Options{Quality: 85}); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// thumbnails numbers and paces the thumbnails: the first frame seen gets
// one, then the first frame after each period.
type thumbnails struct {
	dir     string
	width   int
	every   time.Duration
	last    time.Time
	written int
}

func (t *thumbnails) due(now time.Time) bool {
	return t.written == 0 || now.Sub(t.last) >= t.every
}

// write saves img as the next thumb-NNNN.jpg (from 0001).
func (t *thumbnails) write(img image.Image, now time.Time) error {
	t.written++
	t.last = now
	return writeJPEG(filepath.Join(t.dir, fmt.Sprintf("thumb-%04d.jpg", t.written)), img)
}
