package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Tool is the design of one tool of a workspace (for example "Contacts"):
// its identity and name, its record type (ordered fields), its views, its
// forms and its tool-level rules. A record of the tool holds at most one
// [Value] per stored field, keyed by field ID. Every element (field, view,
// form, rule) has an ID that is stable for its whole life and distinct from
// every other element ID of the tool.
type Tool struct {
	// ID identifies the tool for its whole life; it must not be uuid.Nil.
	ID uuid.UUID `json:"id"`
	// Name is the tool's display name: 1 to MaxNameRunes runes, trimmed,
	// no control characters.
	Name string `json:"name"`
	// Description says what the tool is for, at most MaxDescriptionRunes
	// runes.
	Description string `json:"description,omitempty"`
	// Fields are the tool's fields in display order, at most MaxFields.
	Fields []Field `json:"fields"`
	// Views are the tool's saved views in display order, at most MaxViews.
	Views []View `json:"-"`
	// Forms are the tool's forms in display order, at most MaxForms.
	Forms []Form `json:"-"`
	// Rules are the tool's record rules in display order, at most
	// MaxRules.
	Rules []Rule `json:"-"`
}

// FieldByName returns the field whose name equals name case-insensitively
// (strings.EqualFold). The pointer aliases t.Fields. A nil t has no fields.
func (t *Tool) FieldByName(name string) (*Field, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Fields {
		if strings.EqualFold(t.Fields[i].Name, name) {
			return &t.Fields[i], true
		}
	}
	return nil, false
}

// FieldByID returns the field with the given ID. The pointer aliases
// t.Fields. A nil t has no fields.
func (t *Tool) FieldByID(id uuid.UUID) (*Field, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Fields {
		if t.Fields[i].ID == id {
			return &t.Fields[i], true
		}
	}
	return nil, false
}

// ViewByID returns the view with the given ID, aliasing t.Views.
func (t *Tool) ViewByID(id uuid.UUID) (*View, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Views {
		if t.Views[i].ID == id {
			return &t.Views[i], true
		}
	}
	return nil, false
}

// FormByID returns the form with the given ID, aliasing t.Forms.
func (t *Tool) FormByID(id uuid.UUID) (*Form, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Forms {
		if t.Forms[i].ID == id {
			return &t.Forms[i], true
		}
	}
	return nil, false
}

// RuleByID returns the rule with the given ID, aliasing t.Rules.
func (t *Tool) RuleByID(id uuid.UUID) (*Rule, bool) {
	if t == nil {
		return nil, false
	}
	for i := range t.Rules {
		if t.Rules[i].ID == id {
			return &t.Rules[i], true
		}
	}
	return nil, false
}

// hasField reports whether id is a field of t.
func (t *Tool) hasField(id uuid.UUID) bool { _, ok := t.FieldByID(id); return ok }

// fieldName returns a field's name, or its ID when t has no such field.
func (t *Tool) fieldName(id uuid.UUID) string {
	if n, ok := t.nameOf(id); ok {
		return n
	}
	return id.String()
}

// Check reports whether the design is valid: a non-nil ID, a valid name,
// at most MaxFields fields, each passing [Field.Check], with unique names
// (case-insensitive); views, forms and rules within their limits, each
// resolving against the fields (views: columns, sort, filter, group and
// the calendar or board field of the right type; forms: fields; rules:
// expressions), with unique names per kind; and every element ID non-nil,
// not reserved (first 15 bytes zero) and unique across all elements. The
// error wraps [ErrInvalidDesign] and joins every problem found.
func (t *Tool) Check() error {
	if t == nil {
		return fmt.Errorf("%w: nil tool", ErrInvalidDesign)
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: tool %s: %s", ErrInvalidDesign, quote(t.Name), fmt.Sprintf(format, args...)))
	}
	if t.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(t.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	}
	if err := checkDescription(t.Description); err != nil {
		fail("description: %v", err)
	}
	before := len(errs)
	switch {
	case len(t.Fields) > MaxFields:
		fail("%d fields, more than %d", len(t.Fields), MaxFields)
	case len(t.Views) > MaxViews:
		fail("%d views, more than %d", len(t.Views), MaxViews)
	case len(t.Forms) > MaxForms:
		fail("%d forms, more than %d", len(t.Forms), MaxForms)
	case len(t.Rules) > MaxRules:
		fail("%d rules, more than %d", len(t.Rules), MaxRules)
	}
	if len(errs) > before {
		return errors.Join(errs...) // sizes first: the rest costs time
	}
	before = len(errs)
	names := make(map[string]bool, len(t.Fields))
	for i := range t.Fields {
		f := &t.Fields[i]
		if err := f.Check(); err != nil {
			errs = append(errs, err)
		}
		if k := foldKey(f.Name); names[k] && f.Name != "" {
			fail("field %q: duplicate name (case-insensitive)", f.Name)
		} else {
			names[k] = true
		}
	}
	for _, msg := range t.idProblems() {
		fail("%s", msg)
	}
	if len(errs) > before {
		return errors.Join(errs...) // views, forms and rules need sound fields
	}
	for _, msg := range t.elementProblems() {
		fail("%s", msg)
	}
	return errors.Join(errs...)
}

// elementIDs returns the IDs of every element of t with a label for
// messages.
func (t *Tool) elementIDs() []struct {
	id    uuid.UUID
	label string
} {
	var out []struct {
		id    uuid.UUID
		label string
	}
	add := func(id uuid.UUID, kind, name string) {
		out = append(out, struct {
			id    uuid.UUID
			label string
		}{id, fmt.Sprintf("%s %q", kind, name)})
	}
	for _, f := range t.Fields {
		add(f.ID, "field", f.Name)
	}
	for _, v := range t.Views {
		add(v.ID, "view", v.Name)
	}
	for _, f := range t.Forms {
		add(f.ID, "form", f.Name)
	}
	for _, r := range t.Rules {
		add(r.ID, "rule", r.Name)
	}
	return out
}

// idProblems checks that element IDs are unique and not reserved.
func (t *Tool) idProblems() []string {
	var p []string
	seen := make(map[uuid.UUID]bool)
	for _, e := range t.elementIDs() {
		switch {
		case e.id == uuid.Nil:
			// reported by the element's own check
		case IsReservedID(e.id):
			p = append(p, fmt.Sprintf("%s: id %s is reserved", e.label, e.id))
		case seen[e.id]:
			p = append(p, fmt.Sprintf("%s: duplicate id %s", e.label, e.id))
		}
		seen[e.id] = true
	}
	return p
}

// elementProblems checks views, forms and rules against the fields.
func (t *Tool) elementProblems() []string {
	var p []string
	dup := func(kind string, names []string) {
		seen := make(map[string]bool, len(names))
		for _, n := range names {
			if k := foldKey(n); seen[k] && n != "" {
				p = append(p, fmt.Sprintf("%s %q: duplicate name (case-insensitive)", kind, n))
			} else {
				seen[k] = true
			}
		}
	}
	var vn, fn, rn []string
	for i := range t.Views {
		p = append(p, t.Views[i].check(t)...)
		vn = append(vn, t.Views[i].Name)
	}
	for i := range t.Forms {
		p = append(p, t.Forms[i].check(t)...)
		fn = append(fn, t.Forms[i].Name)
	}
	for i := range t.Rules {
		p = append(p, t.Rules[i].check(t)...)
		rn = append(rn, t.Rules[i].Name)
	}
	dup("view", vn)
	dup("form", fn)
	dup("rule", rn)
	return p
}

// IsReservedID reports whether id is reserved for the properties of
// stored design elements (its first 15 bytes are zero) and so cannot be
// the ID of a field, view, form or rule.
func IsReservedID(id uuid.UUID) bool {
	for _, b := range id[:15] {
		if b != 0 {
			return false
		}
	}
	return true
}

// Canonicalize rewrites the expressions of t's rules and view filters to
// their canonical form with field references by ID, so that renaming a
// field keeps them working. It fails, leaving t unchanged, when a
// reference does not resolve. Designs are stored and compared in this
// form; [ParseToolJSON] returns it.
func (t *Tool) Canonicalize() error {
	rules := slices.Clone(t.Rules)
	views := slices.Clone(t.Views)
	for i := range rules {
		c, err := t.canonicalExpr(rules[i].Expr)
		if err != nil {
			return fmt.Errorf("rule %q: %w", rules[i].Name, err)
		}
		rules[i].Expr = c
	}
	for i := range views {
		if views[i].Filter == "" {
			continue
		}
		c, err := t.canonicalExpr(views[i].Filter)
		if err != nil {
			return fmt.Errorf("view %q filter: %w", views[i].Name, err)
		}
		views[i].Filter = c
	}
	t.Rules, t.Views = rules, views
	return nil
}

// Clone returns a deep copy of t.
func (t *Tool) Clone() *Tool {
	c := *t
	c.Fields = slices.Clone(t.Fields)
	for i := range c.Fields {
		f := &c.Fields[i]
		f.Choices = slices.Clone(f.Choices)
		f.Min, f.Max = clonePtr(f.Min), clonePtr(f.Max)
		f.Precision = clonePtr(f.Precision)
	}
	c.Views = slices.Clone(t.Views)
	for i := range c.Views {
		c.Views[i].Columns = slices.Clone(c.Views[i].Columns)
		c.Views[i].Sort = slices.Clone(c.Views[i].Sort)
	}
	c.Forms = slices.Clone(t.Forms)
	for i := range c.Forms {
		c.Forms[i].Sections = slices.Clone(c.Forms[i].Sections)
		for j := range c.Forms[i].Sections {
			c.Forms[i].Sections[j].Items = slices.Clone(c.Forms[i].Sections[j].Items)
		}
	}
	c.Rules = slices.Clone(t.Rules)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// RemoveField removes a field from t together with the references to it
// that can go without it: view columns, sort keys and group, form items.
// Views that need the field (calendar date, board field, a filter using
// it) and rules using it are removed as well. It returns what it removed
// besides the field, for the designer to tell the user.
func (t *Tool) RemoveField(id uuid.UUID) (removed []string) {
	name := t.fieldName(id)
	t.Fields = slices.DeleteFunc(t.Fields, func(f Field) bool { return f.ID == id })
	uses := func(src string) bool {
		e, err := ParseExpr(src)
		return err == nil && exprUses(e.root, id, name)
	}
	t.Rules = slices.DeleteFunc(t.Rules, func(r Rule) bool {
		if uses(r.Expr) {
			removed = append(removed, fmt.Sprintf("rule %q", r.Name))
			return true
		}
		return false
	})
	t.Views = slices.DeleteFunc(t.Views, func(v View) bool {
		if v.DateField == id || v.EndField == id || v.BoardField == id || (v.Filter != "" && uses(v.Filter)) {
			removed = append(removed, fmt.Sprintf("view %q", v.Name))
			return true
		}
		return false
	})
	for i := range t.Views {
		v := &t.Views[i]
		v.Columns = slices.DeleteFunc(v.Columns, func(c uuid.UUID) bool { return c == id })
		v.Sort = slices.DeleteFunc(v.Sort, func(k SortKey) bool { return k.Field == id })
		if v.Group == id {
			v.Group = uuid.Nil
		}
	}
	for i := range t.Forms {
		for j := range t.Forms[i].Sections {
			s := &t.Forms[i].Sections[j]
			s.Items = slices.DeleteFunc(s.Items, func(it FormItem) bool { return it.Field == id })
		}
	}
	return removed
}

// exprUses reports whether n references field id, by ID or by name.
func exprUses(n *node, id uuid.UUID, name string) bool {
	if n.kind == eField && (n.id == id || (n.id == uuid.Nil && strings.EqualFold(n.str, name))) {
		return true
	}
	for _, a := range n.args {
		if exprUses(a, id, name) {
			return true
		}
	}
	return false
}
