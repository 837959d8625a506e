package knowledge

import (
	"math"
	"slices"
	"testing"
)

const maxTick = math.MaxUint64

func TestRangeSetAdd(t *testing.T) {
	tests := []struct {
		name string
		init []Range
		add  uint64
		want []Range
	}{
		{"first tick", nil, 1, []Range{{1, 1}}},
		{"first tick not 1", nil, 7, []Range{{7, 7}}},
		{"zero on empty is no-op", nil, 0, nil},
		{"zero is no-op", []Range{{1, 3}}, 0, []Range{{1, 3}}},
		{"extend last", []Range{{1, 3}}, 4, []Range{{1, 4}}},
		{"append after gap", []Range{{1, 3}}, 5, []Range{{1, 3}, {5, 5}}},
		{"already inside", []Range{{1, 3}}, 2, []Range{{1, 3}}},
		{"already at lo", []Range{{2, 3}}, 2, []Range{{2, 3}}},
		{"extend first down", []Range{{5, 7}}, 4, []Range{{4, 7}}},
		{"prepend after gap", []Range{{5, 7}}, 2, []Range{{2, 2}, {5, 7}}},
		{"fill single hole", []Range{{1, 3}, {5, 7}}, 4, []Range{{1, 7}}},
		{"extend middle up", []Range{{1, 3}, {6, 7}, {10, 12}}, 4, []Range{{1, 4}, {6, 7}, {10, 12}}},
		{"extend middle down", []Range{{1, 3}, {6, 7}, {10, 12}}, 5, []Range{{1, 3}, {5, 7}, {10, 12}}},
		{"insert in middle", []Range{{1, 3}, {10, 12}}, 6, []Range{{1, 3}, {6, 6}, {10, 12}}},
		{"max tick after gap", []Range{{1, 3}}, maxTick, []Range{{1, 3}, {maxTick, maxTick}}},
		{"max tick adjacent", []Range{{maxTick - 1, maxTick - 1}}, maxTick, []Range{{maxTick - 1, maxTick}}},
		{"max tick present", []Range{{maxTick - 1, maxTick}}, maxTick, []Range{{maxTick - 1, maxTick}}},
		{"below max tick range", []Range{{maxTick, maxTick}}, maxTick - 1, []Range{{maxTick - 1, maxTick}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := lit(t, tc.init...)
			s.Add(tc.add)
			checkInvariant(t, s)
			if got := s.Ranges(); !slices.Equal(got, tc.want) {
				t.Fatalf("Add(%d) to %v = %v, want %v", tc.add, tc.init, got, tc.want)
			}
		})
	}
}

func TestRangeSetAddRange(t *testing.T) {
	tests := []struct {
		name   string
		init   []Range
		lo, hi uint64
		want   []Range
	}{
		{"lo > hi is no-op", []Range{{1, 3}}, 6, 5, []Range{{1, 3}}},
		{"lo 0 is no-op", []Range{{5, 6}}, 0, 3, []Range{{5, 6}}},
		{"0..0 is no-op", nil, 0, 0, nil},
		{"into empty", nil, 3, 9, []Range{{3, 9}}},
		{"single tick", nil, 4, 4, []Range{{4, 4}}},
		{"append adjacent", []Range{{1, 3}}, 4, 8, []Range{{1, 8}}},
		{"append after gap", []Range{{1, 3}}, 5, 8, []Range{{1, 3}, {5, 8}}},
		{"append overlapping tail", []Range{{1, 3}}, 2, 8, []Range{{1, 8}}},
		{"prepend after gap", []Range{{10, 20}}, 1, 5, []Range{{1, 5}, {10, 20}}},
		{"prepend adjacent", []Range{{10, 20}}, 1, 9, []Range{{1, 20}}},
		{"inside existing", []Range{{1, 20}}, 5, 6, []Range{{1, 20}}},
		{"equal to existing", []Range{{1, 3}, {5, 6}}, 5, 6, []Range{{1, 3}, {5, 6}}},
		{"covers everything", []Range{{2, 3}, {5, 6}, {8, 9}}, 1, 10, []Range{{1, 10}}},
		{"bridges touching both sides", []Range{{2, 3}, {5, 6}, {8, 9}}, 4, 7, []Range{{2, 9}}},
		{"fills gap exactly", []Range{{1, 3}, {7, 9}}, 4, 6, []Range{{1, 9}}},
		{"inserted between, not touching", []Range{{1, 3}, {9, 9}}, 5, 7, []Range{{1, 3}, {5, 7}, {9, 9}}},
		{"extends one range on the left", []Range{{1, 1}, {5, 8}, {20, 30}}, 3, 6, []Range{{1, 1}, {3, 8}, {20, 30}}},
		{"extends one range on the right", []Range{{1, 1}, {5, 8}, {20, 30}}, 7, 12, []Range{{1, 1}, {5, 12}, {20, 30}}},
		{"merges two of three", []Range{{1, 1}, {5, 8}, {20, 30}}, 7, 19, []Range{{1, 1}, {5, 30}}},
		{"up to max tick", []Range{{1, 3}}, 10, maxTick, []Range{{1, 3}, {10, maxTick}}},
		{"up to max tick merging", []Range{{1, 2}, {10, 20}}, 15, maxTick, []Range{{1, 2}, {10, maxTick}}},
		{"before range ending at max", []Range{{5, maxTick}}, 1, 4, []Range{{1, maxTick}}},
		{"everything", []Range{{3, 3}, {9, 10}}, 1, maxTick, []Range{{1, maxTick}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := lit(t, tc.init...)
			s.AddRange(tc.lo, tc.hi)
			checkInvariant(t, s)
			if got := s.Ranges(); !slices.Equal(got, tc.want) {
				t.Fatalf("AddRange(%d, %d) to %v = %v, want %v", tc.lo, tc.hi, tc.init, got, tc.want)
			}
		})
	}
}

func TestRangeSetUnion(t *testing.T) {
	tests := []struct {
		name string
		a, b []Range
		want []Range
	}{
		{"empty with empty", nil, nil, nil},
		{"empty with set", nil, []Range{{1, 2}, {4, 4}}, []Range{{1, 2}, {4, 4}}},
		{"set with empty", []Range{{1, 2}}, nil, []Range{{1, 2}}},
		{"disjoint after", []Range{{1, 2}}, []Range{{5, 6}, {9, 9}}, []Range{{1, 2}, {5, 6}, {9, 9}}},
		{"adjacent after", []Range{{1, 2}}, []Range{{3, 6}, {9, 9}}, []Range{{1, 6}, {9, 9}}},
		{"disjoint before", []Range{{10, 12}}, []Range{{1, 2}, {5, 6}}, []Range{{1, 2}, {5, 6}, {10, 12}}},
		{"interleaved", []Range{{1, 1}, {5, 5}, {9, 9}}, []Range{{3, 3}, {7, 7}}, []Range{{1, 1}, {3, 3}, {5, 5}, {7, 7}, {9, 9}}},
		{"interleaved touching", []Range{{1, 1}, {3, 3}, {5, 5}}, []Range{{2, 2}, {4, 4}}, []Range{{1, 5}}},
		{"subset", []Range{{1, 10}, {20, 30}}, []Range{{2, 3}, {25, 30}}, []Range{{1, 10}, {20, 30}}},
		{"superset", []Range{{2, 3}, {25, 30}}, []Range{{1, 10}, {20, 30}}, []Range{{1, 10}, {20, 30}}},
		{"overlapping spans", []Range{{1, 5}, {10, 15}}, []Range{{4, 11}, {20, 20}}, []Range{{1, 15}, {20, 20}}},
		{"up to max tick", []Range{{1, 5}}, []Range{{3, maxTick}}, []Range{{1, maxTick}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := lit(t, tc.a...), lit(t, tc.b...)
			a.Union(b)
			checkInvariant(t, a)
			if got := a.Ranges(); !slices.Equal(got, tc.want) {
				t.Fatalf("%v ∪ %v = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := b.Ranges(); !slices.Equal(got, tc.b) {
				t.Fatalf("Union modified its argument: %v, want %v", got, tc.b)
			}
		})
	}
	t.Run("nil argument", func(t *testing.T) {
		a := lit(t, Range{1, 2})
		a.Union(nil)
		if got := a.Ranges(); !slices.Equal(got, []Range{{1, 2}}) {
			t.Fatalf("Union(nil) = %v", got)
		}
	})
	t.Run("self", func(t *testing.T) {
		a := lit(t, Range{1, 2}, Range{5, 5})
		a.Union(a)
		if got := a.Ranges(); !slices.Equal(got, []Range{{1, 2}, {5, 5}}) {
			t.Fatalf("Union(self) = %v", got)
		}
	})
	t.Run("no aliasing after append fast path", func(t *testing.T) {
		a, b := lit(t, Range{1, 2}), lit(t, Range{5, 6})
		a.Union(b)
		b.Add(7)
		if got := a.Ranges(); !slices.Equal(got, []Range{{1, 2}, {5, 6}}) {
			t.Fatalf("a changed through b: %v", got)
		}
	})
}

func TestRangeSetContains(t *testing.T) {
	s := []Range{{1, 3}, {7, 7}, {10, 20}, {maxTick - 1, maxTick}}
	tests := []struct {
		name string
		rs   []Range
		t    uint64
		want bool
	}{
		{"empty", nil, 1, false},
		{"zero", s, 0, false},
		{"first lo", s, 1, true},
		{"first hi", s, 3, true},
		{"gap after first", s, 4, false},
		{"single", s, 7, true},
		{"gap before single", s, 6, false},
		{"gap after single", s, 8, false},
		{"middle of range", s, 15, true},
		{"after third", s, 21, false},
		{"max tick", s, maxTick, true},
		{"below last", s, maxTick - 2, false},
		{"before first", []Range{{5, 9}}, 4, false},
		{"after last", []Range{{5, 9}}, 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lit(t, tc.rs...).Contains(tc.t); got != tc.want {
				t.Fatalf("%v.Contains(%d) = %v, want %v", tc.rs, tc.t, got, tc.want)
			}
		})
	}
	t.Run("nil set", func(t *testing.T) {
		var s *RangeSet
		if s.Contains(1) {
			t.Fatal("nil set contains 1")
		}
	})
}

func TestRangeSetQueries(t *testing.T) {
	tests := []struct {
		name   string
		rs     []Range
		prefix uint64
		length uint64
		max    uint64
		empty  bool
		str    string
	}{
		{"empty", nil, 0, 0, 0, true, "[]"},
		{"single tick one", []Range{{1, 1}}, 1, 1, 1, false, "[1]"},
		{"prefix only", []Range{{1, 10}}, 10, 10, 10, false, "[1-10]"},
		{"no prefix", []Range{{2, 10}}, 0, 9, 10, false, "[2-10]"},
		{"prefix and exceptions", []Range{{1, 10}, {12, 12}, {14, 20}}, 10, 18, 20, false, "[1-10,12,14-20]"},
		{"exceptions only", []Range{{3, 4}, {9, 9}}, 0, 3, 9, false, "[3-4,9]"},
		{"everything", []Range{{1, maxTick}}, maxTick, maxTick, maxTick, false, "[1-18446744073709551615]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := lit(t, tc.rs...)
			if got := s.Prefix(); got != tc.prefix {
				t.Errorf("Prefix() = %d, want %d", got, tc.prefix)
			}
			if got := s.Len(); got != tc.length {
				t.Errorf("Len() = %d, want %d", got, tc.length)
			}
			if got := s.Max(); got != tc.max {
				t.Errorf("Max() = %d, want %d", got, tc.max)
			}
			if got := s.Empty(); got != tc.empty {
				t.Errorf("Empty() = %v, want %v", got, tc.empty)
			}
			if got := s.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := s.Ranges(); !slices.Equal(got, tc.rs) {
				t.Errorf("Ranges() = %v, want %v", got, tc.rs)
			}
		})
	}
	t.Run("nil set", func(t *testing.T) {
		var s *RangeSet
		if s.Prefix() != 0 || s.Len() != 0 || s.Max() != 0 || !s.Empty() || s.Ranges() != nil || s.String() != "[]" {
			t.Fatalf("nil set is not empty: prefix %d len %d max %d empty %v ranges %v string %q",
				s.Prefix(), s.Len(), s.Max(), s.Empty(), s.Ranges(), s.String())
		}
	})
}

func TestRangeSetRangesIsCopy(t *testing.T) {
	s := lit(t, Range{1, 3}, Range{5, 5})
	got := s.Ranges()
	got[0].Hi = 100
	if s.Contains(50) {
		t.Fatal("modifying Ranges() result changed the set")
	}
}

func TestRangeSetEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b []Range
		want bool
	}{
		{"both empty", nil, nil, true},
		{"empty and not", nil, []Range{{1, 1}}, false},
		{"same", []Range{{1, 3}, {5, 5}}, []Range{{1, 3}, {5, 5}}, true},
		{"different hi", []Range{{1, 3}}, []Range{{1, 4}}, false},
		{"different lo", []Range{{1, 3}}, []Range{{2, 3}}, false},
		{"extra range", []Range{{1, 3}}, []Range{{1, 3}, {9, 9}}, false},
		{"same size different ticks", []Range{{1, 3}}, []Range{{4, 6}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := lit(t, tc.a...), lit(t, tc.b...)
			if got := a.Equal(b); got != tc.want {
				t.Fatalf("%v.Equal(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := b.Equal(a); got != tc.want {
				t.Fatalf("%v.Equal(%v) = %v, want %v", tc.b, tc.a, got, tc.want)
			}
		})
	}
	t.Run("nil equals empty", func(t *testing.T) {
		var n *RangeSet
		if !n.Equal(&RangeSet{}) || !(&RangeSet{}).Equal(n) || n.Equal(lit(t, Range{1, 1})) {
			t.Fatal("nil set must equal exactly the empty set")
		}
	})
}

func TestRangeSetClone(t *testing.T) {
	tests := []struct {
		name string
		rs   []Range
	}{
		{"empty", nil},
		{"one range", []Range{{1, 5}}},
		{"several", []Range{{1, 5}, {7, 7}, {100, 200}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := lit(t, tc.rs...)
			c := s.Clone()
			if !c.Equal(s) {
				t.Fatalf("Clone() = %v, want %v", c.String(), s)
			}
			c.Add(6)
			c.AddRange(1000, 2000)
			if got := s.Ranges(); !slices.Equal(got, tc.rs) {
				t.Fatalf("modifying the clone changed the original to %v", got)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		var s *RangeSet
		if c := s.Clone(); !c.Empty() {
			t.Fatalf("clone of nil = %v", c.String())
		}
	})
}

func TestRangeSetMissing(t *testing.T) {
	tests := []struct {
		name string
		a, b []Range
		want uint64
	}{
		{"both empty", nil, nil, 0},
		{"against empty", []Range{{1, 10}, {20, 20}}, nil, 11},
		{"empty against set", nil, []Range{{1, 10}}, 0},
		{"equal", []Range{{1, 10}}, []Range{{1, 10}}, 0},
		{"subset", []Range{{2, 3}}, []Range{{1, 10}}, 0},
		{"superset", []Range{{1, 10}}, []Range{{2, 3}}, 8},
		{"disjoint", []Range{{1, 3}}, []Range{{5, 9}}, 3},
		{"partial overlap", []Range{{1, 10}}, []Range{{5, 15}}, 4},
		{"holes", []Range{{1, 20}}, []Range{{1, 2}, {5, 5}, {10, 19}}, 7},
		{"many against one", []Range{{1, 2}, {4, 6}, {8, 9}}, []Range{{2, 8}}, 2},
		{"huge", []Range{{1, maxTick}}, []Range{{2, maxTick}}, 1},
		{"huge against empty", []Range{{1, maxTick}}, nil, maxTick},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lit(t, tc.a...).Missing(lit(t, tc.b...)); got != tc.want {
				t.Fatalf("%v.Missing(%v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
	t.Run("nil argument", func(t *testing.T) {
		if got := lit(t, Range{3, 4}).Missing(nil); got != 2 {
			t.Fatalf("Missing(nil) = %d, want 2", got)
		}
	})
}

func TestRangeSetAddSequentialDoesNotAllocate(t *testing.T) {
	s := &RangeSet{}
	s.Add(1)
	next := uint64(2)
	allocs := testing.AllocsPerRun(1000, func() {
		s.Add(next)
		next++
	})
	if allocs != 0 {
		t.Fatalf("sequential Add allocates %v times per call", allocs)
	}
	if got := s.Ranges(); !slices.Equal(got, []Range{{1, next - 1}}) {
		t.Fatalf("after sequential adds: %v", got)
	}
}
