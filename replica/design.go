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
//	unitViewOrder              the view IDs in display order
//	unitFormOrder              the form IDs in display order
//	unitRuleOrder              the rule IDs in display order
//	unitToolDescription        the tool's description, UTF-8
//	<element ID>               one field, view, form or rule in its binary
//	                           form (schema: the first byte tells the kind);
//	                           empty when the element was removed
//
// so two managers editing different elements merge, and edits of one
// element (a field's rules, a view's filter) conflict like any other unit.
// Rule expressions and view filters are stored in canonical form, with
// fields referenced by ID, so renaming a field changes one unit only.
var (
	unitToolName        = uuid.UUID{15: 1}
	unitFieldOrder      = uuid.UUID{15: 2}
	unitViewOrder       = uuid.UUID{15: 5}
	unitFormOrder       = uuid.UUID{15: 6}
	unitRuleOrder       = uuid.UUID{15: 7}
	unitToolDescription = uuid.UUID{15: 8}
)

const (
	stateRemoved = 0
	stateAlive   = 1
	kindTool     = 'T'
)

// writeTool writes a tool's design as a local edit of the design scope.
// Callers check the design (and the role) first.
func (s *Store) writeTool(tx *bolt.Tx, ws uuid.UUID, t *schema.Tool) error {
	st, err := s.openScope(tx, ws, ScopeDesign)
	if err != nil {
		return err
	}
	c := t.Clone()
	if err := c.Canonicalize(); err != nil {
		return fmt.Errorf("write tool %q: %w", t.Name, err)
	}
	writes := []unitWrite{
		{unit: existenceUnit, value: []byte{stateAlive, kindTool}},
		{unit: unitToolName, value: []byte(c.Name)},
		{unit: unitToolDescription, value: []byte(c.Description)},
	}
	present := make(map[uuid.UUID]bool)
	element := func(id uuid.UUID, value []byte) []byte {
		present[id] = true
		writes = append(writes, unitWrite{unit: id, value: value})
		return id[:]
	}
	var fields, views, forms, rules []byte
	for _, f := range c.Fields {
		fields = append(fields, element(f.ID, f.AppendBinary(nil))...)
	}
	for _, v := range c.Views {
		views = append(views, element(v.ID, v.AppendBinary(nil))...)
	}
	for _, fm := range c.Forms {
		forms = append(forms, element(fm.ID, fm.AppendBinary(nil))...)
	}
	for _, r := range c.Rules {
		rules = append(rules, element(r.ID, r.AppendBinary(nil))...)
	}
	writes = append(writes, unitWrite{unit: unitFieldOrder, value: fields}, unitWrite{unit: unitViewOrder, value: views},
		unitWrite{unit: unitFormOrder, value: forms}, unitWrite{unit: unitRuleOrder, value: rules})
	// A server design change (connected mode) stores its signed design too.
	signed, err := serverDesignWrite(tx, ws, t.ID)
	if err != nil {
		return err
	}
	writes = append(writes, signed...)
	// Elements no longer in the design are removed, not forgotten: their
	// unit gets an empty value, which syncs like any other change.
	if old, err := st.getItem(t.ID); err != nil {
		return err
	} else if old != nil {
		for _, u := range old.units {
			if isElementUnit(u.id) && !present[u.id] && len(u.versions[0].value) > 0 {
				writes = append(writes, unitWrite{unit: u.id})
			}
		}
	}
	if _, _, err := st.localWrite(t.ID, writes, nil); err != nil {
		return fmt.Errorf("write tool %q: %w", t.Name, err)
	}
	return st.flush()
}

// isElementUnit reports whether a design unit holds an element (field,
// view, form, rule). Unit IDs whose first 15 bytes are zero are reserved
// for properties (name, orders, member device, role...); element IDs are
// random UUIDs.
func isElementUnit(id uuid.UUID) bool { return !schema.IsReservedID(id) }

// checkDesignUnit refuses incoming design unit values that do not decode:
// element units must hold a canonical element encoding (or be empty, for a
// removed element).
func checkDesignUnit(u uuid.UUID, val []byte) error {
	if isElementUnit(u) && len(val) > 0 {
		return schema.CheckElement(val)
	}
	return nil
}

// PutTool adds or replaces a tool's design in a workspace through the safe
// design change of ApplyDesign: it returns ApplyDesign's error, which
// wraps ErrDesignRejected when existing records do not fit the design.
// Only managers may.
func (s *Store) PutTool(ws uuid.UUID, t *schema.Tool) error {
	_, err := s.ApplyDesign(ws, t)
	return err
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
		it, err := decodeItem(uuid.UUID(k), v, true)
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
// version. ok is false for removed tools and other kinds of element. The
// result does not alias the item.
func toolFromItem(it *item) (*schema.Tool, bool, error) {
	ex := it.unit(existenceUnit)
	if ex == nil || len(ex.versions[0].value) < 2 || ex.versions[0].value[0] != stateAlive || ex.versions[0].value[1] != kindTool {
		return nil, false, nil
	}
	t := &schema.Tool{ID: it.id, Name: string(winner(it, unitToolName)), Description: string(winner(it, unitToolDescription))}
	fields := make(map[uuid.UUID]schema.Field)
	views := make(map[uuid.UUID]schema.View)
	forms := make(map[uuid.UUID]schema.Form)
	rules := make(map[uuid.UUID]schema.Rule)
	for _, u := range it.units {
		val := u.versions[0].value
		if !isElementUnit(u.id) || len(val) == 0 {
			continue
		}
		var err error
		switch k := schema.KindOf(val); {
		case k.IsField():
			var f schema.Field
			f, err = schema.DecodeField(val)
			f.ID = u.id
			fields[u.id] = f
		case k == schema.ElementView:
			var v schema.View
			v, err = schema.DecodeView(val)
			v.ID = u.id
			views[u.id] = v
		case k == schema.ElementForm:
			var fm schema.Form
			fm, err = schema.DecodeForm(val)
			fm.ID = u.id
			forms[u.id] = fm
		case k == schema.ElementRule:
			var r schema.Rule
			r, err = schema.DecodeRule(val)
			r.ID = u.id
			rules[u.id] = r
		}
		if err != nil {
			return nil, false, fmt.Errorf("tool %s element %s: %w", it.id, u.id, err)
		}
	}
	t.Fields = ordered(fields, winner(it, unitFieldOrder))
	t.Views = ordered(views, winner(it, unitViewOrder))
	t.Forms = ordered(forms, winner(it, unitFormOrder))
	t.Rules = ordered(rules, winner(it, unitRuleOrder))
	return t, true, nil
}

// winner returns the winning value of a unit, or nil.
func winner(it *item, id uuid.UUID) []byte {
	if u := it.unit(id); u != nil {
		return u.versions[0].value
	}
	return nil
}

// ordered lists elements in the order the order unit gives, then the ones
// it does not name yet (added concurrently elsewhere) in ID order.
func ordered[E any](m map[uuid.UUID]E, order []byte) []E {
	var out []E
	for b := order; len(b) >= 16; b = b[16:] {
		id := uuid.UUID(b[:16])
		if e, ok := m[id]; ok {
			out = append(out, e)
			delete(m, id)
		}
	}
	rest := make([]uuid.UUID, 0, len(m))
	for id := range m {
		rest = append(rest, id)
	}
	sort.Slice(rest, func(i, j int) bool { return bytes.Compare(rest[i][:], rest[j][:]) < 0 })
	for _, id := range rest {
		out = append(out, m[id])
	}
	return out
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
