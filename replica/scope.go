package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/knowledge"
	bolt "go.etcd.io/bbolt"
)

// scopeTx is one scope of one workspace inside a transaction. It caches the
// tick counter and knowledge and writes them back in flush.
type scopeTx struct {
	s     *Store
	tx    *bolt.Tx
	wsID  uuid.UUID
	ws    *bolt.Bucket
	scope Scope
	items *bolt.Bucket
	log   *bolt.Bucket
	meta  *bolt.Bucket

	tick      uint64
	know      *knowledge.Knowledge
	tickDirty bool
	knowDirty bool
	lastHLC   HLC
}

// openScope returns the scope's buckets inside tx.
func (s *Store) openScope(tx *bolt.Tx, ws uuid.UUID, sc Scope) (*scopeTx, error) {
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return nil, err
	}
	sb := wb.Bucket(sc.bucketName())
	if sb == nil {
		return nil, fmt.Errorf("workspace %s scope %d: %w", ws, sc, ErrNoScope)
	}
	st := &scopeTx{s: s, tx: tx, wsID: ws, ws: wb, scope: sc,
		items: sb.Bucket(scItems), log: sb.Bucket(scLog), meta: sb.Bucket(scMeta)}
	if tx.Writable() {
		// Logs and items keyed by time-ordered IDs grow at the end: fill
		// pages fully instead of splitting them in half.
		st.log.FillPercent = 0.95
	}
	if v := st.meta.Get(keyTick); v != nil {
		if len(v) != 8 {
			return nil, fmt.Errorf("scope %s tick: %w", sc, ErrCorrupt)
		}
		st.tick = binary.BigEndian.Uint64(v)
	}
	return st, nil
}

// knowledge returns the scope's knowledge, loading it on first use. Callers
// that change it must call markKnowledge.
func (st *scopeTx) knowledge() (*knowledge.Knowledge, error) {
	if st.know != nil {
		return st.know, nil
	}
	v := st.meta.Get(keyKnowledg)
	if v == nil {
		st.know = knowledge.New()
		return st.know, nil
	}
	k, err := knowledge.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("scope %s knowledge: %w", st.scope, err)
	}
	st.know = k
	return k, nil
}

// nextTick returns the next local tick.
func (st *scopeTx) nextTick() uint64 {
	st.tick++
	st.tickDirty = true
	return st.tick
}

// flush writes back the tick counter, the knowledge and the clock.
func (st *scopeTx) flush() error {
	if st.tickDirty {
		if err := st.meta.Put(keyTick, binary.BigEndian.AppendUint64(nil, st.tick)); err != nil {
			return fmt.Errorf("write tick: %w", err)
		}
		st.tickDirty = false
	}
	if st.knowDirty {
		b, err := st.know.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode knowledge: %w", err)
		}
		if err := st.meta.Put(keyKnowledg, b); err != nil {
			return fmt.Errorf("write knowledge: %w", err)
		}
		st.knowDirty = false
	}
	if st.lastHLC != 0 {
		if err := st.tx.Bucket(bucketDevice).Put(keyLastHLC, binary.BigEndian.AppendUint64(nil, uint64(st.lastHLC))); err != nil {
			return fmt.Errorf("write clock: %w", err)
		}
	}
	return nil
}

// getItem returns a copy of an item, or nil when it does not exist.
func (st *scopeTx) getItem(id uuid.UUID) (*item, error) {
	v := st.items.Get(id[:])
	if v == nil {
		return nil, nil
	}
	return decodeItem(id, v, false)
}

// putItem stores it and brings the log in line: versions the item no longer
// references leave the log, new ones enter it. before lists the versions the
// stored item referenced.
func (st *scopeTx) putItem(it *item, before []versionRef, buf []byte) ([]byte, error) {
	after := it.refs(make([]versionRef, 0, 4))
	for _, r := range before {
		if !containsRef(after, r) {
			if err := st.log.Delete(logKey(r.replica, r.tick)); err != nil {
				return buf, fmt.Errorf("update log: %w", err)
			}
		}
	}
	for _, r := range after {
		if !containsRef(before, r) {
			if err := st.log.Put(logKey(r.replica, r.tick), it.id[:]); err != nil {
				return buf, fmt.Errorf("update log: %w", err)
			}
		}
	}
	// bbolt keeps a reference to the value until commit: each Put gets its
	// own buffer, sized from the last one.
	buf = appendItem(make([]byte, 0, cap(buf)), it)
	if len(buf) > MaxItemBytes {
		return buf, fmt.Errorf("item %s: %d bytes exceeds %d: %w", it.id, len(buf), MaxItemBytes, ErrInvalidInput)
	}
	if err := st.items.Put(it.id[:], buf); err != nil {
		return buf, fmt.Errorf("put item %s: %w", it.id, err)
	}
	return buf, nil
}

func containsRef(rs []versionRef, r versionRef) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// unitWrite is one unit's new value in a local edit.
type unitWrite struct {
	unit  uuid.UUID
	value []byte
}

// localWrite applies a local edit of one item: every written unit gets the
// single version (local replica, next tick), superseding every version it
// had, conflict losers included. Units whose value would not change are left
// alone; when nothing changes no tick is used and changed is false.
func (st *scopeTx) localWrite(id uuid.UUID, writes []unitWrite, buf []byte) (changed bool, _ []byte, err error) {
	it, err := st.getItem(id)
	if err != nil {
		return false, buf, err
	}
	if it == nil {
		it = &item{id: id, units: make([]unit, 0, len(writes))}
		// Units are kept sorted; inserting writes in order appends.
		cmp := func(a, b unitWrite) int { return bytes.Compare(a.unit[:], b.unit[:]) }
		if !slices.IsSortedFunc(writes, cmp) {
			slices.SortFunc(writes, cmp)
		}
	}
	before := it.refs(make([]versionRef, 0, 4))
	var tick uint64
	var hlc HLC
	for _, w := range writes {
		if len(w.value) > MaxValueBytes {
			return false, buf, fmt.Errorf("value of %d bytes exceeds %d: %w", len(w.value), MaxValueBytes, ErrInvalidInput)
		}
		u := it.unit(w.unit)
		if u != nil && len(u.versions) == 1 && u.versions[0].flags == 0 && bytes.Equal(u.versions[0].value, w.value) {
			continue
		}
		if tick == 0 {
			tick = st.nextTick()
			hlc = st.s.clock.Now()
			st.lastHLC = hlc
		}
		if u != nil && len(u.versions) > 1 {
			if err := st.clearConflict(id, w.unit); err != nil {
				return false, buf, err
			}
		}
		it.setUnit(supersede(u, w.unit, version{replica: localReplica, tick: tick, hlc: hlc, value: w.value}))
	}
	if tick == 0 {
		return false, buf, nil
	}
	if buf, err = st.putItem(it, before, buf); err != nil {
		return false, buf, err
	}
	k, err := st.knowledge()
	if err != nil {
		return false, buf, err
	}
	k.Add(localReplica, tick)
	st.knowDirty = true
	return true, buf, nil
}

// supersede returns unit id holding only v, made with knowledge of every
// version old held: old's context carries over.
func supersede(old *unit, id uuid.UUID, v version) unit {
	nu := unit{id: id, versions: []version{v}}
	// Fast paths without maps: a new unit, or one plain version.
	switch {
	case old == nil:
		return nu
	case len(old.versions) == 1 && len(old.ctx) == 0:
		if o := old.versions[0]; o.replica != v.replica {
			nu.ctx = []dot{{o.replica, o.tick}}
		}
		return nu
	}
	var full map[uint32]uint64
	if old != nil {
		full = old.context()
	} else {
		full = make(map[uint32]uint64, 1)
	}
	full[v.replica] = v.tick
	nu.setContext(full)
	return nu
}

// conflictKey is the key of a unit in the workspace's conflicts index.
func (st *scopeTx) conflictKey(id, u uuid.UUID) []byte {
	k := make([]byte, 0, 33)
	k = append(k, byte(st.scope))
	k = append(k, id[:]...)
	return append(k, u[:]...)
}

func (st *scopeTx) clearConflict(id, u uuid.UUID) error {
	if err := st.ws.Bucket(wsConflicts).Delete(st.conflictKey(id, u)); err != nil {
		return fmt.Errorf("clear conflict: %w", err)
	}
	return nil
}

func (st *scopeTx) markConflict(id, u uuid.UUID) error {
	if err := st.ws.Bucket(wsConflicts).Put(st.conflictKey(id, u), nil); err != nil {
		return fmt.Errorf("mark conflict: %w", err)
	}
	return nil
}
