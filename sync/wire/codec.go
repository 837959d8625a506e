package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/grove-team/grove/replica/knowledge"
)

// reader decodes a message body; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d: %w", what, r.off, ErrMalformed)
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		r.fail(what + ": bad varint")
		return 0
	}
	r.off += n
	return v
}

// count reads a count and checks that the rest could hold that many
// elements of at least min bytes each, before anything is allocated.
func (r *reader) count(what string, max uint64, min int) int {
	n := r.uvarint(what)
	if r.err == nil && (n > max || n > uint64(r.remaining()/min)) {
		r.fail(fmt.Sprintf("%s %d out of range", what, n))
		return 0
	}
	return int(n)
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) raw(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.remaining() < n {
		r.fail(what + ": truncated")
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) byte1(what string) byte {
	p := r.raw(1, what)
	if p == nil {
		return 0
	}
	return p[0]
}

func (r *reader) id16(what string) (id [16]byte) {
	copy(id[:], r.raw(16, what))
	return id
}

func (r *reader) str(what string, max int) string {
	n := r.count(what, uint64(max), 1)
	p := r.raw(n, what)
	if !utf8.Valid(p) {
		r.fail(what + ": invalid UTF-8")
	}
	return string(p)
}

func (r *reader) knowledge(what string) *knowledge.Knowledge {
	if r.err != nil {
		return nil
	}
	k, n, err := knowledge.ParsePrefix(r.b[r.off:])
	if err != nil {
		r.err = fmt.Errorf("%s at byte %d: %w: %w", what, r.off, err, ErrMalformed)
		return nil
	}
	r.off += n
	return k
}

// done returns the sticky error, or one for trailing bytes.
func (r *reader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.fail("trailing bytes")
	}
	return r.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
