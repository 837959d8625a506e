package knowledge

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// ErrUnmapped is returned, wrapped, by [Knowledge.Map] when the mapping
// function has no mapping for a replica key.
var ErrUnmapped = errors.New("unmapped replica key")

// Knowledge is the set of versions (replica key, tick) a replica has seen:
// one non-empty [RangeSet] per known replica key. The zero value is an empty
// knowledge ready to use.
//
// Read-only methods accept a nil receiver and treat it as empty; mutating
// methods (Add, AddRange, Merge) need a non-nil receiver.
type Knowledge struct {
	// keys is sorted ascending without duplicates; sets[i] is the set of
	// keys[i]. Sets are never empty and are individually allocated (or
	// carved from a private backing array), so a *RangeSet handed out by Set
	// stays attached to its replica when other replicas are inserted.
	keys []uint32
	sets []*RangeSet
}

// New returns an empty knowledge.
func New() *Knowledge { return &Knowledge{} }

// find returns the index of replica r in k.keys, or the index where it would
// be inserted and false. Like searchHi it is branchless; measured against a
// map[uint32]*RangeSet it is as fast for up to ~100 replicas on random
// lookups, and it keeps replicas ordered for encoding and merging.
func (k *Knowledge) find(r uint32) (int, bool) {
	keys := k.keys
	n := len(keys)
	if n == 0 {
		return 0, false
	}
	base := 0
	for n > 1 {
		half := n >> 1
		_, less := bits.Sub64(uint64(keys[base+half]), uint64(r), 0) // 1 iff key < r
		base += half & -int(less)
		n -= half
	}
	_, less := bits.Sub64(uint64(keys[base]), uint64(r), 0)
	base += int(less)
	return base, base < len(keys) && keys[base] == r
}

// setFor returns the set of replica r, creating it if needed. The caller
// must make it non-empty before returning to its own caller.
func (k *Knowledge) setFor(r uint32) *RangeSet {
	i, ok := k.find(r)
	if ok {
		return k.sets[i]
	}
	s := &RangeSet{}
	k.keys = slices.Insert(k.keys, i, r)
	k.sets = slices.Insert(k.sets, i, s)
	return s
}

// Add adds version (r, t) to k. Tick 0 is invalid and Add(r, 0) is a no-op.
// Adding the ticks of a replica in increasing order is O(1) amortized after
// an O(log replicas) lookup.
func (k *Knowledge) Add(r uint32, t uint64) {
	if t == 0 {
		return
	}
	k.setFor(r).Add(t)
}

// AddRange adds versions (r, lo..hi) to k. Like [RangeSet.AddRange], it is a
// no-op if lo > hi or lo == 0.
func (k *Knowledge) AddRange(r uint32, lo, hi uint64) {
	if lo == 0 || lo > hi {
		return
	}
	k.setFor(r).AddRange(lo, hi)
}

// Contains reports whether version (r, t) is in k.
func (k *Knowledge) Contains(r uint32, t uint64) bool { return k.Set(r).Contains(t) }

// Prefix returns the version-vector entry of replica r: the largest n such
// that (r, 1..n) are all in k, or 0.
func (k *Knowledge) Prefix(r uint32) uint64 { return k.Set(r).Prefix() }

// Set returns the set of ticks of replica r, or nil if k holds no version of
// r (a nil *RangeSet reads as empty). The result is a read-only view owned by
// k: it reflects later changes to k, and callers must not modify it (use
// Clone for a private copy).
func (k *Knowledge) Set(r uint32) *RangeSet {
	if k == nil {
		return nil
	}
	if i, ok := k.find(r); ok {
		return k.sets[i]
	}
	return nil
}

// Replicas returns the keys of the replicas k holds versions of, ascending,
// in a new slice.
func (k *Knowledge) Replicas() []uint32 {
	if k == nil || len(k.keys) == 0 {
		return nil
	}
	return slices.Clone(k.keys)
}

// Merge adds every version of o to k (k = k ∪ o). o may be nil and may be k.
// It runs in O(replicas + ranges) and shares no memory with o afterwards.
func (k *Knowledge) Merge(o *Knowledge) {
	if o == nil || o == k || len(o.keys) == 0 {
		return
	}
	if added := k.countNew(o); added > 0 {
		k.mergeNew(o, added)
		return
	}
	i := 0
	for j, r := range o.keys {
		for k.keys[i] < r {
			i++
		}
		k.sets[i].Union(o.sets[j])
	}
}

// countNew returns the number of replicas of o that k does not hold.
func (k *Knowledge) countNew(o *Knowledge) int {
	n, i := 0, 0
	for _, r := range o.keys {
		for i < len(k.keys) && k.keys[i] < r {
			i++
		}
		if i == len(k.keys) || k.keys[i] != r {
			n++
		}
	}
	return n
}

// mergeNew merges o into k when o holds added replicas that k does not,
// rebuilding k's index slices once.
func (k *Knowledge) mergeNew(o *Knowledge, added int) {
	n := len(k.keys) + added
	keys, sets := make([]uint32, 0, n), make([]*RangeSet, 0, n)
	i, j := 0, 0
	for i < len(k.keys) || j < len(o.keys) {
		switch {
		case j == len(o.keys) || (i < len(k.keys) && k.keys[i] < o.keys[j]):
			keys, sets = append(keys, k.keys[i]), append(sets, k.sets[i])
			i++
		case i == len(k.keys) || o.keys[j] < k.keys[i]:
			c := o.sets[j].Clone()
			keys, sets = append(keys, o.keys[j]), append(sets, &c)
			j++
		default:
			k.sets[i].Union(o.sets[j])
			keys, sets = append(keys, k.keys[i]), append(sets, k.sets[i])
			i++
			j++
		}
	}
	k.keys, k.sets = keys, sets
}

// Clone returns a deep copy of k that shares no memory with it. It makes a
// constant number of allocations regardless of size.
func (k *Knowledge) Clone() *Knowledge {
	if k == nil || len(k.keys) == 0 {
		return New()
	}
	total := 0
	for _, s := range k.sets {
		total += len(s.r)
	}
	c := alloc(len(k.keys))
	copy(c.keys, k.keys)
	all := make([]Range, total)
	off := 0
	for i, s := range k.sets {
		end := off + copy(all[off:], s.r)
		// Cap each set at its own length so growing one set never
		// overwrites the next.
		c.sets[i].r = all[off:end:end]
		off = end
	}
	return c
}

// Equal reports whether k and o hold exactly the same versions. Either may be
// nil; replicas with no versions count as absent.
func (k *Knowledge) Equal(o *Knowledge) bool {
	kk, ok := k.view(), o.view()
	if !slices.Equal(kk.keys, ok.keys) {
		return false
	}
	for i, s := range kk.sets {
		if !s.Equal(ok.sets[i]) {
			return false
		}
	}
	return true
}

// emptyKnowledge is the shared read-only stand-in for a nil *Knowledge.
var emptyKnowledge Knowledge

// view returns k, or an empty knowledge if k is nil, so callers can read its
// fields unconditionally. The result must not be modified.
func (k *Knowledge) view() *Knowledge {
	if k == nil {
		return &emptyKnowledge
	}
	return k
}

// Covers reports whether every version of o is in k (o ⊆ k). Either may be
// nil. It runs in O(replicas + ranges) without allocating.
func (k *Knowledge) Covers(o *Knowledge) bool {
	kk, ok := k.view(), o.view()
	i := 0
	for j, r := range ok.keys {
		for i < len(kk.keys) && kk.keys[i] < r {
			i++
		}
		if i == len(kk.keys) || kk.keys[i] != r || !kk.sets[i].covers(ok.sets[j]) {
			return false
		}
	}
	return true
}

// Missing returns the number of versions in k that are not in o (|k \ o|),
// for example how many versions a sync would send to a peer whose knowledge
// is o. o may be nil. The count saturates at math.MaxUint64.
func (k *Knowledge) Missing(o *Knowledge) uint64 {
	kk, ok := k.view(), o.view()
	var n uint64
	j := 0
	for i, r := range kk.keys {
		for j < len(ok.keys) && ok.keys[j] < r {
			j++
		}
		var other *RangeSet
		if j < len(ok.keys) && ok.keys[j] == r {
			other = ok.sets[j]
		}
		m := kk.sets[i].Missing(other)
		if m > math.MaxUint64-n {
			return math.MaxUint64
		}
		n += m
	}
	return n
}

// Map returns a new knowledge in which every replica key r of k is renamed
// to f(r), for example to translate local keys to wire indices and back.
// When several keys map to the same key their sets are unioned. If f
// reports false for any key, Map returns an error wrapping [ErrUnmapped]
// and no knowledge. k is not modified.
func (k *Knowledge) Map(f func(uint32) (uint32, bool)) (*Knowledge, error) {
	kk := k.view()
	type entry struct {
		key uint32
		set *RangeSet
	}
	entries := make([]entry, len(kk.keys))
	for i, r := range kk.keys {
		to, ok := f(r)
		if !ok {
			return nil, fmt.Errorf("knowledge: map replica %d: %w", r, ErrUnmapped)
		}
		entries[i] = entry{to, kk.sets[i]}
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		return cmp.Compare(a.key, b.key)
	})
	out := &Knowledge{
		keys: make([]uint32, 0, len(entries)),
		sets: make([]*RangeSet, 0, len(entries)),
	}
	for i, e := range entries {
		if i > 0 && entries[i-1].key == e.key {
			out.sets[len(out.sets)-1].Union(e.set)
			continue
		}
		c := e.set.Clone()
		out.keys, out.sets = append(out.keys, e.key), append(out.sets, &c)
	}
	return out, nil
}

// String formats k for logs and tests as replica:set pairs in ascending key
// order, e.g. "{1:[1-10,12-14] 2:[1-3]}"; the empty knowledge is "{}".
func (k *Knowledge) String() string {
	kk := k.view()
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range kk.keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(uint64(r), 10))
		b.WriteByte(':')
		kk.sets[i].appendString(&b)
	}
	b.WriteByte('}')
	return b.String()
}
