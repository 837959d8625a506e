package schema

import (
	"fmt"

	"github.com/google/uuid"
)

// Limits of forms.
const (
	// MaxForms is the largest number of forms of a tool.
	MaxForms = 50
	// MaxSections is the largest number of sections of a form.
	MaxSections = 50
)

// Form is a saved layout for entering and showing one record: sections of
// fields in order, each with an optional label and a read-only flag.
type Form struct {
	// ID identifies the form; not uuid.Nil, distinct from the IDs of the
	// tool's other elements.
	ID uuid.UUID
	// Name is the form's display name, unique among the tool's forms
	// (case-insensitively).
	Name string
	// Sections are the form's parts, in order: at least one.
	Sections []FormSection
}

// FormSection is one titled group of a form's fields.
type FormSection struct {
	// Title heads the section; it may be empty (an untitled section).
	Title string
	// Items are the section's fields in order.
	Items []FormItem
}

// FormItem is one field on a form.
type FormItem struct {
	// Field is the field's ID. A field appears at most once per form.
	Field uuid.UUID
	// Label replaces the field's name on this form; "" shows the name.
	Label string
	// ReadOnly shows the value without letting it be edited. Computed
	// fields are always read-only.
	ReadOnly bool
}

// check reports the problems of fm within tool t.
func (fm *Form) check(t *Tool) []string {
	var p []string
	fail := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("form %s: %s", quote(fm.Name), fmt.Sprintf(format, args...)))
	}
	if fm.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(fm.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	}
	if len(fm.Sections) == 0 || len(fm.Sections) > MaxSections {
		fail("needs 1 to %d sections", MaxSections)
		return p
	}
	seen := make(map[uuid.UUID]bool)
	for i, s := range fm.Sections {
		if s.Title != "" {
			if err := checkName(s.Title, MaxNameRunes); err != nil {
				fail("section %d title: %v", i+1, err)
			}
		}
		if len(s.Items) > MaxFields {
			fail("section %d: more than %d fields", i+1, MaxFields)
			continue
		}
		for _, it := range s.Items {
			switch {
			case !t.hasField(it.Field):
				fail("field %s is not a field of the tool", it.Field)
			case seen[it.Field]:
				fail("field %q appears twice", t.fieldName(it.Field))
			}
			seen[it.Field] = true
			if it.Label != "" {
				if err := checkName(it.Label, MaxNameRunes); err != nil {
					fail("label of %q: %v", t.fieldName(it.Field), err)
				}
			}
		}
	}
	return p
}

// Fields returns the form's field IDs in order.
func (fm *Form) Fields() []uuid.UUID {
	var out []uuid.UUID
	for _, s := range fm.Sections {
		for _, it := range s.Items {
			out = append(out, it.Field)
		}
	}
	return out
}
