package replica

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// What the design asks of record writes beyond one record's own rules:
// values of removed fields stay stored but out of the check, and Unique
// fields are unique among the tool's live records.

// onlyDesigned drops from a merged record the values of fields its tool no
// longer has (removed fields keep their values, hidden, so a restored
// field gets them back; they must not make the record invalid).
func (w *recordWriter) onlyDesigned(merged map[uuid.UUID]schema.Value) {
	for id := range merged {
		if _, ok := w.tool.FieldByID(id); !ok {
			delete(merged, id)
		}
	}
}

// uniqueIndex maps, per Unique field, each value key to the record holding
// it, and each record to its key, for the live records of one tool. It is
// built by one scan when a transaction first writes a record of a tool
// with Unique fields, and kept up to date by the writes that follow.
type uniqueIndex struct {
	fields []*schema.Field
	byKey  map[uuid.UUID]map[string]uuid.UUID
	byRec  map[uuid.UUID]map[uuid.UUID]string
}

// checkUnique refuses a record whose value of a Unique field another live
// record of the tool already has, and records its values.
func (w *recordWriter) checkUnique(id uuid.UUID, merged map[uuid.UUID]schema.Value) error {
	if w.unique == nil {
		idx, err := w.buildUnique()
		if err != nil {
			return err
		}
		w.unique = idx
	}
	idx := w.unique
	var errs []*schema.RuleError
	for _, f := range idx.fields {
		v := merged[f.ID]
		if v.IsEmpty() {
			continue
		}
		if other, dup := idx.byKey[f.ID][schema.UniqueKey(v)]; dup && other != id {
			errs = append(errs, &schema.RuleError{Field: f.Name, FieldID: f.ID, Rule: schema.RuleUnique,
				Msg: "record " + other.String() + " already has the value " + v.String()})
		}
	}
	if len(errs) > 0 {
		return &schema.ValidationError{Errors: errs}
	}
	for _, f := range idx.fields {
		idx.set(f.ID, id, merged[f.ID])
	}
	return nil
}

// set records that record id holds v for field f.
func (idx *uniqueIndex) set(f, id uuid.UUID, v schema.Value) {
	if old, ok := idx.byRec[f][id]; ok {
		delete(idx.byKey[f], old)
		delete(idx.byRec[f], id)
	}
	if v.IsEmpty() {
		return
	}
	k := schema.UniqueKey(v)
	idx.byKey[f][k] = id
	idx.byRec[f][id] = k
}

// buildUnique scans the tool's live records once.
func (w *recordWriter) buildUnique() (*uniqueIndex, error) {
	idx := &uniqueIndex{byKey: map[uuid.UUID]map[string]uuid.UUID{}, byRec: map[uuid.UUID]map[uuid.UUID]string{}}
	for i := range w.tool.Fields {
		if f := &w.tool.Fields[i]; f.Unique {
			idx.fields = append(idx.fields, f)
			idx.byKey[f.ID] = map[string]uuid.UUID{}
			idx.byRec[f.ID] = map[uuid.UUID]string{}
		}
	}
	if len(idx.fields) == 0 {
		return idx, nil
	}
	values := make(map[uuid.UUID]schema.Value, len(w.tool.Fields))
	c := w.byTool.Cursor()
	for k, _ := c.Seek(w.tool.ID[:]); k != nil && bytes.HasPrefix(k, w.tool.ID[:]); k, _ = c.Next() {
		id := uuid.UUID(k[16:32])
		clear(values)
		if err := w.st.recordValues(id, values); err != nil {
			return nil, err
		}
		for _, f := range idx.fields {
			idx.set(f.ID, id, values[f.ID])
		}
	}
	return idx, nil
}

// RecordNumbers returns the auto-numbers of a tool's records: each
// record's position, from 1, in the tool's creation order. Record IDs are
// UUIDv7 (creation time first), so the order is the same on every replica
// that holds the same records; deleted records keep their number. A record
// created offline takes its place by creation time when it arrives, which
// can shift the numbers of records created after it.
func (s *Store) RecordNumbers(ws, tool uuid.UUID) (map[uuid.UUID]int64, error) {
	var ids []uuid.UUID
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		c := st.ws.Bucket(wsByTool).Cursor()
		for k, _ := c.Seek(tool[:]); k != nil && bytes.HasPrefix(k, tool[:]); k, _ = c.Next() {
			ids = append(ids, uuid.UUID(k[16:32]))
		}
		return st.ws.Bucket(wsTombstones).ForEach(func(k, _ []byte) error {
			it, err := st.getItem(uuid.UUID(k))
			if err != nil || it == nil {
				return err
			}
			if ex, err := itemExistence(it); err == nil && ex.tool == tool {
				ids = append(ids, it.id)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("record numbers: %w", err)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[uuid.UUID]int64, len(ids))
	for i, id := range ids {
		out[id] = int64(i + 1)
	}
	return out, nil
}

// Meta returns what the computed fields of r are computed from. number is
// its auto-number (see RecordNumbers; 0 if unknown); names maps device IDs
// to member names for the created-by and modified-by persons (may be nil).
func (r *Record) Meta(number int64, names map[identity.DeviceID]string) schema.RecordMeta {
	person := func(d identity.DeviceID) schema.Value {
		if d.IsZero() {
			return schema.Value{}
		}
		return schema.PersonValue(schema.PersonParts{ID: schema.MemberRef(d.String()), Name: names[d]})
	}
	m := schema.RecordMeta{Number: number, CreatedBy: person(r.CreatedBy), ModifiedBy: person(r.ModifiedBy)}
	if r.Created != 0 {
		m.Created = r.Created.Time()
	}
	if r.Modified != 0 {
		m.Modified = r.Modified.Time()
	}
	return m
}
