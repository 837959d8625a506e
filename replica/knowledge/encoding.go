package knowledge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

const (
	// MaxReplicas is the largest number of replicas an encoded knowledge
	// may hold.
	MaxReplicas = 1 << 16
	// MaxRanges is the largest total number of ranges, over all replicas,
	// an encoded knowledge may hold.
	MaxRanges = 1 << 20
)

// Minimum encoded sizes, used to bound counts before allocating: a range is
// two varints, a replica entry is two varints plus at least one range.
const (
	minRangeBytes = 2
	minEntryBytes = 2 + minRangeBytes
)

// ErrMalformed is wrapped by every error [Parse] and [ParsePrefix] return.
var ErrMalformed = errors.New("malformed knowledge")

// ErrTooLarge is wrapped by the error [Knowledge.MarshalBinary] returns for
// a knowledge that exceeds [MaxReplicas] or [MaxRanges], which [Parse]
// would reject.
var ErrTooLarge = errors.New("knowledge: too large to encode")

// AppendBinary appends the canonical encoding of k (see the package
// documentation) to b and returns the extended slice. k may be nil (it
// encodes as empty). AppendBinary does not check [MaxReplicas] or
// [MaxRanges]; use [Knowledge.MarshalBinary] for a checked encoding.
func (k *Knowledge) AppendBinary(b []byte) []byte {
	kk := k.view()
	b = binary.AppendUvarint(b, uint64(len(kk.keys)))
	var prevKey uint32
	for i, key := range kk.keys {
		// The first key is absolute (prevKey is 0), later ones are deltas.
		b = binary.AppendUvarint(b, uint64(key-prevKey))
		prevKey = key
		b = appendRanges(b, kk.sets[i].r)
	}
	return b
}

// appendRanges appends the range count and the delta-encoded ranges of one
// replica.
func appendRanges(b []byte, rs []Range) []byte {
	b = binary.AppendUvarint(b, uint64(len(rs)))
	var prevHi uint64
	for _, r := range rs {
		// The first Lo is absolute (prevHi is 0), later ones are deltas.
		b = binary.AppendUvarint(b, r.Lo-prevHi)
		b = binary.AppendUvarint(b, r.Hi-r.Lo)
		prevHi = r.Hi
	}
	return b
}

// MarshalBinary returns the canonical encoding of k in a slice of exactly
// the right size. It implements [encoding.BinaryMarshaler]. It fails with
// an error wrapping [ErrTooLarge] if k holds more than [MaxReplicas]
// replicas or [MaxRanges] ranges in total, which [Parse] would reject.
func (k *Knowledge) MarshalBinary() ([]byte, error) {
	kk := k.view()
	if len(kk.keys) > MaxReplicas {
		return nil, fmt.Errorf("%w: %d replicas, limit %d", ErrTooLarge, len(kk.keys), MaxReplicas)
	}
	total := 0
	for _, s := range kk.sets {
		total += len(s.r)
	}
	if total > MaxRanges {
		return nil, fmt.Errorf("%w: %d ranges, limit %d", ErrTooLarge, total, MaxRanges)
	}
	return kk.AppendBinary(make([]byte, 0, kk.encodedLen())), nil
}

// encodedLen returns len(k.AppendBinary(nil)) without encoding.
func (k *Knowledge) encodedLen() int {
	n := uvarintLen(uint64(len(k.keys)))
	var prevKey uint32
	for i, key := range k.keys {
		rs := k.sets[i].r
		n += uvarintLen(uint64(key-prevKey)) + uvarintLen(uint64(len(rs)))
		prevKey = key
		var prevHi uint64
		for _, r := range rs {
			n += uvarintLen(r.Lo-prevHi) + uvarintLen(r.Hi-r.Lo)
			prevHi = r.Hi
		}
	}
	return n
}

// uvarintLen returns the length of the minimal varint encoding of v.
func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// Parse decodes a knowledge encoded by [Knowledge.AppendBinary]. It is
// strict: any input that is not exactly a canonical encoding, including one
// followed by trailing bytes, is rejected with an error wrapping
// [ErrMalformed]. For any accepted b, AppendBinary(nil) of the result equals
// b.
func Parse(b []byte) (*Knowledge, error) {
	k, n, err := ParsePrefix(b)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("knowledge: %d trailing bytes: %w", len(b)-n, ErrMalformed)
	}
	return k, nil
}

// ParsePrefix decodes the knowledge encoded at the start of b, which may be
// followed by unrelated bytes, and returns it with the number of bytes it
// consumed. It is as strict as [Parse] about the knowledge itself.
func ParsePrefix(b []byte) (*Knowledge, int, error) {
	d := decoder{b: b}
	k, err := d.knowledge()
	if err != nil {
		return nil, 0, err
	}
	return k, d.off, nil
}

// alloc returns a knowledge with n replicas whose sets live in one backing
// array; the caller fills keys and set ranges.
func alloc(n int) *Knowledge {
	k := &Knowledge{keys: make([]uint32, n), sets: make([]*RangeSet, n)}
	backing := make([]RangeSet, n)
	for i := range k.sets {
		k.sets[i] = &backing[i]
	}
	return k
}

// decoder reads one encoded knowledge from b starting at off.
type decoder struct {
	b   []byte
	off int
	// all accumulates the ranges of every replica; its length is checked
	// against MaxRanges.
	all []Range
}

// remaining returns the number of unread bytes.
func (d *decoder) remaining() int { return len(d.b) - d.off }

// uvarint reads one minimal varint. what names the field for errors. The
// one-byte case, by far the most common, is handled inline.
func (d *decoder) uvarint(what string) (uint64, error) {
	if rest := d.b[d.off:]; len(rest) > 0 && rest[0] < 0x80 {
		d.off++
		return uint64(rest[0]), nil
	}
	return d.uvarintSlow(what)
}

// uvarintSlow reads a multi-byte varint or reports why none can be read.
func (d *decoder) uvarintSlow(what string) (uint64, error) {
	v, n := binary.Uvarint(d.b[d.off:])
	switch {
	case n == 0:
		return 0, fmt.Errorf("%s: truncated varint at offset %d: %w", what, d.off, ErrMalformed)
	case n < 0:
		return 0, fmt.Errorf("%s: varint overflows 64 bits at offset %d: %w", what, d.off, ErrMalformed)
	case n > 1 && d.b[d.off+n-1] == 0:
		return 0, fmt.Errorf("%s: non-minimal varint at offset %d: %w", what, d.off, ErrMalformed)
	}
	d.off += n
	return v, nil
}

// knowledge decodes a whole knowledge.
func (d *decoder) knowledge() (*Knowledge, error) {
	count, err := d.uvarint("replica count")
	if err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	if count > MaxReplicas {
		return nil, fmt.Errorf("knowledge: replica count %d exceeds limit %d: %w", count, MaxReplicas, ErrMalformed)
	}
	if count > uint64(d.remaining()/minEntryBytes) {
		return nil, fmt.Errorf("knowledge: replica count %d needs more than the %d bytes left: %w", count, d.remaining(), ErrMalformed)
	}
	n := int(count)
	k := alloc(n)
	// Every replica has at least one range; guess a few exceptions more and
	// let append grow the rest, bounded by the bytes left.
	d.all = make([]Range, 0, min(d.remaining()/minRangeBytes, 2*n+8))
	var prev uint32
	for i := range n {
		key, err := d.key(i, prev)
		if err != nil {
			return nil, err
		}
		if k.sets[i].r, err = d.rangeSet(key); err != nil {
			return nil, err
		}
		k.keys[i], prev = key, key
	}
	recarve(k.sets, d.all)
	return k, nil
}

// recarve points the sets, in order, at consecutive slices of all, which
// holds their ranges back to back. Sets may still point into arrays that
// append has since outgrown; afterwards they share only all. Each set is
// capped at its own length so growing one never overwrites the next.
func recarve(sets []*RangeSet, all []Range) {
	off := 0
	for _, s := range sets {
		end := off + len(s.r)
		s.r = all[off:end:end]
		off = end
	}
}

// key decodes the key of entry i given the previous entry's key.
func (d *decoder) key(i int, prev uint32) (uint32, error) {
	delta, err := d.uvarint("key")
	if err != nil {
		return 0, fmt.Errorf("knowledge: replica entry %d: %w", i, err)
	}
	if i == 0 {
		if delta > math.MaxUint32 {
			return 0, fmt.Errorf("knowledge: replica entry 0: key %d overflows uint32: %w", delta, ErrMalformed)
		}
		return uint32(delta), nil
	}
	switch {
	case delta == 0:
		return 0, fmt.Errorf("knowledge: replica entry %d: duplicate replica %d: %w", i, prev, ErrMalformed)
	case delta > math.MaxUint32-uint64(prev):
		return 0, fmt.Errorf("knowledge: replica entry %d: key %d+%d overflows uint32: %w", i, prev, delta, ErrMalformed)
	}
	return prev + uint32(delta), nil
}

// rangeSet decodes the range count and ranges of replica key, appends them
// to d.all and returns them as a slice of it (which a later append may
// outgrow; see recarve).
func (d *decoder) rangeSet(key uint32) ([]Range, error) {
	count, err := d.uvarint("range count")
	if err != nil {
		return nil, fmt.Errorf("knowledge: replica %d: %w", key, err)
	}
	switch {
	case count == 0:
		return nil, fmt.Errorf("knowledge: replica %d: empty range set: %w", key, ErrMalformed)
	case count > uint64(MaxRanges-len(d.all)):
		return nil, fmt.Errorf("knowledge: replica %d: range count %d exceeds total limit %d: %w", key, count, MaxRanges, ErrMalformed)
	case count > uint64(d.remaining()/minRangeBytes):
		return nil, fmt.Errorf("knowledge: replica %d: range count %d needs more than the %d bytes left: %w", key, count, d.remaining(), ErrMalformed)
	}
	first := len(d.all)
	var prevHi uint64
	for j := range int(count) {
		r, err := d.rangeAfter(prevHi, j == 0)
		if err != nil {
			return nil, fmt.Errorf("knowledge: replica %d range %d: %w", key, j, err)
		}
		d.all = append(d.all, r)
		prevHi = r.Hi
	}
	return d.all[first:], nil
}

// rangeAfter decodes one range following a range ending at prevHi (0 and
// first == true for the first range of a replica).
func (d *decoder) rangeAfter(prevHi uint64, first bool) (Range, error) {
	delta, err := d.uvarint("lo")
	if err != nil {
		return Range{}, err
	}
	span, err := d.uvarint("span")
	if err != nil {
		return Range{}, err
	}
	switch {
	case first && delta == 0:
		return Range{}, fmt.Errorf("tick 0: %w", ErrMalformed)
	case !first && delta == 0:
		return Range{}, fmt.Errorf("overlaps previous range ending at %d: %w", prevHi, ErrMalformed)
	case !first && delta == 1:
		return Range{}, fmt.Errorf("adjacent to previous range ending at %d: %w", prevHi, ErrMalformed)
	case delta > math.MaxUint64-prevHi:
		return Range{}, fmt.Errorf("lo %d+%d overflows uint64: %w", prevHi, delta, ErrMalformed)
	}
	lo := prevHi + delta
	if span > math.MaxUint64-lo {
		return Range{}, fmt.Errorf("hi %d+%d overflows uint64: %w", lo, span, ErrMalformed)
	}
	return Range{lo, lo + span}, nil
}
