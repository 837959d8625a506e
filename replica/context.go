package replica

import "sort"

// dot names one version: the replica that made it and its tick.
type dot struct {
	replica uint32
	tick    uint64
}

// A unit's causal context is the set of its versions every replica that holds
// the unit has seen, summarised per replica as the highest tick: a replica's
// versions of one unit are totally ordered, because each new one is written
// with knowledge of the last. The context decides merges on its own, without
// trusting a partner's global knowledge, which may have gaps after an
// interrupted session.
//
// Stored and sent compactly: the dots of the unit's current versions are
// implied, and only the other entries (versions it superseded) are written.

// maxDots bounds a unit's explicit context (one entry per replica that ever
// wrote the unit).
const maxDots = 4096

// context returns the unit's full context as a replica -> tick map.
func (u *unit) context() map[uint32]uint64 {
	m := make(map[uint32]uint64, len(u.ctx)+len(u.versions))
	for _, d := range u.ctx {
		if d.tick > m[d.replica] {
			m[d.replica] = d.tick
		}
	}
	for _, v := range u.versions {
		if v.tick > m[v.replica] {
			m[v.replica] = v.tick
		}
	}
	return m
}

// covers reports whether a context has seen version (r, t).
func covers(ctx map[uint32]uint64, r uint32, t uint64) bool { return t <= ctx[r] }

// setContext stores full as the unit's context, keeping explicit only the
// entries its current versions do not imply.
func (u *unit) setContext(full map[uint32]uint64) {
	u.ctx = u.ctx[:0]
	for r, t := range full {
		implied := false
		for _, v := range u.versions {
			if v.replica == r && v.tick == t {
				implied = true
				break
			}
		}
		if !implied {
			u.ctx = append(u.ctx, dot{r, t})
		}
	}
	if len(u.ctx) == 0 {
		u.ctx = nil
		return
	}
	sort.Slice(u.ctx, func(i, j int) bool { return u.ctx[i].replica < u.ctx[j].replica })
}
