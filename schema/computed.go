package schema

import (
	"time"

	"github.com/google/uuid"
)

// RecordMeta is what computed fields are computed from: the record's
// metadata as the store knows it.
type RecordMeta struct {
	// Number is the record's position in its tool's creation order,
	// starting at 1 (the store defines the order); 0 if unknown.
	Number int64
	// Created and Modified are the times of the creating edit and of the
	// newest change.
	Created, Modified time.Time
	// CreatedBy and ModifiedBy are person values (see [PersonValue]) of
	// the creator and of the author of the newest change.
	CreatedBy, ModifiedBy Value
}

// ComputedValue returns the value of a computed field for a record with
// the given metadata, and the empty Value for stored fields.
func (f *Field) ComputedValue(m RecordMeta) Value {
	switch f.Type {
	case AutoNumber:
		if m.Number > 0 {
			return NumberValue(float64(m.Number))
		}
	case CreatedAt:
		if !m.Created.IsZero() {
			return DateTimeValue(m.Created)
		}
	case ModifiedAt:
		if !m.Modified.IsZero() {
			return DateTimeValue(m.Modified)
		}
	case CreatedBy:
		return m.CreatedBy
	case ModifiedBy:
		return m.ModifiedBy
	}
	return Value{}
}

// WithComputed returns values plus the computed fields' values for a
// record with the given metadata; values itself is not changed.
func (t *Tool) WithComputed(values map[uuid.UUID]Value, m RecordMeta) map[uuid.UUID]Value {
	out := make(map[uuid.UUID]Value, len(values)+2)
	for k, v := range values {
		out[k] = v
	}
	for i := range t.Fields {
		if f := &t.Fields[i]; f.Type.Computed() {
			if v := f.ComputedValue(m); !v.IsEmpty() {
				out[f.ID] = v
			} else {
				delete(out, f.ID)
			}
		}
	}
	return out
}

// WithDefaults returns values plus the Default of every field that values
// does not mention, for a new record; values itself is not changed. An
// explicitly empty value keeps the field empty.
func (t *Tool) WithDefaults(values map[uuid.UUID]Value) map[uuid.UUID]Value {
	var out map[uuid.UUID]Value
	for i := range t.Fields {
		f := &t.Fields[i]
		if f.Default.IsEmpty() {
			continue
		}
		if _, given := values[f.ID]; given {
			continue
		}
		if out == nil {
			out = make(map[uuid.UUID]Value, len(values)+1)
			for k, v := range values {
				out[k] = v
			}
		}
		out[f.ID] = f.Default
	}
	if out == nil {
		return values
	}
	return out
}
