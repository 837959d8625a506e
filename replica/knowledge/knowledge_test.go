package knowledge

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestKnowledgeAddAndQueries(t *testing.T) {
	type version struct {
		r uint32
		t uint64
	}
	tests := []struct {
		name     string
		adds     []version
		ranges   map[uint32][]Range // added with AddRange after adds
		want     string
		replicas []uint32
		prefix   map[uint32]uint64
		has      []version
		hasNot   []version
	}{
		{
			name: "empty", want: "{}",
			prefix: map[uint32]uint64{0: 0, 1: 0},
			hasNot: []version{{0, 1}, {1, 1}},
		},
		{
			name: "tick zero is a no-op and creates no replica",
			adds: []version{{5, 0}}, want: "{}",
			hasNot: []version{{5, 0}, {5, 1}},
		},
		{
			name:   "invalid ranges create no replica",
			ranges: map[uint32][]Range{3: {{0, 4}}, 4: {{9, 8}}}, want: "{}",
		},
		{
			name: "sequential with exception",
			adds: []version{{1, 1}, {1, 2}, {1, 3}, {1, 5}, {2, 1}},
			want: "{1:[1-3,5] 2:[1]}", replicas: []uint32{1, 2},
			prefix: map[uint32]uint64{1: 3, 2: 1, 3: 0},
			has:    []version{{1, 1}, {1, 3}, {1, 5}, {2, 1}},
			hasNot: []version{{1, 4}, {1, 6}, {2, 2}, {3, 1}, {1, 0}},
		},
		{
			name:     "keys inserted out of order",
			adds:     []version{{9, 1}, {0, 2}, {4, 1}, {math.MaxUint32, 7}},
			want:     "{0:[2] 4:[1] 9:[1] 4294967295:[7]}",
			replicas: []uint32{0, 4, 9, math.MaxUint32},
			prefix:   map[uint32]uint64{0: 0, 4: 1, 9: 1, math.MaxUint32: 0},
			has:      []version{{0, 2}, {math.MaxUint32, 7}},
			hasNot:   []version{{0, 1}, {1, 1}, {math.MaxUint32, 6}},
		},
		{
			name:     "ranges merge with adds",
			adds:     []version{{1, 11}},
			ranges:   map[uint32][]Range{1: {{1, 10}, {12, 14}}, 2: {{1, 3}}},
			want:     "{1:[1-14] 2:[1-3]}",
			replicas: []uint32{1, 2},
			prefix:   map[uint32]uint64{1: 14, 2: 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := New()
			for _, v := range tc.adds {
				k.Add(v.r, v.t)
			}
			for r, rs := range tc.ranges {
				for _, x := range rs {
					k.AddRange(r, x.Lo, x.Hi)
				}
			}
			checkKnowledge(t, k)
			if got := k.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if got := k.Replicas(); !slices.Equal(got, tc.replicas) {
				t.Errorf("Replicas() = %v, want %v", got, tc.replicas)
			}
			for r, want := range tc.prefix {
				if got := k.Prefix(r); got != want {
					t.Errorf("Prefix(%d) = %d, want %d", r, got, want)
				}
			}
			for _, v := range tc.has {
				if !k.Contains(v.r, v.t) {
					t.Errorf("Contains(%d, %d) = false, want true", v.r, v.t)
				}
			}
			for _, v := range tc.hasNot {
				if k.Contains(v.r, v.t) {
					t.Errorf("Contains(%d, %d) = true, want false", v.r, v.t)
				}
			}
		})
	}
}

func TestKnowledgeSet(t *testing.T) {
	k := kn(map[uint32][]Range{2: {{1, 5}}, 7: {{3, 3}}})
	tests := []struct {
		name string
		r    uint32
		want string // "<nil>" for a nil set
	}{
		{"known", 2, "[1-5]"},
		{"other known", 7, "[3]"},
		{"unknown below", 1, "<nil>"},
		{"unknown between", 5, "<nil>"},
		{"unknown above", 8, "<nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := k.Set(tc.r)
			got := "<nil>"
			if s != nil {
				got = s.String()
			}
			if got != tc.want {
				t.Fatalf("Set(%d) = %s, want %s", tc.r, got, tc.want)
			}
		})
	}
	t.Run("view survives inserting other replicas", func(t *testing.T) {
		k := kn(map[uint32][]Range{5: {{1, 2}}})
		view := k.Set(5)
		for r := range uint32(20) {
			k.Add(r, 9)
		}
		if got := view.String(); got != "[1-2,9]" {
			t.Fatalf("view = %s, want [1-2,9]", got)
		}
		if k.Set(5) != view {
			t.Fatal("Set returned a different set for the same replica")
		}
	})
}

func TestKnowledgeReplicasIsCopy(t *testing.T) {
	k := kn(map[uint32][]Range{1: {{1, 1}}, 2: {{1, 1}}})
	got := k.Replicas()
	got[0] = 99
	if !slices.Equal(k.Replicas(), []uint32{1, 2}) {
		t.Fatalf("modifying Replicas() result changed k: %v", k.Replicas())
	}
}

func TestKnowledgeMerge(t *testing.T) {
	tests := []struct {
		name string
		a, b map[uint32][]Range
		want string
	}{
		{"empty into empty", nil, nil, "{}"},
		{"into empty", nil, map[uint32][]Range{1: {{1, 2}}}, "{1:[1-2]}"},
		{"empty into set", map[uint32][]Range{1: {{1, 2}}}, nil, "{1:[1-2]}"},
		{"same replicas", map[uint32][]Range{1: {{1, 2}}, 3: {{5, 5}}}, map[uint32][]Range{1: {{3, 4}}, 3: {{1, 1}}}, "{1:[1-4] 3:[1,5]}"},
		{"new replicas interleaved", map[uint32][]Range{2: {{1, 1}}, 4: {{1, 1}}}, map[uint32][]Range{1: {{2, 2}}, 3: {{3, 3}}, 4: {{2, 9}}, 5: {{4, 4}}}, "{1:[2] 2:[1] 3:[3] 4:[1-9] 5:[4]}"},
		{"subset", map[uint32][]Range{1: {{1, 10}}}, map[uint32][]Range{1: {{2, 3}}}, "{1:[1-10]}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := kn(tc.a), kn(tc.b)
			before := b.String()
			a.Merge(b)
			checkKnowledge(t, a)
			if got := a.String(); got != tc.want {
				t.Fatalf("Merge = %s, want %s", got, tc.want)
			}
			if b.String() != before {
				t.Fatalf("Merge modified its argument: %s, was %s", b, before)
			}
			// a must not share memory with b.
			for _, r := range b.Replicas() {
				b.AddRange(r, 1000, 2000)
			}
			if got := a.String(); got != tc.want {
				t.Fatalf("changing the argument after Merge changed the result to %s", got)
			}
		})
	}
	t.Run("nil and self", func(t *testing.T) {
		a := kn(map[uint32][]Range{1: {{1, 2}}})
		a.Merge(nil)
		a.Merge(a)
		if got := a.String(); got != "{1:[1-2]}" {
			t.Fatalf("got %s", got)
		}
	})
}

func TestKnowledgeClone(t *testing.T) {
	tests := []struct {
		name string
		m    map[uint32][]Range
	}{
		{"empty", nil},
		{"one", map[uint32][]Range{1: {{1, 4}}}},
		{"several", map[uint32][]Range{0: {{1, 4}, {6, 6}}, 2: {{1, 1}}, 9: {{3, 8}, {10, 10}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := kn(tc.m)
			want := k.String()
			c := k.Clone()
			checkKnowledge(t, c)
			if !c.Equal(k) || c.String() != want {
				t.Fatalf("Clone() = %s, want %s", c, want)
			}
			// Grow every set of the clone; sets carved from one backing
			// array must not overwrite each other or the original.
			grow := func(k *Knowledge) {
				for _, r := range k.Replicas() {
					k.Add(r, 7)
					k.AddRange(r, 100, 200)
				}
				k.Add(5, 1)
			}
			grow(c)
			expect := kn(tc.m)
			grow(expect)
			checkKnowledge(t, c)
			if got := k.String(); got != want {
				t.Fatalf("changing the clone changed the original to %s", got)
			}
			if c.String() != expect.String() {
				t.Fatalf("grown clone = %s, want %s", c, expect)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		var k *Knowledge
		c := k.Clone()
		c.Add(1, 1) // must be usable
		if c.String() != "{1:[1]}" {
			t.Fatalf("got %s", c)
		}
	})
}

func TestKnowledgeEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b map[uint32][]Range
		want bool
	}{
		{"both empty", nil, nil, true},
		{"empty vs invalid-only adds", nil, map[uint32][]Range{1: {{0, 3}}}, true},
		{"same", map[uint32][]Range{1: {{1, 2}}, 2: {{4, 4}}}, map[uint32][]Range{2: {{4, 4}}, 1: {{1, 1}, {2, 2}}}, true},
		{"extra replica", map[uint32][]Range{1: {{1, 2}}}, map[uint32][]Range{1: {{1, 2}}, 2: {{1, 1}}}, false},
		{"different replica", map[uint32][]Range{1: {{1, 2}}}, map[uint32][]Range{2: {{1, 2}}}, false},
		{"different ticks", map[uint32][]Range{1: {{1, 2}}}, map[uint32][]Range{1: {{1, 3}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := kn(tc.a), kn(tc.b)
			if got := a.Equal(b); got != tc.want {
				t.Fatalf("%s.Equal(%s) = %v, want %v", a, b, got, tc.want)
			}
			if got := b.Equal(a); got != tc.want {
				t.Fatalf("%s.Equal(%s) = %v, want %v", b, a, got, tc.want)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		var n *Knowledge
		if !n.Equal(New()) || !New().Equal(n) || n.Equal(kn(map[uint32][]Range{1: {{1, 1}}})) {
			t.Fatal("nil must equal exactly the empty knowledge")
		}
	})
}

func TestKnowledgeCoversAndMissing(t *testing.T) {
	tests := []struct {
		name    string
		a, b    map[uint32][]Range
		covers  bool   // a ⊇ b
		missing uint64 // |a \ b|
	}{
		{"both empty", nil, nil, true, 0},
		{"empty covers nothing else", nil, map[uint32][]Range{1: {{1, 1}}}, false, 0},
		{"covers empty", map[uint32][]Range{1: {{1, 3}}}, nil, true, 3},
		{"equal", map[uint32][]Range{1: {{1, 3}}}, map[uint32][]Range{1: {{1, 3}}}, true, 0},
		{"strict superset", map[uint32][]Range{1: {{1, 5}}, 2: {{1, 1}}}, map[uint32][]Range{1: {{2, 3}}}, true, 4},
		{"missing replica", map[uint32][]Range{1: {{1, 5}}}, map[uint32][]Range{1: {{1, 5}}, 2: {{1, 1}}}, false, 0},
		{"range straddles a hole", map[uint32][]Range{1: {{1, 3}, {5, 9}}}, map[uint32][]Range{1: {{3, 5}}}, false, 6},
		{"disjoint", map[uint32][]Range{1: {{1, 3}}}, map[uint32][]Range{2: {{1, 3}}}, false, 3},
		{"saturates", map[uint32][]Range{1: {{1, math.MaxUint64}}, 2: {{1, 2}}}, nil, true, math.MaxUint64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := kn(tc.a), kn(tc.b)
			if got := a.Covers(b); got != tc.covers {
				t.Errorf("%s.Covers(%s) = %v, want %v", a, b, got, tc.covers)
			}
			if got := a.Missing(b); got != tc.missing {
				t.Errorf("%s.Missing(%s) = %d, want %d", a, b, got, tc.missing)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		var n *Knowledge
		k := kn(map[uint32][]Range{1: {{1, 2}}})
		if !k.Covers(n) || n.Covers(k) || !n.Covers(nil) || k.Missing(n) != 2 || n.Missing(k) != 0 {
			t.Fatal("nil must behave as the empty knowledge")
		}
	})
}

func TestKnowledgeMap(t *testing.T) {
	base := map[uint32][]Range{1: {{1, 3}}, 2: {{5, 6}}, 3: {{4, 4}, {9, 9}}}
	tests := []struct {
		name    string
		f       func(uint32) (uint32, bool)
		want    string
		wantErr bool
	}{
		{"identity", func(r uint32) (uint32, bool) { return r, true }, "{1:[1-3] 2:[5-6] 3:[4,9]}", false},
		{"shift", func(r uint32) (uint32, bool) { return r + 10, true }, "{11:[1-3] 12:[5-6] 13:[4,9]}", false},
		{"reverse order", func(r uint32) (uint32, bool) { return 10 - r, true }, "{7:[4,9] 8:[5-6] 9:[1-3]}", false},
		{"collapse unions", func(uint32) (uint32, bool) { return 0, true }, "{0:[1-6,9]}", false},
		{"partial collapse", func(r uint32) (uint32, bool) { return r / 2, true }, "{0:[1-3] 1:[4-6,9]}", false},
		{"unmapped", func(r uint32) (uint32, bool) { return r, r != 2 }, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := kn(base)
			before := k.String()
			got, err := k.Map(tc.f)
			if tc.wantErr {
				if !errors.Is(err, ErrUnmapped) || got != nil {
					t.Fatalf("Map = %v, %v; want nil, ErrUnmapped", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Map: %v", err)
			}
			checkKnowledge(t, got)
			if got.String() != tc.want {
				t.Fatalf("Map = %s, want %s", got, tc.want)
			}
			for _, r := range got.Replicas() {
				got.AddRange(r, 100, 200)
			}
			if k.String() != before {
				t.Fatalf("Map result shares memory with k: k is now %s", k)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		var n *Knowledge
		got, err := n.Map(func(uint32) (uint32, bool) { return 0, false })
		if err != nil || got.String() != "{}" {
			t.Fatalf("nil.Map = %v, %v", got, err)
		}
	})
}
