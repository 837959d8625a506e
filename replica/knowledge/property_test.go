package knowledge

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var (
	seedFlag   = flag.Uint64("knowledge.seed", 0, "seed for property tests (0: random)")
	itersFlag  = flag.Int("knowledge.iters", 500, "iterations per property test")
	opsPerIter = 40
)

// newRand returns a seeded generator and logs the seed so failures can be
// replayed with -knowledge.seed.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay with -knowledge.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Ticks are drawn near 0 and near math.MaxUint64 so both ends, including
// overflow boundaries, are exercised while a naive map stays small.
const lowSpan, highSpan = 250, 40

// randTick returns a tick (sometimes 0, which is invalid) from the domain.
func randTick(rng *rand.Rand) uint64 {
	if rng.IntN(5) == 0 {
		return math.MaxUint64 - rng.Uint64N(highSpan)
	}
	return rng.Uint64N(lowSpan + 1)
}

// randRange returns lo, hi with hi-lo in [-2, 25], sometimes invalid.
func randRange(rng *rand.Rand) (lo, hi uint64) {
	lo = randTick(rng)
	span := rng.IntN(28) - 2
	switch {
	case span < 0:
		if lo < uint64(-span) {
			return lo, 0
		}
		return lo, lo - uint64(-span)
	case lo > math.MaxUint64-uint64(span):
		return lo, math.MaxUint64
	}
	return lo, lo + uint64(span)
}

// probes returns every tick of the domain plus the values around it.
func probes() []uint64 {
	var ps []uint64
	for t := range uint64(lowSpan + 30) {
		ps = append(ps, t)
	}
	for t := range uint64(highSpan + 30) {
		ps = append(ps, math.MaxUint64-t)
	}
	return ps
}

// model is a naive set of ticks.
type model map[uint64]bool

func (m model) add(t uint64) {
	if t != 0 {
		m[t] = true
	}
}

func (m model) addRange(lo, hi uint64) {
	if lo == 0 || lo > hi {
		return
	}
	for t := lo; ; t++ {
		m[t] = true
		if t == hi {
			return
		}
	}
}

func (m model) sorted() []uint64 {
	ts := make([]uint64, 0, len(m))
	for t := range m {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

func (m model) prefix() uint64 {
	var n uint64
	for m[n+1] {
		n++
	}
	return n
}

func (m model) missing(o model) uint64 {
	var n uint64
	for t := range m {
		if !o[t] {
			n++
		}
	}
	return n
}

// flatten lists the ticks of s in ascending order.
func flatten(s *RangeSet) []uint64 {
	var ts []uint64
	for _, r := range s.ranges() {
		for t := r.Lo; ; t++ {
			ts = append(ts, t)
			if t == r.Hi {
				break
			}
		}
	}
	return ts
}

// randSet builds a random set and its model.
func randSet(rng *rand.Rand) (*RangeSet, model) {
	s, m := &RangeSet{}, model{}
	for range rng.IntN(12) {
		if rng.IntN(2) == 0 {
			t := randTick(rng)
			s.Add(t)
			m.add(t)
		} else {
			lo, hi := randRange(rng)
			s.AddRange(lo, hi)
			m.addRange(lo, hi)
		}
	}
	return s, m
}

// compareSet checks every query of s against m.
func compareSet(t *testing.T, s *RangeSet, m model, ps []uint64) {
	t.Helper()
	checkInvariant(t, s)
	if got, want := flatten(s), m.sorted(); !slices.Equal(got, want) {
		t.Fatalf("set %v holds %v, model %v", s, got, want)
	}
	for _, p := range ps {
		if s.Contains(p) != m[p] {
			t.Fatalf("%v.Contains(%d) = %v, model %v", s, p, s.Contains(p), m[p])
		}
	}
	if got, want := s.Len(), uint64(len(m)); got != want {
		t.Fatalf("%v.Len() = %d, model %d", s, got, want)
	}
	var wantMax uint64
	if ts := m.sorted(); len(ts) > 0 {
		wantMax = ts[len(ts)-1]
	}
	if got := s.Max(); got != wantMax {
		t.Fatalf("%v.Max() = %d, model %d", s, got, wantMax)
	}
	if got, want := s.Prefix(), m.prefix(); got != want {
		t.Fatalf("%v.Prefix() = %d, model %d", s, got, want)
	}
	if s.Empty() != (len(m) == 0) {
		t.Fatalf("%v.Empty() = %v with %d ticks", s, s.Empty(), len(m))
	}
}

// rebuild constructs a set holding m's ticks one by one in random order.
func rebuild(rng *rand.Rand, m model) *RangeSet {
	ts := m.sorted()
	rng.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
	s := &RangeSet{}
	for _, t := range ts {
		s.Add(t)
	}
	return s
}

func TestRangeSetProperties(t *testing.T) {
	rng := newRand(t)
	ps := probes()
	for iter := range *itersFlag {
		s, m := &RangeSet{}, model{}
		for op := range 1 + rng.IntN(opsPerIter) {
			desc := ""
			switch rng.IntN(3) {
			case 0:
				tick := randTick(rng)
				desc = fmt.Sprintf("Add(%d)", tick)
				s.Add(tick)
				m.add(tick)
			case 1:
				lo, hi := randRange(rng)
				desc = fmt.Sprintf("AddRange(%d, %d)", lo, hi)
				s.AddRange(lo, hi)
				m.addRange(lo, hi)
			case 2:
				o, om := randSet(rng)
				desc = fmt.Sprintf("Union(%v)", o)
				if got, want := s.Missing(o), m.missing(om); got != want {
					t.Fatalf("iter %d op %d: %v.Missing(%v) = %d, model %d", iter, op, s, o, got, want)
				}
				if got, want := o.Missing(s), om.missing(m); got != want {
					t.Fatalf("iter %d op %d: %v.Missing(%v) = %d, model %d", iter, op, o, s, got, want)
				}
				if got, want := s.covers(o), om.missing(m) == 0; got != want {
					t.Fatalf("iter %d op %d: %v covers %v = %v, model %v", iter, op, s, o, got, want)
				}
				s.Union(o)
				for tick := range om {
					m.add(tick)
				}
				compareSet(t, o, om, ps) // Union must not change o
			}
			if err := invariantErr(s); err != nil {
				t.Fatalf("iter %d op %d %s: %v", iter, op, desc, err)
			}
			compareSet(t, s, m, ps)
		}
		r := rebuild(rng, m)
		if !s.Equal(r) || !r.Equal(s) {
			t.Fatalf("iter %d: %v not Equal to the same ticks added in random order: %v", iter, s, r)
		}
		if len(m) > 0 {
			r.Add(flipTick(rng, m, ps))
			if s.Equal(r) {
				t.Fatalf("iter %d: %v Equal to a different set %v", iter, s, r)
			}
		}
		c := s.Clone()
		if !c.Equal(s) {
			t.Fatalf("iter %d: clone %v != %v", iter, c.String(), s)
		}
	}
}

// flipTick returns a valid tick that is not in m, from the probes (which
// extend past every tick randRange can produce, so one always exists).
func flipTick(rng *rand.Rand, m model, ps []uint64) uint64 {
	start := rng.IntN(len(ps))
	for i := range ps {
		if t := ps[(start+i)%len(ps)]; t != 0 && !m[t] {
			return t
		}
	}
	panic("probes exhausted")
}

// kmodel is a naive knowledge.
type kmodel map[uint32]model

func (km kmodel) add(r uint32, t uint64) {
	if t == 0 {
		return
	}
	if km[r] == nil {
		km[r] = model{}
	}
	km[r].add(t)
}

func (km kmodel) addRange(r uint32, lo, hi uint64) {
	if lo == 0 || lo > hi {
		return
	}
	if km[r] == nil {
		km[r] = model{}
	}
	km[r].addRange(lo, hi)
}

func (km kmodel) merge(o kmodel) {
	for r, m := range o {
		for t := range m {
			km.add(r, t)
		}
	}
}

func (km kmodel) missing(o kmodel) uint64 {
	var n uint64
	for r, m := range km {
		n += m.missing(o[r])
	}
	return n
}

func (km kmodel) replicas() []uint32 {
	var rs []uint32
	for r := range km {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// testReplicas is the replica key domain, including both extremes.
var testReplicas = []uint32{0, 1, 2, 3, 7, 1000, math.MaxUint32}

func randReplica(rng *rand.Rand) uint32 { return testReplicas[rng.IntN(len(testReplicas))] }

// randKnowledge builds a random knowledge and its model.
func randKnowledge(rng *rand.Rand) (*Knowledge, kmodel) {
	k, km := New(), kmodel{}
	for range rng.IntN(15) {
		r := randReplica(rng)
		if rng.IntN(2) == 0 {
			t := randTick(rng)
			k.Add(r, t)
			km.add(r, t)
		} else {
			lo, hi := randRange(rng)
			k.AddRange(r, lo, hi)
			km.addRange(r, lo, hi)
		}
	}
	return k, km
}

// subsetOf returns a knowledge holding a random subset of km's versions.
func subsetOf(rng *rand.Rand, km kmodel) (*Knowledge, kmodel) {
	k, sub := New(), kmodel{}
	for r, m := range km {
		for t := range m {
			if rng.IntN(4) != 0 {
				k.Add(r, t)
				sub.add(r, t)
			}
		}
	}
	return k, sub
}

// compareKnowledge checks every query of k against km.
func compareKnowledge(t *testing.T, k *Knowledge, km kmodel, ps []uint64) {
	t.Helper()
	checkKnowledge(t, k)
	if got, want := k.Replicas(), km.replicas(); !slices.Equal(got, want) {
		t.Fatalf("%v.Replicas() = %v, model %v", k, got, want)
	}
	for _, r := range testReplicas {
		m := km[r]
		if got, want := k.Prefix(r), m.prefix(); got != want {
			t.Fatalf("%v.Prefix(%d) = %d, model %d", k, r, got, want)
		}
		if got, want := flatten(k.Set(r)), m.sorted(); !slices.Equal(got, want) {
			t.Fatalf("%v.Set(%d) holds %v, model %v", k, r, got, want)
		}
		for _, p := range ps {
			if k.Contains(r, p) != m[p] {
				t.Fatalf("%v.Contains(%d, %d) = %v, model %v", k, r, p, !m[p], m[p])
			}
		}
	}
}

// covered reports whether o ⊆ km in the model.
func (km kmodel) covers(o kmodel) bool { return o.missing(km) == 0 }

func TestKnowledgeProperties(t *testing.T) {
	rng := newRand(t)
	ps := probes()
	for iter := range *itersFlag {
		k, km := New(), kmodel{}
		for op := range 1 + rng.IntN(opsPerIter/2) {
			switch rng.IntN(4) {
			case 0:
				r, tick := randReplica(rng), randTick(rng)
				k.Add(r, tick)
				km.add(r, tick)
			case 1:
				r := randReplica(rng)
				lo, hi := randRange(rng)
				k.AddRange(r, lo, hi)
				km.addRange(r, lo, hi)
			case 2:
				o, om := randKnowledge(rng)
				checkRelations(t, iter, op, k, km, o, om)
				k.Merge(o)
				km.merge(om)
				compareKnowledge(t, o, om, ps)
			case 3:
				o, om := subsetOf(rng, km)
				if rng.IntN(2) == 0 {
					r, tick := randReplica(rng), randTick(rng)
					o.Add(r, tick)
					om.add(r, tick)
				}
				checkRelations(t, iter, op, k, km, o, om)
			}
			compareKnowledge(t, k, km, ps)
		}
		checkMap(t, rng, k, km, ps)
		checkEqual(t, rng, k, km)
	}
}

// checkRelations compares Covers, Missing and Equal of k and o, both ways,
// against their models.
func checkRelations(t *testing.T, iter, op int, k *Knowledge, km kmodel, o *Knowledge, om kmodel) {
	t.Helper()
	pairs := []struct {
		a, b   *Knowledge
		am, bm kmodel
	}{{k, o, km, om}, {o, k, om, km}}
	for _, p := range pairs {
		if got, want := p.a.Covers(p.b), p.am.covers(p.bm); got != want {
			t.Fatalf("iter %d op %d: %v.Covers(%v) = %v, model %v", iter, op, p.a, p.b, got, want)
		}
		if got, want := p.a.Missing(p.b), p.am.missing(p.bm); got != want {
			t.Fatalf("iter %d op %d: %v.Missing(%v) = %d, model %d", iter, op, p.a, p.b, got, want)
		}
		want := p.am.covers(p.bm) && p.bm.covers(p.am)
		if got := p.a.Equal(p.b); got != want {
			t.Fatalf("iter %d op %d: %v.Equal(%v) = %v, model %v", iter, op, p.a, p.b, got, want)
		}
	}
}

// checkMap renames k's replicas with a random, possibly colliding, mapping.
func checkMap(t *testing.T, rng *rand.Rand, k *Knowledge, km kmodel, ps []uint64) {
	t.Helper()
	to := map[uint32]uint32{}
	for _, r := range testReplicas {
		to[r] = randReplica(rng)
	}
	want := kmodel{}
	for r, m := range km {
		for tick := range m {
			want.add(to[r], tick)
		}
	}
	before := k.String()
	got, err := k.Map(func(r uint32) (uint32, bool) { v, ok := to[r]; return v, ok })
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	compareKnowledge(t, got, want, ps)
	if k.String() != before {
		t.Fatalf("Map changed its receiver from %s to %s", before, k)
	}
}

// checkEqual checks Equal and Clone against the same versions added in a
// different order.
func checkEqual(t *testing.T, rng *rand.Rand, k *Knowledge, km kmodel) {
	t.Helper()
	reps := km.replicas()
	rng.Shuffle(len(reps), func(i, j int) { reps[i], reps[j] = reps[j], reps[i] })
	other := New()
	for _, r := range reps {
		for _, x := range rebuild(rng, km[r]).Ranges() {
			other.AddRange(r, x.Lo, x.Hi)
		}
	}
	if !k.Equal(other) || !other.Equal(k) || !k.Clone().Equal(k) {
		t.Fatalf("%v not Equal to %v built independently", k, other)
	}
}

func TestEncodingRoundTripProperties(t *testing.T) {
	rng := newRand(t)
	for iter := range *itersFlag {
		k, _ := randKnowledge(rng)
		if rng.IntN(4) == 0 {
			o, _ := randKnowledge(rng)
			k.Merge(o)
		}
		b := k.AppendBinary(nil)
		m, err := k.MarshalBinary()
		if err != nil || !bytes.Equal(m, b) || cap(m) != len(m) {
			t.Fatalf("iter %d: MarshalBinary = % x, %v; AppendBinary = % x", iter, m, err, b)
		}
		p, err := Parse(b)
		if err != nil {
			t.Fatalf("iter %d: Parse(% x) of %v: %v", iter, b, k, err)
		}
		checkKnowledge(t, p)
		if !p.Equal(k) {
			t.Fatalf("iter %d: round trip of %v gave %v", iter, k, p)
		}
		if again := p.AppendBinary(nil); !bytes.Equal(again, b) {
			t.Fatalf("iter %d: re-encoding differs: % x vs % x", iter, again, b)
		}
		// Embedded in a frame, ParsePrefix finds the end exactly and Parse
		// refuses the trailing bytes.
		tail := []byte{byte(rng.IntN(256)), 0x00}
		framed := append(bytes.Clone(b), tail...)
		q, n, err := ParsePrefix(framed)
		if err != nil || n != len(b) || !q.Equal(k) {
			t.Fatalf("iter %d: ParsePrefix = %v, %d, %v; want %v, %d", iter, q, n, err, k, len(b))
		}
		if _, err := Parse(framed); err == nil {
			t.Fatalf("iter %d: Parse accepted trailing bytes % x", iter, framed)
		}
	}
}
