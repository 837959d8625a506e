// Command wizardbmp draws the picture on the left of the Windows installer's
// welcome and finish pages (NSIS MUI_WELCOMEFINISHPAGE_BITMAP: a 164×314
// 24-bit BMP) from the application icon, so that the installer shows Grove
// rather than NSIS's stock picture.
//
//	go run ./assets/packaging/wizardbmp assets/icon.png wizard.bmp
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"os"
)

const (
	width, height = 164, 314
	iconSize      = 112
	iconTop       = 56
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: wizardbmp ICON.png OUT.bmp")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "wizardbmp:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	icon, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	// A soft green wash, lightest at the bottom.
	for y := range height {
		t := float64(y) / float64(height-1)
		c := color.RGBA{mix(0xe3, 0xfa, t), mix(0xf0, 0xfc, t), mix(0xe1, 0xf8, t), 0xff}
		for x := range width {
			img.SetRGBA(x, y, c)
		}
	}
	left := (width - iconSize) / 2
	b := icon.Bounds()
	// Area-average the icon down to iconSize×iconSize and blend it in.
	for y := range iconSize {
		sy0, sy1 := b.Min.Y+y*b.Dy()/iconSize, b.Min.Y+(y+1)*b.Dy()/iconSize
		for x := range iconSize {
			sx0, sx1 := b.Min.X+x*b.Dx()/iconSize, b.Min.X+(x+1)*b.Dx()/iconSize
			var r, g, bl, a, n uint64
			for sy := sy0; sy < max(sy1, sy0+1); sy++ {
				for sx := sx0; sx < max(sx1, sx0+1); sx++ {
					cr, cg, cb, ca := icon.At(sx, sy).RGBA() // premultiplied
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			bg := img.RGBAAt(left+x, iconTop+y)
			alpha := float64(a) / float64(n) / 0xffff
			over := func(src uint64, dst uint8) uint8 {
				return uint8(float64(src)/float64(n)/0x101 + float64(dst)*(1-alpha) + 0.5)
			}
			img.SetRGBA(left+x, iconTop+y, color.RGBA{over(r, bg.R), over(g, bg.G), over(bl, bg.B), 0xff})
		}
	}
	return os.WriteFile(out, bmp24(img), 0o644)
}

func mix(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t + 0.5) }

// bmp24 encodes img as an uncompressed bottom-up 24-bit BMP.
func bmp24(img *image.RGBA) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	stride := (w*3 + 3) &^ 3
	var buf bytes.Buffer
	le := func(v any) { binary.Write(&buf, binary.LittleEndian, v) }
	buf.WriteString("BM")
	le(uint32(54 + stride*h)) // file size
	le(uint32(0))             // reserved
	le(uint32(54))            // pixel data offset
	le(uint32(40))            // BITMAPINFOHEADER size
	le(int32(w))
	le(int32(h))
	le(uint16(1))  // planes
	le(uint16(24)) // bits per pixel
	le(uint32(0))  // BI_RGB
	le(uint32(stride * h))
	le(int32(2835)) // 72 dpi
	le(int32(2835))
	le(uint32(0))
	le(uint32(0))
	row := make([]byte, stride)
	for y := h - 1; y >= 0; y-- {
		for x := range w {
			c := img.RGBAAt(x, y)
			row[3*x], row[3*x+1], row[3*x+2] = c.B, c.G, c.R
		}
		buf.Write(row)
	}
	return buf.Bytes()
}
