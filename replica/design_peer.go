package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/knowledge"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// Designs from peers. A design-scope batch item that changes a tool goes
// through the safe design change before anything of it is written (Apply,
// then acceptDesign):
//
//  1. The item is merged in memory as usual (the merged tool is what this
//     replica would show: the incoming design, or its merge with
//     concurrent local edits); conflict marks wait with it.
//  2. If the merged tool differs from the stored one, every live record
//     of the tool is migrated to it in memory, on the Apply transaction's
//     view of production (the same planRecords as a local change):
//     conversions, choices, unique values, tool rules.
//  3. If a record does not fit, the item is refused for this replica:
//     nothing of it is written, its rejection is recorded with source
//     "peer", and its versions are held back (design-rejections/held), so
//     neither the batch nor the session's closing AddKnowledge claims them
//     and the next sync offers them again. The rest of the batch, and the
//     data scope, go on as usual. When a later design of the tool arrives
//     that fits (the manager fixed the design, or the offending record was
//     fixed here), it commits, the rejection is cleared, and held versions
//     it covers are released.
//
// Problems of the design itself (a view, rule or lookup that does not
// resolve) do not refuse a peer's design: its author's replica checked it,
// and on this replica it is either transient (a looked-up tool arrives in
// a later batch) or the merge of concurrent manager edits, which every
// replica must hold alike to converge and a manager repairs with a new
// design (TestConcurrentDesignEditsStayUsable). A merged design that does
// not pass schema.Tool.Check is checked on its fields only.
//
// # Migration of records
//
// A replica that receives a design writes no record versions. The
// author's replica migrated every record it held, as new versions of the
// data scope that sync like any edit and supersede the versions they were
// converted from; conversions are functions of the value and the new
// field (schema.ConvertValue), so the check here finds exactly the records
// whose migrated versions will arrive, plus the ones the author never saw.
// Writing conversions here too would make every replica's migration a
// concurrent version of the author's: a conflict on every migrated field,
// and N times the traffic. So the data of every replica stays the same
// bytes, the versions the author made, and replicas converge by the
// ordinary merge. A record edited concurrently with the design change
// under the old design keeps the value it was given (on every replica
// alike) until its next edit, as it does on the author's replica.

// wsDesignHeld, inside the design-rejections bucket, holds the design
// versions a refused peer design carried: tool (16) + replica key (4 BE) +
// tick (8 BE) -> unit (16). Knowledge never claims them while they are held.
var wsDesignHeld = []byte("held")

// designApply is what Apply keeps aside while one design item is merged,
// so a refused item leaves no trace.
type designApply struct {
	res    ApplyResult
	maxHLC HLC
	added  *knowledge.Knowledge // the batch's knowledge before the item
}

// beginDesign starts a design item: the item's versions collect in a
// knowledge of their own and its conflict marks wait (see conflict).
func (a *applier) beginDesign() *designApply {
	d := &designApply{res: a.res, maxHLC: a.maxHLC, added: a.added}
	a.added = knowledge.New()
	a.marks = a.marks[:0]
	return d
}

// endDesign ends a design item: accepted, its versions join the batch's
// knowledge and its conflict marks are written; refused, both are dropped
// and the counters restored.
func (a *applier) endDesign(d *designApply, accepted bool) error {
	item := a.added
	a.added = d.added
	if !accepted {
		a.res, a.maxHLC = d.res, d.maxHLC
		a.res.DesignsRefused++
		return nil
	}
	a.added.Merge(item)
	for _, m := range a.marks {
		var err error
		if m.set {
			err = a.st.markConflict(m.item, m.unit)
		} else {
			err = a.st.clearConflict(m.item, m.unit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// conflictMark is a conflict index change waiting for its design item.
type conflictMark struct {
	item, unit uuid.UUID
	set        bool
}

// conflict marks (set) or clears a unit's conflict: at once for records,
// after the item is accepted for designs.
func (a *applier) conflict(id, u uuid.UUID, set bool) error {
	switch {
	case !a.records:
		a.marks = append(a.marks, conflictMark{id, u, set})
		return nil
	case set:
		return a.st.markConflict(id, u)
	}
	return a.st.clearConflict(id, u)
}

// acceptDesign decides whether a merged design item may be written: it
// may unless it changes a tool whose records do not all migrate to the
// new design. merged is the item after the merge; the stored item is
// still the one before. A refused item is recorded (rejection, held
// versions) in the batch's transaction; an accepted tool clears its
// rejection and releases the held versions it covers.
func (a *applier) acceptDesign(merged *item) (bool, error) {
	after, alive, err := toolFromItem(merged)
	if err != nil || !alive {
		return err == nil, err // members, removed tools: nothing to migrate
	}
	stored, err := a.st.getItem(merged.id)
	if err != nil {
		return false, err
	}
	var before *schema.Tool
	if stored != nil {
		if before, _, err = toolFromItem(stored); err != nil {
			return false, err
		}
	}
	if before != nil && schema.Diff(before, after).Empty() {
		// Nothing to check; a refused change this item supersedes (the
		// manager went back) is settled.
		return true, a.settle(merged, false)
	}
	rep := DesignReport{Tool: after.ID, Name: after.Name, Diff: schema.Diff(before, after)}
	if err := a.st.s.planRecords(a.st.tx, a.st.wsID, a.st, before, checkable(after), &rep, &designPlan{checkOnly: true}); err != nil {
		return false, err
	}
	if rep.Rejected {
		return false, a.refuseDesign(rep, merged)
	}
	return true, a.settle(merged, true)
}

// settle releases the held versions an accepted tool item covers and
// clears the tool's rejection when none is left held, and either some
// were released or the item changed the design (committed is true).
func (a *applier) settle(merged *item, committed bool) error {
	released, left, err := a.releaseHeld(merged)
	if err != nil || left > 0 || (!committed && released == 0) {
		return err
	}
	return clearRejections(a.st.tx, a.st.wsID, []*schema.Tool{{ID: merged.id}})
}

// checkable returns t, or when t does not pass its check (a merge of
// concurrent edits), its fields alone, which is what records are checked
// against.
func checkable(t *schema.Tool) *schema.Tool {
	if t.Check() == nil {
		return t
	}
	f := &schema.Tool{ID: t.ID, Name: t.Name, Fields: t.Fields}
	if f.Check() == nil {
		return f
	}
	return &schema.Tool{ID: t.ID, Name: t.Name} // nothing checkable: no record is looked at
}

// refuseDesign records a refused peer design: its rejection and the
// versions it carried (those of the merged item that this replica did not
// know), which the knowledge must not claim.
func (a *applier) refuseDesign(rep DesignReport, merged *item) error {
	if err := putRejections(a.st.tx, a.st.wsID, []DesignReport{rep}, sourcePeer, a.st.s.now()); err != nil {
		return err
	}
	held, err := heldBucket(a.st.tx, a.st.wsID, true)
	if err != nil {
		return err
	}
	for _, u := range merged.units {
		for _, v := range u.versions {
			if !a.added.Contains(v.replica, v.tick) || a.mine.Contains(v.replica, v.tick) {
				continue
			}
			if err := held.Put(heldKey(rep.Tool, v.replica, v.tick), u.id[:]); err != nil {
				return fmt.Errorf("hold design version: %w", err)
			}
		}
	}
	return nil
}

func heldKey(tool uuid.UUID, r uint32, t uint64) []byte {
	k := make([]byte, 0, 28)
	k = append(k, tool[:]...)
	k = binary.BigEndian.AppendUint32(k, r)
	return binary.BigEndian.AppendUint64(k, t)
}

// heldBucket returns the workspace's held design versions, nil when there
// are none and create is false.
func heldBucket(tx *bolt.Tx, ws uuid.UUID, create bool) (*bolt.Bucket, error) {
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return nil, err
	}
	rb := wb.Bucket(wsDesignRejections)
	if rb == nil && !create {
		return nil, nil
	}
	if rb == nil {
		if rb, err = wb.CreateBucket(wsDesignRejections); err != nil {
			return nil, fmt.Errorf("design rejections: %w", err)
		}
	}
	if hb := rb.Bucket(wsDesignHeld); hb != nil || !create {
		return hb, nil
	}
	hb, err := rb.CreateBucket(wsDesignHeld)
	if err != nil {
		return nil, fmt.Errorf("held design versions: %w", err)
	}
	return hb, nil
}

// releaseHeld forgets the held versions of an accepted tool item that it
// now holds or has superseded, or that this batch brought, and counts
// those released and those left.
func (a *applier) releaseHeld(it *item) (released, left int, err error) {
	held, err := heldBucket(a.st.tx, a.st.wsID, false)
	if err != nil || held == nil {
		return 0, 0, err
	}
	var done [][]byte
	c := held.Cursor()
	for k, v := c.Seek(it.id[:]); k != nil && bytes.HasPrefix(k, it.id[:]); k, v = c.Next() {
		if len(k) != 28 || len(v) != 16 {
			return 0, 0, fmt.Errorf("held design version %x: %w", k, ErrCorrupt)
		}
		r, t := binary.BigEndian.Uint32(k[16:20]), binary.BigEndian.Uint64(k[20:])
		if a.added.Contains(r, t) || unitHasSeen(it.unit(uuid.UUID(v)), r, t) {
			done = append(done, bytes.Clone(k))
		} else {
			left++
		}
	}
	for _, k := range done {
		if err := held.Delete(k); err != nil {
			return 0, 0, fmt.Errorf("release held design version: %w", err)
		}
	}
	return len(done), left, nil
}

// unitHasSeen reports whether u (nil: not held) holds version (r, t) or
// has superseded it.
func unitHasSeen(u *unit, r uint32, t uint64) bool {
	return u != nil && covers(u.context(), r, t)
}

// withoutHeld returns k without the held design versions (k itself when
// none is held). AddKnowledge uses it, so a complete session does not
// claim what a refused design carried.
func withoutHeld(tx *bolt.Tx, ws uuid.UUID, k *knowledge.Knowledge) (*knowledge.Knowledge, error) {
	held, err := heldBucket(tx, ws, false)
	if err != nil || held == nil {
		return k, err
	}
	skip := map[uint32][]uint64{}
	err = held.ForEach(func(key, _ []byte) error {
		if len(key) != 28 {
			return fmt.Errorf("held design version %x: %w", key, ErrCorrupt)
		}
		r := binary.BigEndian.Uint32(key[16:20])
		skip[r] = append(skip[r], binary.BigEndian.Uint64(key[20:]))
		return nil
	})
	if err != nil || len(skip) == 0 {
		return k, err
	}
	out := knowledge.New()
	for _, r := range k.Replicas() {
		ts := skip[r]
		slices.Sort(ts)
		for _, rg := range k.Set(r).Ranges() {
			lo := rg.Lo
			for _, t := range ts {
				if t < lo || t > rg.Hi {
					continue
				}
				if t > lo {
					out.AddRange(r, lo, t-1)
				}
				lo = t + 1
			}
			if lo <= rg.Hi {
				out.AddRange(r, lo, rg.Hi)
			}
		}
	}
	return out, nil
}
