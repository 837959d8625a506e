package replica

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// Conflict is one change unit holding concurrent versions.
type Conflict struct {
	Scope Scope
	Item  uuid.UUID
	Unit  uuid.UUID
}

// IsExistence reports whether the conflict is about a record's existence
// (deleted on one replica while edited or restored on another).
func (c Conflict) IsExistence() bool { return c.Unit == existenceUnit }

// Conflicts lists the units of a workspace that hold losing versions.
func (s *Store) Conflicts(ws uuid.UUID) ([]Conflict, error) {
	var out []Conflict
	err := s.db.View(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		return wb.Bucket(wsConflicts).ForEach(func(k, _ []byte) error {
			if len(k) != 33 {
				return fmt.Errorf("conflict key %x: %w", k, ErrCorrupt)
			}
			out = append(out, Conflict{Scope: Scope(k[0]), Item: uuid.UUID(k[1:17]), Unit: uuid.UUID(k[17:33])})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	return out, nil
}

// ResolveField resolves a record field's conflict (or simply sets it) by a
// new local write of value, made with knowledge of every version the field
// holds, so it supersedes them all wherever it syncs. Resolving the
// existence conflict is RestoreRecord or DeleteRecord.
func (s *Store) ResolveField(ws, record, field uuid.UUID, v schema.Value) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		if err := st.requireLocalRole(RoleParticipant); err != nil {
			return err
		}
		cur, err := st.getItem(record)
		if err != nil {
			return err
		}
		if cur == nil || cur.unit(field) == nil {
			return fmt.Errorf("record %s field %s: %w", record, field, ErrNoRecord)
		}
		ex, err := itemExistence(cur)
		if err != nil {
			return err
		}
		t, err := s.tool(tx, ws, ex.tool)
		if err != nil {
			return err
		}
		f, ok := t.FieldByID(field)
		if !ok {
			return fmt.Errorf("field %s is not in tool %q: %w", field, t.Name, ErrInvalidInput)
		}
		if err := f.Validate(v); err != nil {
			return err
		}
		if err := st.forceWrite(record, []unitWrite{{unit: field, value: encodeValue(v)}}); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		return fmt.Errorf("resolve field: %w", err)
	}
	return nil
}
