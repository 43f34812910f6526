package main

import (
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

func TestThumbnailHeightKeepsTheAspectRatio(t *testing.T) {
	for _, c := range []struct{ w, h, width, want int }{
		{1920, 1080, 320, 180}, {64, 32, 16, 8}, {1000, 1, 10, 1}, {3, 2, 2, 1},
	} {
		if got := thumbnailHeight(frameHeader{width: c.w, height: c.h}, c.width); got != c.want {
			t.Errorf("%dx%d at width %d: height %d, want %d", c.w, c.h, c.width, got, c.want)
		}
	}
}

func TestScaleDownSamplesNearestPixelsAsRGB(t *testing.T) {
	// 4x2 frame, each pixel BGR (x, y, 100); halved it keeps the pixels
	// at the centres of 2x2 blocks: x 1 and 3, y 1.
	h := frameHeader{width: 4, height: 2}
	pixels := make([]byte, 0, 24)
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			pixels = append(pixels, byte(x), byte(y), 100)
		}
	}
	img := scaleDown(h, pixels, 2)
	if b := img.Bounds(); b.Dx() != 2 || b.Dy() != 1 {
		t.Fatalf("bounds %v", b)
	}
	want := []byte{100, 1, 1, 255, 100, 1, 3, 255} // R G B A: R from the third byte
	if string(img.Pix) != string(want) {
		t.Fatalf("pixels %v, want %v", img.Pix, want)
	}
}

func TestThumbnailsAreNumberedAndPaced(t *testing.T) {
	th := thumbnails{dir: t.TempDir(), width: 8, every: 1 << 62}
	img := scaleDown(frameHeader{width: 16, height: 16}, make([]byte, 16*16*3), 8)
	start := th.last
	if !th.due(start) {
		t.Fatal("the first thumbnail is not due")
	}
	for i := 0; i < 2; i++ {
		if err := th.write(img, start); err != nil {
			t.Fatal(err)
		}
	}
	if th.due(start.Add(1)) {
		t.Fatal("a thumbnail is due before its period")
	}
	entries, _ := os.ReadDir(th.dir)
	if len(entries) != 2 || entries[0].Name() != "thumb-0001.jpg" || entries[1].Name() != "thumb-0002.jpg" {
		t.Fatalf("files %v (temporary files must not stay)", entries)
	}
	f, err := os.Open(filepath.Join(th.dir, "thumb-0002.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if config, err := jpeg.DecodeConfig(f); err != nil || config.Width != 8 || config.Height != 8 {
		t.Fatalf("%+v, %v", config, err)
	}
}
