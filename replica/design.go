package replica

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// A tool's design is one item in the design scope whose units are:
//
//	existence unit (nil UUID)  state byte (1 alive, 0 removed), kind byte ('T')
//	unitToolName               the tool's name, UTF-8
//	unitFieldOrder             the field IDs in display order, 16 bytes each
//	<field ID>                 the field definition (schema.Field binary form);
//	                           empty when the field was removed
//
// so two managers editing different fields merge, and edits of one field
// conflict like any other unit.
var (
	unitToolName   = uuid.UUID{15: 1}
	unitFieldOrder = uuid.UUID{15: 2}
)

const (
	stateRemoved = 0
	stateAlive   = 1
	kindTool     = 'T'
)

// writeTool writes a tool's design as a local edit of the design scope.
func (s *Store) writeTool(tx *bolt.Tx, ws uuid.UUID, t *schema.Tool) error {
	st, err := s.openScope(tx, ws, ScopeDesign)
	if err != nil {
		return err
	}
	writes := []unitWrite{
		{unit: existenceUnit, value: []byte{stateAlive, kindTool}},
		{unit: unitToolName, value: []byte(t.Name)},
	}
	order := make([]byte, 0, 16*len(t.Fields))
	present := make(map[uuid.UUID]bool, len(t.Fields))
	for _, f := range t.Fields {
		order = append(order, f.ID[:]...)
		present[f.ID] = true
		writes = append(writes, unitWrite{unit: f.ID, value: f.AppendBinary(nil)})
	}
	writes = append(writes, unitWrite{unit: unitFieldOrder, value: order})
	// Fields no longer in the design are removed, not forgotten: their unit
	// gets an empty definition, which syncs like any other change.
	if old, err := st.getItem(t.ID); err != nil {
		return err
	} else if old != nil {
		for _, u := range old.units {
			if isFieldUnit(u.id) && !present[u.id] && len(u.versions[0].value) > 0 {
				writes = append(writes, unitWrite{unit: u.id})
			}
		}
	}
	if _, _, err := st.localWrite(t.ID, writes, nil); err != nil {
		return fmt.Errorf("write tool %q: %w", t.Name, err)
	}
	return st.flush()
}

// isFieldUnit reports whether a design unit is a field definition. Unit IDs
// whose first 15 bytes are zero are reserved for element properties (name,
// order, member device, role...); field IDs are random UUIDs.
func isFieldUnit(id uuid.UUID) bool {
	for _, b := range id[:15] {
		if b != 0 {
			return true
		}
	}
	return false
}

// PutTool adds or replaces a tool's design in a workspace. The design must
// pass schema.Tool.Check.
func (s *Store) PutTool(ws uuid.UUID, t *schema.Tool) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("put tool %q: %w", t.Name, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		if err := st.requireLocalRole(RoleManager); err != nil {
			return fmt.Errorf("put tool %q: %w", t.Name, err)
		}
		return s.writeTool(tx, ws, t)
	})
}

// Tools returns a workspace's tools sorted by name.
func (s *Store) Tools(ws uuid.UUID) ([]*schema.Tool, error) {
	var out []*schema.Tool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.tools(tx, ws)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", err)
	}
	return out, nil
}

func (s *Store) tools(tx *bolt.Tx, ws uuid.UUID) ([]*schema.Tool, error) {
	st, err := s.openScope(tx, ws, ScopeDesign)
	if err != nil {
		return nil, err
	}
	var out []*schema.Tool
	err = st.items.ForEach(func(k, v []byte) error {
		it, err := decodeItem(uuid.UUID(k), v, false)
		if err != nil {
			return err
		}
		t, ok, err := toolFromItem(it)
		if ok {
			out = append(out, t)
		}
		return err
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

// tool returns one tool by ID, or ErrNoTool.
func (s *Store) tool(tx *bolt.Tx, ws, id uuid.UUID) (*schema.Tool, error) {
	st, err := s.openScope(tx, ws, ScopeDesign)
	if err != nil {
		return nil, err
	}
	it, err := st.getItem(id)
	if err != nil {
		return nil, err
	}
	if it != nil {
		if t, ok, err := toolFromItem(it); ok || err != nil {
			return t, err
		}
	}
	return nil, fmt.Errorf("tool %s: %w", id, ErrNoTool)
}

// toolFromItem builds a tool from its design item, using each unit's winning
// version. ok is false for removed tools and other kinds of element.
func toolFromItem(it *item) (*schema.Tool, bool, error) {
	ex := it.unit(existenceUnit)
	if ex == nil || len(ex.versions[0].value) < 2 || ex.versions[0].value[0] != stateAlive || ex.versions[0].value[1] != kindTool {
		return nil, false, nil
	}
	t := &schema.Tool{ID: it.id}
	if u := it.unit(unitToolName); u != nil {
		t.Name = string(u.versions[0].value)
	}
	fields := make(map[uuid.UUID]schema.Field)
	for _, u := range it.units {
		if !isFieldUnit(u.id) || len(u.versions[0].value) == 0 {
			continue
		}
		f, err := schema.DecodeField(u.versions[0].value)
		if err != nil {
			return nil, false, fmt.Errorf("tool %s field %s: %w", it.id, u.id, err)
		}
		f.ID = u.id
		fields[u.id] = f
	}
	// Display order: the order unit first, then fields it does not name yet
	// (added concurrently elsewhere) in ID order.
	if u := it.unit(unitFieldOrder); u != nil {
		for b := u.versions[0].value; len(b) >= 16; b = b[16:] {
			id := uuid.UUID(b[:16])
			if f, ok := fields[id]; ok {
				t.Fields = append(t.Fields, f)
				delete(fields, id)
			}
		}
	}
	rest := make([]schema.Field, 0, len(fields))
	for _, f := range fields {
		rest = append(rest, f)
	}
	sort.Slice(rest, func(i, j int) bool { return bytes.Compare(rest[i].ID[:], rest[j].ID[:]) < 0 })
	t.Fields = append(t.Fields, rest...)
	return t, true, nil
}

// FindTool resolves a tool by ID or case-insensitive name.
func (s *Store) FindTool(ws uuid.UUID, ref string) (*schema.Tool, error) {
	tools, err := s.Tools(ws)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	var match []*schema.Tool
	for _, t := range tools {
		if t.ID.String() == strings.ToLower(ref) || strings.EqualFold(t.Name, ref) {
			match = append(match, t)
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("tool %q: %w", ref, ErrNoTool)
	case 1:
		return match[0], nil
	}
	return nil, fmt.Errorf("tool %q matches %d tools, use the ID: %w", ref, len(match), ErrAmbiguous)
}
