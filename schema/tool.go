package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Tool is the design of one tool of a workspace (for example "Contacts"):
// its identity, its name and its ordered fields. A record of the tool holds
// at most one [Value] per field, keyed by field ID.
type Tool struct {
	// ID identifies the tool for its whole life; it must not be uuid.Nil.
	ID uuid.UUID `json:"id"`
	// Name is the tool's display name: 1 to MaxNameRunes runes, trimmed,
	// no control characters.
	Name string `json:"name"`
	// Fields are the tool's fields in display order, at most MaxFields.
	Fields []Field `json:"fields"`
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

// Check reports whether the design is valid: a non-nil ID, a valid name,
// at most MaxFields fields, each passing [Field.Check], with unique IDs and
// unique names (case-insensitive). The error wraps [ErrInvalidDesign] and
// joins every problem found.
func (t *Tool) Check() error {
	if t == nil {
		return fmt.Errorf("%w: nil tool", ErrInvalidDesign)
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: tool %q: %s", ErrInvalidDesign, t.Name, fmt.Sprintf(format, args...)))
	}
	if t.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(t.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	}
	if len(t.Fields) > MaxFields {
		fail("%d fields, more than %d", len(t.Fields), MaxFields)
		return errors.Join(errs...)
	}
	ids := make(map[uuid.UUID]bool, len(t.Fields))
	names := make(map[string]bool, len(t.Fields))
	for i := range t.Fields {
		f := &t.Fields[i]
		if err := f.Check(); err != nil {
			errs = append(errs, err)
		}
		if ids[f.ID] && f.ID != uuid.Nil {
			fail("field %q: duplicate id %s", f.Name, f.ID)
		}
		ids[f.ID] = true
		if k := foldKey(f.Name); names[k] && f.Name != "" {
			fail("field %q: duplicate name (case-insensitive)", f.Name)
		} else {
			names[k] = true
		}
	}
	return errors.Join(errs...)
}
