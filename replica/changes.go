package replica

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/knowledge"
	bolt "go.etcd.io/bbolt"
)

// ErrKnowledgeClaim is returned when a partner's knowledge claims versions of
// this replica that this replica never made: the partner is confused or
// lying, and nothing is sent or applied on its word.
var ErrKnowledgeClaim = errors.New("partner claims changes this replica never made")

// Knowledge is a scope's knowledge in portable form: the replica keys of Set
// are indexes into Replicas, so it means the same on every device.
type Knowledge struct {
	Replicas []ReplicaRef
	Set      *knowledge.Knowledge
}

// Batch is a bounded group of changes moving from a source to a destination
// in one scope. Replica numbers in versions and contexts index Replicas.
type Batch struct {
	Replicas []ReplicaRef
	Items    []ItemChange
}

// ItemChange carries the units of one item that the destination lacks.
type ItemChange struct {
	ID    uuid.UUID
	Units []UnitChange
}

// UnitChange is one unit's complete current state at the source: its
// concurrent versions and its causal context (the versions it superseded,
// per replica the highest tick; the versions' own dots are implied).
type UnitChange struct {
	ID       uuid.UUID
	Versions []VersionData
	Context  []Dot
}

// Dot names a version in a batch: Replica indexes the batch's Replicas.
type Dot struct {
	Replica uint32
	Tick    uint64
}

// VersionData is one version: Replica indexes the batch's Replicas.
type VersionData struct {
	Replica uint32
	Tick    uint64
	HLC     HLC
	Refused bool
	Value   []byte
}

// replicaTable builds a portable replica table from local keys.
type replicaTable struct {
	rc    *replicaCache
	index map[uint32]uint32
	refs  []ReplicaRef
	keys  []uint32 // keys[i] is the local key of refs[i]
}

func newReplicaTable(wb *bolt.Bucket) *replicaTable {
	return &replicaTable{rc: newReplicaCache(wb), index: make(map[uint32]uint32, 4)}
}

func (t *replicaTable) indexOf(key uint32) (uint32, error) {
	if i, ok := t.index[key]; ok {
		return i, nil
	}
	ref, err := t.rc.ref(key)
	if err != nil {
		return 0, err
	}
	i := uint32(len(t.refs))
	t.refs = append(t.refs, ref)
	t.keys = append(t.keys, key)
	t.index[key] = i
	return i, nil
}

func (t *replicaTable) portable(k *knowledge.Knowledge) (*knowledge.Knowledge, error) {
	var err error
	out, merr := k.Map(func(key uint32) (uint32, bool) {
		i, e := t.indexOf(key)
		if e != nil {
			err = e
			return 0, false
		}
		return i, true
	})
	if err != nil {
		return nil, err
	}
	return out, merr
}

// localKeys maps a portable table to local replica keys, registering
// replicas this store has not met. Only writable transactions may register.
func localKeys(wb *bolt.Bucket, refs []ReplicaRef, register bool) ([]uint32, error) {
	keys := make([]uint32, len(refs))
	for i, ref := range refs {
		if !register {
			v := wb.Bucket(wsReplicaIDs).Get(ref.ID[:])
			if v == nil {
				keys[i] = 0 // unknown here: nothing of it is in our log
				continue
			}
		}
		k, err := replicaKey(wb, ref)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// mapKnowledge rewrites a portable knowledge into local keys; replicas
// mapped to 0 (unknown and not registered) are dropped.
func mapKnowledge(k *knowledge.Knowledge, keys []uint32) (*knowledge.Knowledge, error) {
	if k == nil {
		return knowledge.New(), nil
	}
	var bad error
	out, err := k.Map(func(i uint32) (uint32, bool) {
		if int(i) >= len(keys) {
			bad = fmt.Errorf("knowledge names replica %d of a %d-entry table: %w", i, len(keys), ErrCorrupt)
			return 0, false
		}
		return keys[i], true
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	// Key 0 collects replicas unknown here; it is never a real key.
	if out.Set(0) != nil {
		trimmed := knowledge.New()
		for _, r := range out.Replicas() {
			if r != 0 {
				for _, rg := range out.Set(r).Ranges() {
					trimmed.AddRange(r, rg.Lo, rg.Hi)
				}
			}
		}
		out = trimmed
	}
	return out, nil
}

// Knowledge returns a scope's knowledge in portable form.
func (s *Store) Knowledge(ws uuid.UUID, sc Scope) (Knowledge, error) {
	var out Knowledge
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		k, err := st.knowledge()
		if err != nil {
			return err
		}
		t := newReplicaTable(st.ws)
		if out.Set, err = t.portable(k); err != nil {
			return err
		}
		out.Replicas = t.refs
		return nil
	})
	if err != nil {
		return Knowledge{}, fmt.Errorf("read knowledge: %w", err)
	}
	return out, nil
}

// checkClaim refuses a partner knowledge that claims local ticks beyond the
// scope's tick counter.
func (st *scopeTx) checkClaim(k *knowledge.Knowledge) error {
	if set := k.Set(localReplica); set != nil && set.Max() > st.tick {
		return fmt.Errorf("scope %s: partner knows tick %d of this replica, which is at %d: %w", st.scope, set.Max(), st.tick, ErrKnowledgeClaim)
	}
	return nil
}

// knows reports whether a scope's knowledge already covers k. Replicas
// this store has never met make it false.
func (s *Store) knows(ws uuid.UUID, sc Scope, k Knowledge) (bool, error) {
	covered := false
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		keys := make([]uint32, len(k.Replicas))
		for i, ref := range k.Replicas {
			v := st.ws.Bucket(wsReplicaIDs).Get(ref.ID[:])
			if len(v) != 4 {
				if k.Set.Set(uint32(i)) != nil {
					return nil // knowledge of a replica we do not know
				}
				continue
			}
			keys[i] = binary.BigEndian.Uint32(v)
		}
		add, err := mapKnowledge(k.Set, keys)
		if err != nil {
			return err
		}
		mine, err := st.knowledge()
		if err != nil {
			return err
		}
		covered = mine.Covers(add)
		return nil
	})
	return covered, err
}

// AddKnowledge merges a source's whole knowledge into a scope's knowledge.
// Call it only at the end of a complete session, after every batch the
// source enumerated against that knowledge has been applied.
func (s *Store) AddKnowledge(ws uuid.UUID, sc Scope, k Knowledge) error {
	// Most sessions end with nothing new to learn: check without a write
	// transaction (and its fsync) first.
	if covered, err := s.knows(ws, sc, k); err == nil && covered {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		keys, err := localKeys(st.ws, k.Replicas, true)
		if err != nil {
			return err
		}
		add, err := mapKnowledge(k.Set, keys)
		if err != nil {
			return err
		}
		if err := st.checkClaim(add); err != nil {
			return err
		}
		if sc == ScopeDesign {
			// Not the versions of a design this replica refused.
			if add, err = withoutHeld(tx, ws, add); err != nil {
				return err
			}
		}
		mine, err := st.knowledge()
		if err != nil {
			return err
		}
		if mine.Covers(add) {
			return nil
		}
		mine.Merge(add)
		st.knowDirty = true
		return st.flush()
	})
	if err != nil {
		return fmt.Errorf("add knowledge: %w", err)
	}
	return nil
}

// Raw calls fn with every stored item key and value of a scope, inside one
// read transaction; the slices are valid only during the call. For
// benchmarks and diagnostics.
func (s *Store) Raw(ws uuid.UUID, sc Scope, fn func(k, v []byte)) error {
	return s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		return st.items.ForEach(func(k, v []byte) error { fn(k, v); return nil })
	})
}
