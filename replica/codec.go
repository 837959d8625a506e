package replica

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Small binary codec for the store's bookkeeping values (workspaces,
// members, mappings, peers). Every value starts with a format byte; fields
// follow in a fixed order: uvarints, strings as uvarint length + UTF-8 bytes,
// UUIDs and device IDs as raw bytes.

const maxStringBytes = 1 << 16

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64)    { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)      { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) raw(p []byte)        { e.b = append(e.b, p...) }
func (e *encoder) uuid(id uuid.UUID)   { e.b = append(e.b, id[:]...) }
func (e *encoder) byte1(v byte)        { e.b = append(e.b, v) }
func (e *encoder) str(s string)        { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytesField(p []byte) { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }

// decoder reads values written by encoder. The first error sticks; callers
// check err once at the end.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%s at byte %d: %w", what, d.off, ErrCorrupt)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 || n != len(binary.AppendVarint(nil, v)) {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b)-d.off < n {
		d.fail("truncated")
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *decoder) byte1() byte {
	p := d.raw(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *decoder) uuid() uuid.UUID {
	var id uuid.UUID
	copy(id[:], d.raw(16))
	return id
}

func (d *decoder) bytesField() []byte {
	n := d.uvarint()
	if n > maxStringBytes {
		d.fail("oversized field")
		return nil
	}
	p := d.raw(int(n))
	if p == nil {
		return nil
	}
	return append([]byte(nil), p...)
}

func (d *decoder) str() string {
	p := d.bytesField()
	if !utf8.Valid(p) {
		d.fail("invalid UTF-8")
		return ""
	}
	return string(p)
}

// done reports the sticky error, or an error for trailing bytes.
func (d *decoder) done() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("trailing bytes")
	}
	return d.err
}
