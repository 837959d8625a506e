package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// ChangeKind says how an element changed between two designs.
type ChangeKind string

// The change kinds. An element that is renamed and otherwise changed is
// listed twice: once Renamed, once Changed.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Renamed ChangeKind = "renamed"
	Changed ChangeKind = "changed"
)

// ElementType names the kind of design element a change is about.
type ElementType string

// The element types.
const (
	ToolElement  ElementType = "tool"
	FieldElement ElementType = "field"
	ViewElement  ElementType = "view"
	FormElement  ElementType = "form"
	RuleElement  ElementType = "rule"
)

// Effect says what a change does to existing records, weakest first.
type Effect string

// The effects, in increasing strength.
const (
	// EffectNone leaves records as they are.
	EffectNone Effect = "none"
	// EffectHide keeps the values of a removed field stored but out of
	// sight; restoring the field (same ID) brings them back.
	EffectHide Effect = "hide"
	// EffectClear drops the stored values of a field that becomes
	// computed.
	EffectClear Effect = "clear"
	// EffectCheck checks every record against a new or stricter rule; one
	// violation refuses the design change.
	EffectCheck Effect = "check"
	// EffectConvert converts every value of the field to its new type or
	// precision; a value that cannot be converted refuses the change.
	EffectConvert Effect = "convert"
)

// rank orders effects by strength.
func (e Effect) rank() int {
	return slices.Index([]Effect{EffectNone, EffectHide, EffectClear, EffectCheck, EffectConvert}, e)
}

// Change is one difference between two designs of a tool.
type Change struct {
	Kind    ChangeKind  `json:"kind"`
	Element ElementType `json:"element"`
	ID      uuid.UUID   `json:"id"`
	// Name is the element's name in the new design (the old one for
	// removed elements); OldName is set for renames.
	Name    string `json:"name"`
	OldName string `json:"oldName,omitempty"`
	// Details list what changed, for people: `type: text → number`.
	Details []string `json:"details,omitempty"`
	// Effect is what the change does to existing records; Note says it in
	// words.
	Effect Effect `json:"effect"`
	Note   string `json:"note,omitempty"`
}

// String returns a one-line description of the change.
func (c Change) String() string {
	s := fmt.Sprintf("%s %s %q", c.Kind, c.Element, c.Name)
	if c.Kind == Renamed {
		s = fmt.Sprintf("renamed %s %q to %q", c.Element, c.OldName, c.Name)
	}
	if len(c.Details) > 0 {
		s += ": " + strings.Join(c.Details, "; ")
	}
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

// DesignDiff lists the differences between two designs of one tool.
type DesignDiff struct {
	Tool uuid.UUID `json:"tool"`
	Name string    `json:"name"`
	// New is true when there was no old design: the tool is added.
	New     bool     `json:"new,omitempty"`
	Changes []Change `json:"changes"`
}

// Empty reports whether the designs are the same.
func (d DesignDiff) Empty() bool { return !d.New && len(d.Changes) == 0 }

// Effect returns the strongest effect of the changes on records.
func (d DesignDiff) Effect() Effect {
	e := EffectNone
	for _, c := range d.Changes {
		if c.Effect.rank() > e.rank() {
			e = c.Effect
		}
	}
	return e
}

// String lists the changes one per line.
func (d DesignDiff) String() string {
	if d.Empty() {
		return fmt.Sprintf("tool %q: no changes", d.Name)
	}
	var b strings.Builder
	if d.New {
		fmt.Fprintf(&b, "new tool %q\n", d.Name)
	}
	for _, c := range d.Changes {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Diff lists the differences between the old and new design of a tool
// (old nil: the tool is new) and what each does to existing records.
// Elements are matched by ID, so a renamed field is a rename, not a
// removal and an addition. Expressions are compared in canonical form.
func Diff(old, new *Tool) DesignDiff {
	d := DesignDiff{Tool: new.ID, Name: new.Name}
	if old == nil {
		d.New = true
		old = &Tool{ID: new.ID, Name: new.Name}
	}
	add := func(c Change) {
		if c.Effect == "" {
			c.Effect = EffectNone
		}
		d.Changes = append(d.Changes, c)
	}
	if old.Name != new.Name && !d.New {
		add(Change{Kind: Renamed, Element: ToolElement, ID: new.ID, Name: new.Name, OldName: old.Name})
	}
	if old.Description != new.Description {
		add(Change{Kind: Changed, Element: ToolElement, ID: new.ID, Name: new.Name, Details: []string{"description"}})
	}
	diffFields(old, new, add)
	diffElements(old, new, add)
	return d
}

// diffFields adds the field changes.
func diffFields(old, new *Tool, add func(Change)) {
	if slices.Equal(fieldIDs(old), fieldIDs(new)) == false && sameSet(fieldIDs(old), fieldIDs(new)) {
		add(Change{Kind: Changed, Element: ToolElement, ID: new.ID, Name: new.Name, Details: []string{"field order"}})
	}
	for i := range new.Fields {
		nf := &new.Fields[i]
		of, ok := old.FieldByID(nf.ID)
		if !ok {
			c := Change{Kind: Added, Element: FieldElement, ID: nf.ID, Name: nf.Name, Details: []string{"type " + string(nf.Type)}}
			c.Effect, c.Note = EffectNone, "existing records have no value yet"
			if nf.Required {
				c.Note = "required: existing records without a value are asked for one at their next edit"
			}
			add(c)
			continue
		}
		if of.Name != nf.Name {
			add(Change{Kind: Renamed, Element: FieldElement, ID: nf.ID, Name: nf.Name, OldName: of.Name})
		}
		if c, ok := fieldChange(of, nf); ok {
			add(c)
		}
	}
	for i := range old.Fields {
		of := &old.Fields[i]
		if _, ok := new.FieldByID(of.ID); !ok {
			add(Change{Kind: Removed, Element: FieldElement, ID: of.ID, Name: of.Name, Effect: EffectHide,
				Note: "values are kept out of sight and come back if the field is restored"})
		}
	}
}

func fieldIDs(t *Tool) []uuid.UUID {
	out := make([]uuid.UUID, len(t.Fields))
	for i, f := range t.Fields {
		out[i] = f.ID
	}
	return out
}

func sameSet(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// fieldChange describes the changes of one field other than its name.
func fieldChange(of, nf *Field) (Change, bool) {
	c := Change{Kind: Changed, Element: FieldElement, ID: nf.ID, Name: nf.Name, Effect: EffectNone}
	effect := func(e Effect, note string) {
		if e.rank() > c.Effect.rank() {
			c.Effect, c.Note = e, note
		}
	}
	detail := func(format string, args ...any) { c.Details = append(c.Details, fmt.Sprintf(format, args...)) }
	if of.Type != nf.Type {
		detail("type: %s → %s", of.Type, nf.Type)
		if nf.Type.Computed() {
			effect(EffectClear, "stored values are dropped: the field is computed now")
		} else {
			effect(EffectConvert, "every value is converted; one that cannot be refuses the change")
		}
	}
	if of.Required != nf.Required {
		detail("required: %s → %s", yesNo(of.Required), yesNo(nf.Required))
	}
	tighter := func(what, o, n string, removed bool) {
		if o == n {
			return
		}
		detail("%s: %s → %s", what, orNone(o), orNone(n))
		if !removed {
			effect(EffectCheck, "every value is checked against the new rule")
		}
	}
	tighter("min", fmtPtr(of.Min), fmtPtr(nf.Min), nf.Min == nil || (of.Min != nil && *nf.Min <= *of.Min))
	tighter("max", fmtPtr(of.Max), fmtPtr(nf.Max), nf.Max == nil || (of.Max != nil && *nf.Max >= *of.Max))
	if of.Type.IsText() && nf.Type.IsText() {
		tighter("maxLength", strconv.Itoa(of.MaxRunes()), strconv.Itoa(nf.MaxRunes()), nf.MaxRunes() >= of.MaxRunes())
	}
	tighter("pattern", of.Pattern, nf.Pattern, nf.Pattern == "")
	if removedChoices := without(of.Choices, nf.Choices); len(removedChoices) > 0 {
		detail("choices: removed %s", listChoices(removedChoices))
		effect(EffectCheck, "records using a removed choice refuse the change")
	}
	if added := without(nf.Choices, of.Choices); len(added) > 0 {
		detail("choices: added %s", listChoices(added))
	}
	if of.Type == nf.Type && nf.Type.HasChoices() && !slices.Equal(of.Choices, nf.Choices) &&
		len(without(of.Choices, nf.Choices)) == 0 && len(without(nf.Choices, of.Choices)) == 0 {
		detail("choices: new order")
	}
	if od, nd := of.decimals(), nf.decimals(); od != nd {
		detail("precision: %s → %s", fmtPrec(od), fmtPrec(nd))
		if nd >= 0 && (od < 0 || nd < od) {
			effect(EffectConvert, "values are rounded to the new precision")
		}
	}
	if of.Unique != nf.Unique {
		detail("unique: %s → %s", yesNo(of.Unique), yesNo(nf.Unique))
		if nf.Unique {
			effect(EffectCheck, "duplicate values refuse the change")
		}
	}
	if !of.Default.Equal(nf.Default) {
		detail("default: %s → %s", orNone(of.Default.String()), orNone(nf.Default.String()))
	}
	if of.Currency != nf.Currency {
		detail("currency: %s → %s", orNone(of.Currency), orNone(nf.Currency))
	}
	if of.Hidden != nf.Hidden {
		detail("hidden: %s → %s", yesNo(of.Hidden), yesNo(nf.Hidden))
	}
	if of.Description != nf.Description {
		detail("description")
	}
	if of.LookupTool != nf.LookupTool || of.LookupDisplay != nf.LookupDisplay {
		detail("lookup target or display field")
	}
	return c, len(c.Details) > 0
}

// without returns the items of a not in b (exact spelling).
func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orNone(s string) string {
	if s == "" || s == "-1" {
		return "none"
	}
	return s
}

func fmtPtr(f *float64) string {
	if f == nil {
		return ""
	}
	return formatNumber(*f)
}

func fmtPrec(d int) string {
	if d < 0 {
		return "any"
	}
	return strconv.Itoa(d)
}

// diffElements adds the changes of views, forms and rules.
func diffElements(old, new *Tool, add func(Change)) {
	type elem struct {
		id         uuid.UUID
		name, body string
	}
	views := func(t *Tool) []elem {
		out := make([]elem, len(t.Views))
		for i, v := range t.Views {
			out[i] = elem{v.ID, v.Name, string(View{Type: v.Type, Private: v.Private, Owner: v.Owner, Columns: v.Columns,
				Sort: v.Sort, Filter: v.Filter, Group: v.Group, DateField: v.DateField, EndField: v.EndField,
				BoardField: v.BoardField}.AppendBinary(nil))}
		}
		return out
	}
	forms := func(t *Tool) []elem {
		out := make([]elem, len(t.Forms))
		for i, f := range t.Forms {
			out[i] = elem{f.ID, f.Name, string(Form{Sections: f.Sections}.AppendBinary(nil))}
		}
		return out
	}
	rules := func(t *Tool) []elem {
		out := make([]elem, len(t.Rules))
		for i, r := range t.Rules {
			out[i] = elem{r.ID, r.Name, r.Expr + "\x00" + r.Message}
		}
		return out
	}
	ruleExpr := func(t *Tool, id uuid.UUID) string {
		if r, ok := t.RuleByID(id); ok {
			return r.Expr
		}
		return ""
	}
	for _, k := range []struct {
		typ      ElementType
		old, new []elem
	}{{ViewElement, views(old), views(new)}, {FormElement, forms(old), forms(new)}, {RuleElement, rules(old), rules(new)}} {
		for _, n := range k.new {
			i := slices.IndexFunc(k.old, func(o elem) bool { return o.id == n.id })
			if i < 0 {
				c := Change{Kind: Added, Element: k.typ, ID: n.id, Name: n.name, Effect: EffectNone}
				if k.typ == RuleElement {
					c.Effect, c.Note = EffectCheck, "every record is checked against the rule"
				}
				add(c)
				continue
			}
			o := k.old[i]
			if o.name != n.name {
				add(Change{Kind: Renamed, Element: k.typ, ID: n.id, Name: n.name, OldName: o.name})
			}
			if o.body != n.body {
				c := Change{Kind: Changed, Element: k.typ, ID: n.id, Name: n.name, Effect: EffectNone}
				if k.typ == RuleElement && ruleExpr(old, n.id) != ruleExpr(new, n.id) {
					c.Details = []string{"expression"}
					c.Effect, c.Note = EffectCheck, "every record is checked against the rule"
				} else if k.typ == RuleElement {
					c.Details = []string{"message"}
				} else if k.typ == ViewElement {
					c.Details = viewDetails(old, new, n.id)
				} else {
					c.Details = []string{"sections, fields, labels or read-only fields"}
				}
				add(c)
			}
		}
		for _, o := range k.old {
			if !slices.ContainsFunc(k.new, func(n elem) bool { return n.id == o.id }) {
				add(Change{Kind: Removed, Element: k.typ, ID: o.id, Name: o.name, Effect: EffectNone})
			}
		}
	}
}

// viewDetails names the properties of a view that differ.
func viewDetails(old, new *Tool, id uuid.UUID) []string {
	o, _ := old.ViewByID(id)
	n, _ := new.ViewByID(id)
	var d []string
	for _, p := range []struct {
		what string
		same bool
	}{
		{"type", o.Type == n.Type},
		{"sharing", o.Private == n.Private && o.Owner == n.Owner},
		{"columns", slices.Equal(o.Columns, n.Columns)},
		{"sort", slices.Equal(o.Sort, n.Sort)},
		{"filter", o.Filter == n.Filter},
		{"group", o.Group == n.Group},
		{"calendar fields", o.DateField == n.DateField && o.EndField == n.EndField},
		{"board field", o.BoardField == n.BoardField},
	} {
		if !p.same {
			d = append(d, p.what)
		}
	}
	return d
}
