package knowledge

import (
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Range is an inclusive interval of ticks [Lo, Hi]. A valid Range has
// 1 <= Lo <= Hi; a [RangeSet] only ever holds valid ranges.
type Range struct{ Lo, Hi uint64 }

// size returns the number of ticks in a valid range. It cannot overflow
// because Lo >= 1.
func (r Range) size() uint64 { return r.Hi - r.Lo + 1 }

// RangeSet is a set of ticks stored as sorted, disjoint, non-adjacent
// inclusive ranges. The zero value is an empty set ready to use.
//
// Read-only methods accept a nil receiver and treat it as the empty set;
// mutating methods (Add, AddRange, Union) need a non-nil receiver.
type RangeSet struct {
	// r is sorted by Lo; for consecutive elements a, b: a.Hi+1 < b.Lo.
	r []Range
}

// ranges returns the ranges of s, or nil if s is nil. The result aliases s.
func (s *RangeSet) ranges() []Range {
	if s == nil {
		return nil
	}
	return s.r
}

// Add adds tick t to s. Tick 0 is invalid and Add(0) is a no-op.
//
// Adding ticks in increasing order (in particular t == Max()+1) is O(1)
// amortized and does not allocate when it extends the last range.
func (s *RangeSet) Add(t uint64) {
	n := len(s.r)
	if n == 0 {
		if t != 0 {
			s.r = append(s.r, Range{t, t})
		}
		return
	}
	last := &s.r[n-1]
	if t > last.Hi {
		// last.Hi < t <= MaxUint64, so last.Hi+1 cannot overflow.
		if t == last.Hi+1 {
			last.Hi = t
		} else {
			s.r = append(s.r, Range{t, t})
		}
		return
	}
	if t != 0 {
		s.insert(t, t)
	}
}

// AddRange adds every tick in [lo, hi] to s. It is a no-op if lo > hi or
// lo == 0 (tick 0 is invalid, so such a range is rejected as a whole rather
// than clipped).
//
// Ranges after Max() are appended in O(1) amortized time; other ranges cost
// O(log n) to locate plus O(n) to shift.
func (s *RangeSet) AddRange(lo, hi uint64) {
	if lo == 0 || lo > hi {
		return
	}
	n := len(s.r)
	if n == 0 || lo > s.r[n-1].Hi {
		s.r = appendMerged(s.r, Range{lo, hi})
		return
	}
	s.insert(lo, hi)
}

// insert adds the valid range [lo, hi] to s at any position, merging it with
// every range it overlaps or touches.
func (s *RangeSet) insert(lo, hi uint64) {
	n := len(s.r)
	// i: first range that ends at or after lo-1, i.e. the first range that
	// overlaps [lo, hi], touches it from below, or lies after it.
	i := searchHi(s.r, lo-1)
	// j: first range starting after hi+1 (written so hi+1 cannot overflow);
	// ranges in [i, j) overlap or touch [lo, hi].
	j := i + sort.Search(n-i, func(k int) bool { return s.r[i+k].Lo-1 > hi })
	if i == j {
		s.r = slices.Insert(s.r, i, Range{lo, hi})
		return
	}
	s.r[i] = Range{min(lo, s.r[i].Lo), max(hi, s.r[j-1].Hi)}
	s.r = slices.Delete(s.r, i+1, j)
}

// appendMerged appends the valid range r to out, whose ranges must all start
// at or before r.Lo, merging r into the last range if they overlap or touch.
func appendMerged(out []Range, r Range) []Range {
	if n := len(out); n > 0 && r.Lo-1 <= out[n-1].Hi {
		out[n-1].Hi = max(out[n-1].Hi, r.Hi)
		return out
	}
	return append(out, r)
}

// Union adds every tick of o to s. o may be nil. Union does not allocate when
// o is already a subset of s or when o lies entirely after s and capacity
// allows.
func (s *RangeSet) Union(o *RangeSet) {
	or := o.ranges()
	if len(or) == 0 || s == o {
		return
	}
	n := len(s.r)
	if n == 0 || or[0].Lo > s.r[n-1].Hi {
		s.r = appendMerged(s.r, or[0])
		s.r = append(s.r, or[1:]...)
		return
	}
	if s.covers(o) {
		return
	}
	out := make([]Range, 0, n+len(or))
	i, j := 0, 0
	for i < n || j < len(or) {
		if j == len(or) || (i < n && s.r[i].Lo <= or[j].Lo) {
			out = appendMerged(out, s.r[i])
			i++
		} else {
			out = appendMerged(out, or[j])
			j++
		}
	}
	s.r = out
}

// covers reports whether every tick of o is in s (o ⊆ s). Both may be nil.
// It runs in O(len(s)+len(o)) without allocating.
func (s *RangeSet) covers(o *RangeSet) bool {
	sr, or := s.ranges(), o.ranges()
	i := 0
	for _, r := range or {
		// Ranges of s are maximal, so r is covered only if one range of s
		// contains it entirely.
		for i < len(sr) && sr[i].Hi < r.Lo {
			i++
		}
		if i == len(sr) || sr[i].Lo > r.Lo || sr[i].Hi < r.Hi {
			return false
		}
	}
	return true
}

// Contains reports whether tick t is in s, in O(log n) without allocating.
// Contains(0) is always false.
func (s *RangeSet) Contains(t uint64) bool {
	if s == nil {
		return false
	}
	i := searchHi(s.r, t)
	return i < len(s.r) && s.r[i].Lo <= t
}

// searchHi returns the index of the first range in r with Hi >= t, or len(r).
// It is a branchless binary search: the comparison becomes a borrow bit
// rather than a jump, which avoids branch mispredictions on random probes
// (about 3x faster than sort.Search on 1000 ranges).
func searchHi(r []Range, t uint64) int {
	n := len(r)
	if n == 0 {
		return 0
	}
	base := 0
	for n > 1 {
		half := n >> 1
		_, less := bits.Sub64(r[base+half].Hi, t, 0) // 1 iff Hi < t
		base += half & -int(less)
		n -= half
	}
	_, less := bits.Sub64(r[base].Hi, t, 0)
	return base + int(less)
}

// Prefix returns the largest n such that every tick in [1..n] is in s: the
// version-vector part of s. It returns 0 if tick 1 is not in s.
func (s *RangeSet) Prefix() uint64 {
	if r := s.ranges(); len(r) > 0 && r[0].Lo == 1 {
		return r[0].Hi
	}
	return 0
}

// Ranges returns a copy of the ranges of s in ascending order. The ranges are
// disjoint and non-adjacent. It returns nil for an empty set.
func (s *RangeSet) Ranges() []Range {
	r := s.ranges()
	if len(r) == 0 {
		return nil
	}
	return slices.Clone(r)
}

// Len returns the number of ticks in s. It cannot overflow: at most
// 2^64-1 ticks (1..MaxUint64) exist.
func (s *RangeSet) Len() uint64 {
	var n uint64
	for _, r := range s.ranges() {
		n += r.size()
	}
	return n
}

// Max returns the largest tick in s, or 0 if s is empty.
func (s *RangeSet) Max() uint64 {
	if r := s.ranges(); len(r) > 0 {
		return r[len(r)-1].Hi
	}
	return 0
}

// Empty reports whether s contains no ticks.
func (s *RangeSet) Empty() bool { return len(s.ranges()) == 0 }

// Equal reports whether s and o contain the same ticks. Either may be nil.
func (s *RangeSet) Equal(o *RangeSet) bool { return slices.Equal(s.ranges(), o.ranges()) }

// Clone returns a deep copy of s that shares no memory with it.
func (s *RangeSet) Clone() RangeSet { return RangeSet{r: s.Ranges()} }

// Missing returns the number of ticks in s that are not in o (|s \ o|).
// o may be nil. It runs in O(len(s)+len(o)) without allocating.
func (s *RangeSet) Missing(o *RangeSet) uint64 {
	return s.Len() - s.intersectLen(o)
}

// intersectLen returns |s ∩ o|.
func (s *RangeSet) intersectLen(o *RangeSet) uint64 {
	sr, or := s.ranges(), o.ranges()
	var n uint64
	for i, j := 0, 0; i < len(sr) && j < len(or); {
		lo, hi := max(sr[i].Lo, or[j].Lo), min(sr[i].Hi, or[j].Hi)
		if lo <= hi {
			n += hi - lo + 1
		}
		if sr[i].Hi < or[j].Hi {
			i++
		} else {
			j++
		}
	}
	return n
}

// String formats s for logs and tests, e.g. "[1-10,12,14-20]"; a range of a
// single tick is written as that tick, and the empty set as "[]".
func (s *RangeSet) String() string {
	var b strings.Builder
	s.appendString(&b)
	return b.String()
}

// appendString writes the String form of s to b.
func (s *RangeSet) appendString(b *strings.Builder) {
	b.WriteByte('[')
	for i, r := range s.ranges() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(r.Lo, 10))
		if r.Hi != r.Lo {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(r.Hi, 10))
		}
	}
	b.WriteByte(']')
}
