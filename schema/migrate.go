package schema

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
)

// Migration carries the records of a tool from one design to another: it
// converts the values of retyped fields, checks values against new or
// stricter rules (min, max, length, pattern, choices, precision, unique,
// tool rules) and drops the values of fields that became computed. Build
// one with [PlanMigration] and feed it every live record of the tool with
// [Migration.Record]. A Migration is not safe for concurrent use (it
// remembers unique values across records).
//
// Required is not enforced on existing records: a record that lacks a
// value for a newly required field is reported in MissingRequired, kept,
// and asked for the value at its next edit, as list products do.
type Migration struct {
	old, new *Tool
	steps    []*Field // fields whose stored values are converted and checked
	required []*Field // newly required fields, for the warning count
	uniques  []*Field // fields whose uniqueness must be checked across records
	rules    bool     // the tool rules must be evaluated on every record
	valid    *Validator
	seen     map[uuid.UUID]map[string]uuid.UUID // unique field -> value key -> record
}

// RecordResult is what migrating one record gives.
type RecordResult struct {
	// Changes are the values to write: converted values, and empty values
	// for fields that became computed. Unchanged values are not listed.
	Changes map[uuid.UUID]Value
	// Problems are the conversions that failed and the rules the migrated
	// record breaks; any refuses the design change.
	Problems []*RuleError
	// MissingRequired lists newly required fields the record has no value
	// for (a warning, not a problem).
	MissingRequired []uuid.UUID
}

// PlanMigration plans the migration of records from design old (nil: the
// tool is new) to design new, which must pass [Tool.Check]. Added fields
// start empty; call [Migration.Restore] for added fields whose IDs held
// values before (a removed field restored), so those are converted too.
func PlanMigration(old, new *Tool) (*Migration, error) {
	v, err := new.NewValidator()
	if err != nil {
		return nil, err // new passed Check, so this is a bug of ours or a design not checked
	}
	m := &Migration{old: old, new: new, valid: v, seen: map[uuid.UUID]map[string]uuid.UUID{}}
	if old == nil {
		return m, nil
	}
	converted := false
	for i := range new.Fields {
		nf := &new.Fields[i]
		of, ok := old.FieldByID(nf.ID)
		if !ok {
			if nf.Required {
				m.required = append(m.required, nf)
			}
			continue
		}
		if needsStep(of, nf) {
			m.steps = append(m.steps, nf)
			converted = true
		}
		if nf.Required && !of.Required && !nf.Type.Computed() {
			m.required = append(m.required, nf)
		}
		if nf.Unique && (!of.Unique || of.Type != nf.Type) {
			m.uniques = append(m.uniques, nf)
		}
	}
	m.rules = len(new.Rules) > 0 && (converted || rulesChanged(old, new))
	return m, nil
}

// Restore makes the migration convert the stored values of added fields
// with the given IDs (fields removed earlier and now back).
func (m *Migration) Restore(ids ...uuid.UUID) {
	for _, id := range ids {
		nf, ok := m.new.FieldByID(id)
		if !ok || slices.Contains(m.steps, nf) {
			continue
		}
		if m.old != nil {
			if _, had := m.old.FieldByID(id); had {
				continue
			}
		}
		m.steps = append(m.steps, nf)
		if nf.Unique {
			m.uniques = append(m.uniques, nf)
		}
		m.rules = m.rules || len(m.new.Rules) > 0
	}
}

// needsStep reports whether stored values of a field must be converted or
// checked when its design goes from of to nf.
func needsStep(of, nf *Field) bool {
	if of.Type != nf.Type {
		return true
	}
	if nf.Type.Computed() {
		return false
	}
	switch {
	case nf.Min != nil && (of.Min == nil || *nf.Min > *of.Min),
		nf.Max != nil && (of.Max == nil || *nf.Max < *of.Max),
		nf.MaxRunes() < of.MaxRunes(),
		nf.Pattern != "" && nf.Pattern != of.Pattern,
		len(without(of.Choices, nf.Choices)) > 0,
		nf.decimals() >= 0 && (of.decimals() < 0 || nf.decimals() < of.decimals()):
		return true
	}
	return false
}

// rulesChanged reports whether new has a rule old lacks or one whose
// expression changed.
func rulesChanged(old, new *Tool) bool {
	for _, r := range new.Rules {
		o, ok := old.RuleByID(r.ID)
		if !ok || o.Expr != r.Expr {
			return true
		}
	}
	return false
}

// NeedsRecords reports whether the migration has to see the records: false
// when the change cannot affect them (names, views, forms, descriptions,
// looser rules), so the design commits without reading a record.
func (m *Migration) NeedsRecords() bool {
	return len(m.steps) > 0 || len(m.uniques) > 0 || m.rules || len(m.required) > 0
}

// Record migrates one live record, given its stored values by field ID
// (fields of other or removed designs may be present and are left alone;
// values is only read, and not kept).
// Records must be fed in a stable order (creation order) so that, of two
// records sharing a unique value, the later one is reported.
func (m *Migration) Record(id uuid.UUID, values map[uuid.UUID]Value) RecordResult {
	var res RecordResult
	for _, f := range m.steps {
		cur, ok := values[f.ID]
		if !ok || cur.IsEmpty() {
			continue
		}
		nv, err := ConvertValue(cur, f)
		if err != nil {
			res.Problems = append(res.Problems, asRuleError(f, err))
			continue
		}
		if nv.Equal(cur) {
			continue
		}
		if res.Changes == nil {
			res.Changes = make(map[uuid.UUID]Value, 2)
		}
		res.Changes[f.ID] = nv
	}
	// The migrated record, without copying values.
	get := func(id uuid.UUID) Value {
		if v, ok := res.Changes[id]; ok {
			return v
		}
		return values[id]
	}
	for _, f := range m.required {
		if get(f.ID).IsEmpty() {
			res.MissingRequired = append(res.MissingRequired, f.ID)
		}
	}
	for _, f := range m.uniques {
		if p := m.unique(id, f, get(f.ID)); p != nil {
			res.Problems = append(res.Problems, p)
		}
	}
	if m.rules && len(res.Problems) == 0 {
		res.Problems = append(res.Problems, m.valid.rulesFailed(get)...)
	}
	return res
}

// unique remembers v for field f and reports a clash with an earlier
// record.
func (m *Migration) unique(id uuid.UUID, f *Field, v Value) *RuleError {
	if v.IsEmpty() {
		return nil
	}
	seen := m.seen[f.ID]
	if seen == nil {
		seen = make(map[string]uuid.UUID)
		m.seen[f.ID] = seen
	}
	k := UniqueKey(v)
	if other, dup := seen[k]; dup && other != id {
		return f.ruleError(RuleUnique, "%s is also the value of record %s", quote(v.String()), other)
	}
	seen[k] = id
	return nil
}

// UniqueKey returns the key under which a value counts for a Unique
// field: text and choices case-insensitively, other kinds by their
// encoding.
func UniqueKey(v Value) string {
	switch v.kind {
	case kindText, kindChoice:
		return "t" + foldKey(v.text)
	case kindPerson:
		p := v.Person()
		if p.ID != "" {
			return "p" + p.ID
		}
		return "e" + foldKey(p.Email)
	}
	return string(v.AppendBinary(nil))
}

// asRuleError turns a conversion error into a *RuleError of f.
func asRuleError(f *Field, err error) *RuleError {
	if re, ok := err.(*RuleError); ok {
		return re
	}
	return &RuleError{Field: f.Name, FieldID: f.ID, Rule: RuleConvert, Msg: fmt.Sprint(err)}
}
