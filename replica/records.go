package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// A record is one item in the data scope: an existence unit plus one unit per
// field. The existence unit's value is
//
//	byte      state (1 alive, 0 deleted)
//	[16]byte  tool ID
//	[8]byte   HLC of creation, big-endian
//	[32]byte  creator's device ID
//
// Deleting writes a new existence version with state 0 and rewrites every
// field unit with its current value under the same version, so an edit made
// concurrently with the delete conflicts with it instead of vanishing. The
// values stay: a deleted record can be restored.
const existenceLen = 1 + 16 + 8 + 32

type existence struct {
	alive   bool
	tool    uuid.UUID
	created HLC
	creator identity.DeviceID
}

func (e existence) encode() []byte {
	b := make([]byte, 0, existenceLen)
	if e.alive {
		b = append(b, stateAlive)
	} else {
		b = append(b, stateRemoved)
	}
	b = append(b, e.tool[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.created))
	return append(b, e.creator[:]...)
}

func decodeExistence(b []byte) (existence, error) {
	if len(b) != existenceLen || b[0] > stateAlive {
		return existence{}, fmt.Errorf("existence unit of %d bytes: %w", len(b), ErrCorrupt)
	}
	e := existence{alive: b[0] == stateAlive, tool: uuid.UUID(b[1:17]), created: HLC(binary.BigEndian.Uint64(b[17:25]))}
	copy(e.creator[:], b[25:])
	return e, nil
}

// VersionInfo describes one version of a field.
type VersionInfo struct {
	Replica uuid.UUID
	Tick    uint64
	HLC     HLC
	Author  identity.DeviceID
	Refused bool
}

// FieldVersion is a version with its value.
type FieldVersion struct {
	VersionInfo
	Value schema.Value
}

// FieldState is one field of a record: the winning value and, after a
// conflict, the losing versions kept for a person to resolve.
type FieldState struct {
	Field  uuid.UUID
	Value  schema.Value
	Winner VersionInfo
	Losers []FieldVersion
}

// Record is a record as read from the store.
type Record struct {
	ID      uuid.UUID
	Tool    uuid.UUID
	Deleted bool
	// Created and CreatedBy come from the creating edit.
	Created   HLC
	CreatedBy identity.DeviceID
	// Modified is the newest winning version of any unit; ModifiedBy its author.
	Modified   HLC
	ModifiedBy identity.DeviceID
	// Fields holds every field with a value or a conflict, in unit-ID order.
	Fields []FieldState
	// DeleteConflict is true when the record's existence itself is in
	// conflict (deleted on one replica, restored or recreated on another).
	DeleteConflict bool
}

// Value returns a field's winning value, or the empty value.
func (r *Record) Value(field uuid.UUID) schema.Value {
	for _, f := range r.Fields {
		if f.Field == field {
			return f.Value
		}
	}
	return schema.Value{}
}

// Conflicts returns the number of fields that hold losing versions.
func (r *Record) Conflicts() int {
	n := 0
	for _, f := range r.Fields {
		if len(f.Losers) > 0 {
			n++
		}
	}
	if r.DeleteConflict {
		n++
	}
	return n
}

// PutRecord creates a record (id uuid.Nil) or updates one, in one
// transaction: the given field values replace the current ones, an empty
// value clears a field, fields not given keep their values. The merged record
// must pass the tool's validation; otherwise a *schema.ValidationError (or
// *schema.RuleError) is returned and nothing is written. It returns the
// record's ID.
func (s *Store) PutRecord(ws, tool, id uuid.UUID, values map[uuid.UUID]schema.Value) (uuid.UUID, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		w, err := s.newRecordWriter(tx, ws, tool)
		if err != nil {
			return err
		}
		id, err = w.put(id, values)
		if err != nil {
			return err
		}
		return w.st.flush()
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("put record: %w", err)
	}
	return id, nil
}

// PutRecords creates many records of one tool in one transaction and returns
// their IDs in order. If any record is invalid, nothing is written and the
// error names the record's position.
func (s *Store) PutRecords(ws, tool uuid.UUID, records []map[uuid.UUID]schema.Value) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, len(records))
	err := s.db.Update(func(tx *bolt.Tx) error {
		w, err := s.newRecordWriter(tx, ws, tool)
		if err != nil {
			return err
		}
		for i, vals := range records {
			if ids[i], err = w.put(uuid.Nil, vals); err != nil {
				return fmt.Errorf("record %d: %w", i+1, err)
			}
		}
		return w.st.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("put records: %w", err)
	}
	return ids, nil
}

// recordWriter writes records of one tool inside one transaction.
type recordWriter struct {
	s      *Store
	st     *scopeTx
	tool   *schema.Tool
	sorted []uuid.UUID // the tool's stored (not computed) field IDs in unit order
	device identity.DeviceID
	byTool *bolt.Bucket
	buf    []byte
	valid  *schema.Validator // the tool's rules, compiled once
	unique *uniqueIndex      // values of Unique fields, built on first use
}

func (s *Store) newRecordWriter(tx *bolt.Tx, ws, toolID uuid.UUID) (*recordWriter, error) {
	dev, err := readDevice(tx)
	if err != nil {
		return nil, err
	}
	t, err := s.tool(tx, ws, toolID)
	if err != nil {
		return nil, err
	}
	st, err := s.openScope(tx, ws, ScopeData)
	if err != nil {
		return nil, err
	}
	if err := st.requireRole(dev.ID, RoleParticipant); err != nil {
		return nil, err
	}
	st.items.FillPercent = 0.9 // record IDs are time-ordered (UUIDv7)
	bt := st.ws.Bucket(wsByTool)
	bt.FillPercent = 0.9
	sorted := make([]uuid.UUID, 0, len(t.Fields))
	for _, f := range t.Fields {
		if !f.Type.Computed() {
			sorted = append(sorted, f.ID)
		}
	}
	slices.SortFunc(sorted, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	// A rule broken by concurrent design edits is not enforced until a
	// manager fixes the design; the others still are.
	valid, _ := t.NewValidator()
	return &recordWriter{s: s, st: st, tool: t, sorted: sorted, device: dev.ID, byTool: bt, valid: valid}, nil
}

// put validates and writes one record.
func (w *recordWriter) put(id uuid.UUID, values map[uuid.UUID]schema.Value) (uuid.UUID, error) {
	for fid := range values {
		if _, ok := w.tool.FieldByID(fid); !ok {
			return uuid.Nil, fmt.Errorf("field %s is not in tool %q: %w", fid, w.tool.Name, ErrInvalidInput)
		}
	}
	merged := values
	var ex existence
	if id == uuid.Nil {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return uuid.Nil, fmt.Errorf("new record ID: %w", err)
		}
		ex = existence{alive: true, tool: w.tool.ID, created: w.s.clock.Now(), creator: w.device}
		values = w.tool.WithDefaults(values)
		merged = values
	} else {
		cur, err := w.st.getItem(id)
		if err != nil {
			return uuid.Nil, err
		}
		if cur == nil {
			return uuid.Nil, fmt.Errorf("record %s: %w", id, ErrNoRecord)
		}
		if ex, err = itemExistence(cur); err != nil {
			return uuid.Nil, err
		}
		if ex.tool != w.tool.ID {
			return uuid.Nil, fmt.Errorf("record %s belongs to another tool: %w", id, ErrInvalidInput)
		}
		if !ex.alive {
			return uuid.Nil, fmt.Errorf("record %s is deleted: %w", id, ErrNoRecord)
		}
		if merged, err = mergeValues(cur, values); err != nil {
			return uuid.Nil, err
		}
		w.onlyDesigned(merged)
	}
	if err := w.valid.Record(merged); err != nil {
		return uuid.Nil, err
	}
	if err := w.checkUnique(id, merged); err != nil {
		return uuid.Nil, err
	}
	writes := make([]unitWrite, 0, len(values)+1)
	// In unit-ID order (the existence unit's nil ID first), as items store them.
	writes = append(writes, unitWrite{unit: existenceUnit, value: ex.encode()})
	for _, fid := range w.sorted {
		if v, ok := values[fid]; ok {
			writes = append(writes, unitWrite{unit: fid, value: encodeValue(v)})
		}
	}
	changed, buf, err := w.st.localWrite(id, writes, w.buf)
	w.buf = buf
	if err != nil {
		return uuid.Nil, err
	}
	if changed {
		if err := w.byTool.Put(toolKey(w.tool.ID, id), nil); err != nil {
			return uuid.Nil, fmt.Errorf("index record: %w", err)
		}
	}
	return id, nil
}

// encodeValue stores an empty value as no bytes, so a cleared field costs
// nothing.
func encodeValue(v schema.Value) []byte {
	if v.IsEmpty() {
		return nil
	}
	return v.AppendBinary(nil)
}

func decodeValue(b []byte) (schema.Value, error) {
	if len(b) == 0 {
		return schema.Value{}, nil
	}
	return schema.DecodeValue(b)
}

// mergeValues overlays the given values on a record's current winners.
func mergeValues(cur *item, values map[uuid.UUID]schema.Value) (map[uuid.UUID]schema.Value, error) {
	merged := make(map[uuid.UUID]schema.Value, len(cur.units)+len(values))
	for _, u := range cur.units {
		if u.id == existenceUnit {
			continue
		}
		v, err := decodeValue(u.versions[0].value)
		if err != nil {
			return nil, fmt.Errorf("record %s field %s: %w", cur.id, u.id, err)
		}
		if !v.IsEmpty() {
			merged[u.id] = v
		}
	}
	for k, v := range values {
		if v.IsEmpty() {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	return merged, nil
}

func itemExistence(it *item) (existence, error) {
	u := it.unit(existenceUnit)
	if u == nil {
		return existence{}, fmt.Errorf("record %s has no existence unit: %w", it.id, ErrCorrupt)
	}
	return decodeExistence(u.versions[0].value)
}

func toolKey(tool, id uuid.UUID) []byte {
	k := make([]byte, 32)
	copy(k, tool[:])
	copy(k[16:], id[:])
	return k
}

// DeleteRecord deletes a record: a tombstone on its existence unit, values
// kept so it can be restored and so a concurrent edit conflicts with it.
// Deleting a deleted record is a no-op.
func (s *Store) DeleteRecord(ws, id uuid.UUID) error {
	return s.setAlive(ws, id, false)
}

// RestoreRecord brings back a deleted record with the values it had.
func (s *Store) RestoreRecord(ws, id uuid.UUID) error {
	return s.setAlive(ws, id, true)
}

func (s *Store) setAlive(ws, id uuid.UUID, alive bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		if err := st.requireLocalRole(RoleParticipant); err != nil {
			return err
		}
		cur, err := st.getItem(id)
		if err != nil {
			return err
		}
		if cur == nil {
			return fmt.Errorf("record %s: %w", id, ErrNoRecord)
		}
		ex, err := itemExistence(cur)
		if err != nil {
			return err
		}
		if ex.alive == alive && len(cur.unit(existenceUnit).versions) == 1 {
			return nil
		}
		ex.alive = alive
		writes := []unitWrite{{unit: existenceUnit, value: ex.encode()}}
		if !alive {
			// Touch every field so an edit made concurrently conflicts with
			// the delete. Fields already in conflict are left as they are:
			// their versions wait for a person, deleted record or not.
			for _, u := range cur.units {
				if u.id != existenceUnit && len(u.versions) == 1 {
					writes = append(writes, unitWrite{unit: u.id, value: u.versions[0].value})
				}
			}
		}
		if err := st.forceWrite(id, writes); err != nil {
			return err
		}
		if err := st.indexExistence(id, ex); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		verb := "delete"
		if alive {
			verb = "restore"
		}
		return fmt.Errorf("%s record %s: %w", verb, id, err)
	}
	return nil
}

// forceWrite is localWrite for edits that must version every written unit
// even when its value is unchanged (a delete touches every field).
func (st *scopeTx) forceWrite(id uuid.UUID, writes []unitWrite) error {
	it, err := st.getItem(id)
	if err != nil {
		return err
	}
	if it == nil {
		it = &item{id: id}
	}
	before := it.refs(nil)
	tick, hlc := st.nextTick(), st.s.clock.Now()
	st.lastHLC = hlc
	for _, w := range writes {
		u := it.unit(w.unit)
		nu := supersede(u, w.unit, version{replica: localReplica, tick: tick, hlc: hlc, value: w.value})
		if u != nil && len(u.versions) > 1 {
			if err := st.clearConflict(id, w.unit); err != nil {
				return err
			}
		}
		it.setUnit(nu)
	}
	if _, err := st.putItem(it, before, nil); err != nil {
		return err
	}
	k, err := st.knowledge()
	if err != nil {
		return err
	}
	k.Add(localReplica, tick)
	st.knowDirty = true
	return nil
}

// indexExistence keeps the by-tool index and tombstones in line with a
// record's winning existence.
func (st *scopeTx) indexExistence(id uuid.UUID, ex existence) error {
	bt, tomb := st.ws.Bucket(wsByTool), st.ws.Bucket(wsTombstones)
	if ex.alive {
		if tomb.Get(id[:]) != nil {
			if err := tomb.Delete(id[:]); err != nil {
				return err
			}
		}
		return bt.Put(toolKey(ex.tool, id), nil)
	}
	if err := bt.Delete(toolKey(ex.tool, id)); err != nil {
		return err
	}
	return tomb.Put(id[:], binary.BigEndian.AppendUint64(nil, uint64(st.s.clock.Now())))
}

// Record reads one record, deleted ones included (Deleted is set).
func (s *Store) Record(ws, id uuid.UUID) (*Record, error) {
	var r *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		v := st.items.Get(id[:])
		if v == nil {
			return fmt.Errorf("record %s: %w", id, ErrNoRecord)
		}
		r, err = st.readRecord(id, v, newReplicaCache(st.ws))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get record: %w", err)
	}
	return r, nil
}

// Records calls fn for every live record of a tool (every tool when tool is
// uuid.Nil), in creation order, inside one read transaction. fn must not
// call back into the store. Returning a non-nil error from fn stops the walk
// and is returned.
func (s *Store) Records(ws, tool uuid.UUID, fn func(*Record) error) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		c := st.ws.Bucket(wsByTool).Cursor()
		var k []byte
		if tool == uuid.Nil {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(tool[:])
		}
		for ; k != nil && (tool == uuid.Nil || bytes.HasPrefix(k, tool[:])); k, _ = c.Next() {
			id := uuid.UUID(k[16:32])
			v := st.items.Get(id[:])
			if v == nil {
				return fmt.Errorf("index names missing record %s: %w", id, ErrCorrupt)
			}
			r, err := st.readRecord(id, v, rc)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list records: %w", err)
	}
	return nil
}

// readRecord decodes a stored record item.
func (st *scopeTx) readRecord(id uuid.UUID, v []byte, rc *replicaCache) (*Record, error) {
	it, err := decodeItem(id, v, false)
	if err != nil {
		return nil, err
	}
	ex, err := itemExistence(it)
	if err != nil {
		return nil, err
	}
	r := &Record{ID: id, Tool: ex.tool, Deleted: !ex.alive, Created: ex.created, CreatedBy: ex.creator}
	for _, u := range it.units {
		win, err := rc.info(u.versions[0])
		if err != nil {
			return nil, err
		}
		if win.HLC > r.Modified {
			r.Modified, r.ModifiedBy = win.HLC, win.Author
		}
		if u.id == existenceUnit {
			r.DeleteConflict = len(u.versions) > 1
			continue
		}
		fs := FieldState{Field: u.id, Winner: win}
		if fs.Value, err = decodeValue(u.versions[0].value); err != nil {
			return nil, fmt.Errorf("record %s field %s: %w", id, u.id, err)
		}
		for _, lv := range u.versions[1:] {
			info, err := rc.info(lv)
			if err != nil {
				return nil, err
			}
			val, err := decodeValue(lv.value)
			if err != nil {
				return nil, fmt.Errorf("record %s field %s: %w", id, u.id, err)
			}
			fs.Losers = append(fs.Losers, FieldVersion{VersionInfo: info, Value: val})
		}
		if !fs.Value.IsEmpty() || len(fs.Losers) > 0 {
			r.Fields = append(r.Fields, fs)
		}
	}
	return r, nil
}

// replicaCache resolves local replica keys within one transaction.
type replicaCache struct {
	wb *bolt.Bucket
	m  map[uint32]ReplicaRef
}

func newReplicaCache(wb *bolt.Bucket) *replicaCache {
	return &replicaCache{wb: wb, m: make(map[uint32]ReplicaRef, 4)}
}

func (rc *replicaCache) ref(key uint32) (ReplicaRef, error) {
	if r, ok := rc.m[key]; ok {
		return r, nil
	}
	r, err := replicaInfo(rc.wb, key)
	if err != nil {
		return r, err
	}
	rc.m[key] = r
	return r, nil
}

func (rc *replicaCache) info(v version) (VersionInfo, error) {
	r, err := rc.ref(v.replica)
	if err != nil {
		return VersionInfo{}, err
	}
	return VersionInfo{Replica: r.ID, Tick: v.tick, HLC: v.hlc, Author: r.Device, Refused: v.flags&flagRefused != 0}, nil
}
