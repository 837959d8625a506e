package knowledge

import (
	"encoding"
	"fmt"
	"testing"
)

// checkInvariant fails t unless s is valid: every range has 1 <= Lo <= Hi
// and consecutive ranges are sorted, disjoint and non-adjacent.
func checkInvariant(t testing.TB, s *RangeSet) {
	t.Helper()
	if err := invariantErr(s); err != nil {
		t.Fatalf("invariant broken: %v", err)
	}
}

// invariantErr describes the first invariant violation of s, or returns nil.
func invariantErr(s *RangeSet) error {
	rs := s.ranges()
	for i, r := range rs {
		if r.Lo == 0 || r.Lo > r.Hi {
			return fmt.Errorf("range %d %+v invalid in %v", i, r, rs)
		}
		if i > 0 && rs[i-1].Hi >= r.Lo-1 {
			return fmt.Errorf("ranges %d and %d overlap or touch in %v", i-1, i, rs)
		}
	}
	return nil
}

// checkKnowledge fails t unless k is valid: keys strictly ascending, one
// non-nil, non-empty, valid set per key.
func checkKnowledge(t testing.TB, k *Knowledge) {
	t.Helper()
	if err := knowledgeErr(k); err != nil {
		t.Fatalf("knowledge invariant broken: %v", err)
	}
}

// knowledgeErr describes the first invariant violation of k, or returns nil.
func knowledgeErr(k *Knowledge) error {
	if len(k.keys) != len(k.sets) {
		return fmt.Errorf("%d keys but %d sets", len(k.keys), len(k.sets))
	}
	for i, key := range k.keys {
		if i > 0 && k.keys[i-1] >= key {
			return fmt.Errorf("keys not strictly ascending: %v", k.keys)
		}
		s := k.sets[i]
		if s == nil || s.Empty() {
			return fmt.Errorf("replica %d has an empty set", key)
		}
		if err := invariantErr(s); err != nil {
			return fmt.Errorf("replica %d: %w", key, err)
		}
	}
	return nil
}

// set builds a RangeSet by adding the given ranges in order.
func set(rs ...Range) *RangeSet {
	s := &RangeSet{}
	for _, r := range rs {
		s.AddRange(r.Lo, r.Hi)
	}
	return s
}

// kn builds a Knowledge by adding the given ranges per replica.
func kn(m map[uint32][]Range) *Knowledge {
	k := New()
	for r, rs := range m {
		for _, x := range rs {
			k.AddRange(r, x.Lo, x.Hi)
		}
	}
	return k
}

// rg is shorthand for Range{lo, hi}.
func rg(lo, hi uint64) Range { return Range{lo, hi} }

// lit returns a RangeSet holding exactly rs, which must already be valid; it
// lets tests set up state without going through the code under test.
func lit(t testing.TB, rs ...Range) *RangeSet {
	t.Helper()
	s := &RangeSet{r: append([]Range(nil), rs...)}
	checkInvariant(t, s)
	return s
}

// Compile-time interface checks.
var (
	_ encoding.BinaryMarshaler = (*Knowledge)(nil)
	_ fmt.Stringer             = (*Knowledge)(nil)
	_ fmt.Stringer             = (*RangeSet)(nil)
)
