package knowledge

import (
	"math/rand/v2"
	"testing"
)

var sinkBool bool

func BenchmarkAddSequential(b *testing.B) {
	b.ReportAllocs()
	s := &RangeSet{}
	for i := range b.N {
		s.Add(uint64(i) + 1)
	}
	if s.Len() != uint64(b.N) {
		b.Fatalf("Len = %d, want %d", s.Len(), b.N)
	}
}

func BenchmarkKnowledgeAddSequential(b *testing.B) {
	for _, replicas := range []int{1, 10, 100} {
		b.Run(itoa(replicas)+"replicas", func(b *testing.B) {
			b.ReportAllocs()
			k := New()
			for i := range b.N {
				k.Add(uint32(i%replicas), uint64(i/replicas)+1)
			}
		})
	}
}

// sparseSet returns a set of n single-tick ranges 2, 4, 6, ...
func sparseSet(n int) *RangeSet {
	s := &RangeSet{}
	for i := range n {
		s.Add(uint64(2*i + 2))
	}
	return s
}

func BenchmarkContains(b *testing.B) {
	s := sparseSet(1000)
	rng := rand.New(rand.NewPCG(1, 2))
	probes := make([]uint64, 4096)
	for i := range probes {
		probes[i] = rng.Uint64N(2100)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		sinkBool = s.Contains(probes[i&4095])
	}
}

func BenchmarkKnowledgeContains(b *testing.B) {
	for _, replicas := range []int{3, 10, 100} {
		b.Run(itoa(replicas)+"replicas", func(b *testing.B) {
			k := New()
			for r := range replicas {
				k.AddRange(uint32(r*7), 1, 1000)
				k.AddRange(uint32(r*7), 1002, 1010)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			type v struct {
				r uint32
				t uint64
			}
			probes := make([]v, 4096)
			for i := range probes {
				probes[i] = v{uint32(rng.IntN(replicas) * 7), rng.Uint64N(1100)}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p := probes[i&4095]
				sinkBool = k.Contains(p.r, p.t)
			}
		})
	}
}

// bench100 returns a knowledge of 100 replicas, each with a prefix and a
// few exception ranges, like a replica after a partial sync.
func bench100() *Knowledge {
	rng := rand.New(rand.NewPCG(3, 4))
	k := New()
	for r := range uint32(100) {
		key := r*3 + 1
		k.AddRange(key, 1, 1000+rng.Uint64N(100000))
		next := k.Prefix(key) + 2
		for range 4 {
			lo := next + rng.Uint64N(50)
			hi := lo + rng.Uint64N(300)
			k.AddRange(key, lo, hi)
			next = hi + 2
		}
	}
	return k
}

func BenchmarkAppend(b *testing.B) {
	k := bench100()
	buf := k.AppendBinary(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = k.AppendBinary(buf[:0])
	}
}

func BenchmarkMarshalBinary(b *testing.B) {
	k := bench100()
	b.ReportAllocs()
	for range b.N {
		if _, err := k.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	buf := bench100().AppendBinary(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Parse(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMerge(b *testing.B) {
	a, o := bench100(), bench100()
	o.Add(1, o.Set(1).Max()+5)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		k := a.Clone()
		k.Merge(o)
	}
}

func BenchmarkClone(b *testing.B) {
	k := bench100()
	b.ReportAllocs()
	for range b.N {
		_ = k.Clone()
	}
}

// itoa formats small non-negative ints for sub-benchmark names.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
