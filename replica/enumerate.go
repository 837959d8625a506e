package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/knowledge"
	bolt "go.etcd.io/bbolt"
)

// Enumerator lists, in bounded batches, the changes of one scope that a
// destination's knowledge lacks. It is made in one read transaction that
// records the log positions to send and the source's knowledge (the
// snapshot); each batch is then read in a short transaction of its own, so
// no transaction is held while batches travel. Items are read at their
// current state, so an edit made meanwhile travels too.
//
// Cost: making it walks the log from each replica's contiguous known tick
// onward, so it grows with the changes to send, not with the workspace.
// An Enumerator is used by one goroutine.
type Enumerator struct {
	s        *Store
	ws       uuid.UUID
	scope    Scope
	dest     *knowledge.Knowledge // in local keys
	sent     *knowledge.Knowledge // versions already put into a batch
	pos      []logPos
	next     int
	snapshot Knowledge
}

type logPos struct {
	ref  versionRef
	item uuid.UUID
}

// NewEnumerator prepares the changes of scope sc that dest lacks.
func (s *Store) NewEnumerator(ws uuid.UUID, sc Scope, dest Knowledge) (*Enumerator, error) {
	e := &Enumerator{s: s, ws: ws, scope: sc, sent: knowledge.New()}
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		keys, err := localKeys(st.ws, dest.Replicas, false)
		if err != nil {
			return err
		}
		if e.dest, err = mapKnowledge(dest.Set, keys); err != nil {
			return err
		}
		if err := st.checkClaim(e.dest); err != nil {
			return err
		}
		mine, err := st.knowledge()
		if err != nil {
			return err
		}
		t := newReplicaTable(st.ws)
		if e.snapshot.Set, err = t.portable(mine); err != nil {
			return err
		}
		e.snapshot.Replicas = t.refs
		return e.collect(st, mine)
	})
	if err != nil {
		return nil, fmt.Errorf("enumerate changes: %w", err)
	}
	return e, nil
}

// collect walks the log of every replica this scope knows, from the first
// tick the destination lacks.
func (e *Enumerator) collect(st *scopeTx, mine *knowledge.Knowledge) error {
	c := st.log.Cursor()
	for _, r := range mine.Replicas() {
		from := e.dest.Prefix(r) + 1
		prefix := binary.BigEndian.AppendUint32(nil, r)
		for k, v := c.Seek(logKey(r, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != 12 || len(v) != 16 {
				return fmt.Errorf("log entry %x: %w", k, ErrCorrupt)
			}
			t := binary.BigEndian.Uint64(k[4:])
			if e.dest.Contains(r, t) {
				continue
			}
			e.pos = append(e.pos, logPos{ref: versionRef{r, t}, item: uuid.UUID(v)})
		}
	}
	return nil
}

// Knowledge returns the source's knowledge at the snapshot. The destination
// adds it to its own after applying every batch.
func (e *Enumerator) Knowledge() Knowledge { return e.snapshot }

// Remaining returns how many log positions are still to visit; an upper
// bound on the items still to send.
func (e *Enumerator) Remaining() int { return len(e.pos) - e.next }

// Next returns the next batch of at most maxItems items and roughly maxBytes
// of values, or nil when everything has been sent.
func (e *Enumerator) Next(maxItems, maxBytes int) (*Batch, error) {
	if e.next >= len(e.pos) {
		return nil, nil
	}
	var b *Batch
	err := e.s.db.View(func(tx *bolt.Tx) error {
		st, err := e.s.openScope(tx, e.ws, e.scope)
		if err != nil {
			return err
		}
		b, err = e.fill(st, maxItems, maxBytes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("enumerate changes: %w", err)
	}
	return b, nil
}

func (e *Enumerator) fill(st *scopeTx, maxItems, maxBytes int) (*Batch, error) {
	t := newReplicaTable(st.ws)
	b := &Batch{}
	size := 0
	for e.next < len(e.pos) && len(b.Items) < maxItems && size < maxBytes {
		p := e.pos[e.next]
		e.next++
		if e.sent.Contains(p.ref.replica, p.ref.tick) {
			continue
		}
		v := st.items.Get(p.item[:])
		if v == nil {
			return nil, fmt.Errorf("log names missing item %s: %w", p.item, ErrCorrupt)
		}
		it, err := decodeItem(p.item, v, false)
		if err != nil {
			return nil, err
		}
		ic, n, err := e.itemChange(it, t)
		if err != nil {
			return nil, err
		}
		if len(ic.Units) > 0 {
			b.Items = append(b.Items, ic)
			size += n
		}
	}
	b.Replicas = t.refs
	return b, nil
}

// itemChange selects the units of it that hold a version the destination
// lacks, marks their versions sent, and returns them with their size.
func (e *Enumerator) itemChange(it *item, t *replicaTable) (ItemChange, int, error) {
	ic := ItemChange{ID: it.id}
	size := 16
	for _, u := range it.units {
		lacks := false
		for _, v := range u.versions {
			if !e.dest.Contains(v.replica, v.tick) && !e.sent.Contains(v.replica, v.tick) {
				lacks = true
				break
			}
		}
		if !lacks {
			continue
		}
		uc := UnitChange{ID: u.id, Versions: make([]VersionData, len(u.versions))}
		for i, v := range u.versions {
			idx, err := t.indexOf(v.replica)
			if err != nil {
				return ic, 0, err
			}
			uc.Versions[i] = VersionData{Replica: idx, Tick: v.tick, HLC: v.hlc, Refused: v.flags&flagRefused != 0, Value: v.value}
			size += 24 + len(v.value)
		}
		for _, d := range u.ctx {
			idx, err := t.indexOf(d.replica)
			if err != nil {
				return ic, 0, err
			}
			uc.Context = append(uc.Context, Dot{Replica: idx, Tick: d.tick})
			size += 8
		}
		ic.Units = append(ic.Units, uc)
		size += 16
	}
	for _, u := range ic.Units {
		for _, v := range u.Versions {
			e.sent.Add(t.refKey(v.Replica), v.Tick)
		}
	}
	return ic, size, nil
}

// refKey returns the local key behind a table index.
func (t *replicaTable) refKey(i uint32) uint32 { return t.keys[i] }
