package schema

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ViewType names how a view shows a tool's records.
type ViewType string

// The view types.
const (
	// TableView shows records as rows: chosen columns, sorted, filtered
	// and optionally grouped by a field.
	TableView ViewType = "table"
	// CalendarView places records on the days of a date or date-time
	// field (optionally spanning to an end field).
	CalendarView ViewType = "calendar"
	// BoardView shows records as cards in one column per choice of a
	// choice field.
	BoardView ViewType = "board"
)

// Limits of views.
const (
	// MaxViews is the largest number of views of a tool.
	MaxViews = 100
	// MaxSortKeys is the largest number of sort keys of a view.
	MaxSortKeys = 8
	// MaxOwnerBytes is the longest Owner of a private view.
	MaxOwnerBytes = 120
)

// View is one saved way of looking at a tool's records. Its field
// references are field IDs, so renaming a field keeps the view working.
type View struct {
	// ID identifies the view for its whole life; not uuid.Nil, distinct
	// from the IDs of the tool's other fields, views, forms and rules.
	ID uuid.UUID
	// Name is the view's display name, unique among the tool's views
	// (case-insensitively).
	Name string
	// Type is table, calendar or board.
	Type ViewType
	// Private views are shown only to Owner; shared views to everyone.
	// Both are part of the design, so only managers save them.
	Private bool
	// Owner is the member a private view belongs to (a person reference,
	// "member:DEVICE-ID"); empty for shared views.
	Owner string
	// Columns are the fields shown, in order; empty means every field
	// that is not Hidden. Table and board views.
	Columns []uuid.UUID
	// Sort orders the records: first key first.
	Sort []SortKey
	// Filter is an expression (see "Expressions" in the package
	// documentation) a record must satisfy to be shown; "" shows all.
	// Stored in canonical form with references by ID ({#id}); use
	// [Tool.FormatExpr] to show it.
	Filter string
	// Group is the field a table view groups rows by; uuid.Nil for none.
	Group uuid.UUID
	// DateField is the date, date-time, created-at or modified-at field a
	// calendar view places records by. Calendar views only, required.
	DateField uuid.UUID
	// EndField optionally makes calendar entries span to another date
	// field of the same kind. Calendar views only.
	EndField uuid.UUID
	// BoardField is the choice field whose choices are a board view's
	// columns. Board views only, required.
	BoardField uuid.UUID
}

// SortKey is one key of a view's sort order.
type SortKey struct {
	Field uuid.UUID
	Desc  bool
}

// check reports the problems of v within tool t.
func (v *View) check(t *Tool) []string {
	var p []string
	fail := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("view %s: %s", quote(v.Name), fmt.Sprintf(format, args...)))
	}
	if v.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(v.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	}
	switch v.Type {
	case TableView, CalendarView, BoardView:
	default:
		fail("unknown type %q (want table, calendar or board)", v.Type)
	}
	if v.Private != (v.Owner != "") {
		fail("a private view needs an owner, and only private views have one")
	} else if v.Owner != "" && (len(v.Owner) > MaxOwnerBytes || !utf8.ValidString(v.Owner) || checkPersonID(v.Owner) != nil) {
		fail("owner %s is not a member reference", quote(v.Owner))
	}
	if len(v.Columns) > MaxFields {
		fail("more than %d columns", MaxFields)
	}
	for i, c := range v.Columns {
		if !t.hasField(c) {
			fail("column %s is not a field of the tool", c)
		} else if slices.Contains(v.Columns[:i], c) {
			fail("column %q appears twice", t.fieldName(c))
		}
	}
	if len(v.Sort) > MaxSortKeys {
		fail("more than %d sort keys", MaxSortKeys)
	}
	for _, k := range v.Sort {
		if !t.hasField(k.Field) {
			fail("sort field %s is not a field of the tool", k.Field)
		}
	}
	if v.Filter != "" {
		if _, err := t.CompileExpr(v.Filter); err != nil {
			fail("filter: %v", unwrapDesign(err))
		}
	}
	p = append(p, v.checkLayout(t)...)
	return p
}

// checkLayout checks the fields that depend on the view type.
func (v *View) checkLayout(t *Tool) []string {
	var p []string
	fail := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("view %s: %s", quote(v.Name), fmt.Sprintf(format, args...)))
	}
	need := func(what string, id uuid.UUID, ok func(FieldType) bool, kinds string) {
		f, found := t.FieldByID(id)
		switch {
		case id == uuid.Nil:
			fail("a %s view needs a %s", v.Type, what)
		case !found:
			fail("%s %s is not a field of the tool", what, id)
		case !ok(f.Type):
			fail("%s %q is a %s field; a %s view needs %s", what, f.Name, f.Type, v.Type, kinds)
		}
	}
	isTimeField := func(ft FieldType) bool {
		return ft == Date || ft == DateTime || ft == CreatedAt || ft == ModifiedAt
	}
	if v.Group != uuid.Nil {
		if v.Type != TableView {
			fail("only table views group")
		} else if !t.hasField(v.Group) {
			fail("group field %s is not a field of the tool", v.Group)
		}
	}
	if v.Type == CalendarView {
		need("date field", v.DateField, isTimeField, "a date or date-time field")
		if v.EndField != uuid.Nil {
			need("end field", v.EndField, isTimeField, "a date or date-time field")
		}
	} else if v.DateField != uuid.Nil || v.EndField != uuid.Nil {
		fail("only calendar views have date fields")
	}
	if v.Type == BoardView {
		need("board field", v.BoardField, func(ft FieldType) bool { return ft == Choice }, "a choice field")
	} else if v.BoardField != uuid.Nil {
		fail("only board views have a board field")
	}
	return p
}
