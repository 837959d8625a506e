package local

import (
	"errors"
	"fmt"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
)

// kindError keeps the store's message and adds the model sentinel the
// screens test for.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// mapErr tags store errors with the model's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, replica.ErrNoRecord), errors.Is(err, replica.ErrNoWorkspace), errors.Is(err, replica.ErrNoTool):
		return &kindError{err, model.ErrNotFound}
	case errors.Is(err, replica.ErrInvalidInput), errors.Is(err, schema.ErrInvalidDesign):
		return &kindError{err, model.ErrInvalid}
	case errors.Is(err, replica.ErrRoleTooLow), errors.Is(err, replica.ErrNotMember):
		return &kindError{err, model.ErrNotAllowed}
	}
	return err
}

// names resolves device IDs to member names.
type names map[string]string

func (b *Backend) names(ws [16]byte) names {
	out := names{}
	ms, err := b.store.Members(ws)
	if err != nil {
		return out
	}
	for _, m := range ms {
		out[m.Device.String()] = m.Name
	}
	return out
}

func (n names) version(v replica.VersionInfo, val schema.Value, won bool) model.Version {
	a := v.Author.String()
	return model.Version{Value: val, Author: a, AuthorName: n[a], Replica: v.Replica.String(),
		Time: v.HLC.Time(), Won: won, Refused: v.Refused}
}

func (n names) record(r *replica.Record) *model.Record {
	out := &model.Record{ID: r.ID, Tool: r.Tool, Deleted: r.Deleted,
		Created: r.Created.Time(), CreatedBy: r.CreatedBy.String(),
		Modified: r.Modified.Time(), ModifiedBy: r.ModifiedBy.String()}
	for _, f := range r.Fields {
		fs := model.FieldState{Field: f.Field, Value: f.Value, Winner: n.version(f.Winner, f.Value, true)}
		for _, l := range f.Losers {
			fs.Losers = append(fs.Losers, n.version(l.VersionInfo, l.Value, false))
		}
		out.Fields = append(out.Fields, fs)
	}
	return out
}

// rowMaker turns records into rows aligned to a tool's fields.
type rowMaker struct {
	index   map[[16]byte]int
	n       int
	authors map[[32]byte]string // interned device IDs: a few per workspace
}

func newRowMaker(t *schema.Tool) rowMaker {
	m := rowMaker{index: make(map[[16]byte]int, len(t.Fields)), n: len(t.Fields), authors: map[[32]byte]string{}}
	for i, f := range t.Fields {
		m.index[f.ID] = i
	}
	return m
}

func (m rowMaker) row(r *replica.Record) model.Row {
	row := model.Row{ID: r.ID, Values: make([]schema.Value, m.n), Created: r.Created.Time(),
		Modified: r.Modified.Time(), ModifiedBy: m.author(r.ModifiedBy), Conflicts: r.Conflicts()}
	for _, f := range r.Fields {
		if i, ok := m.index[f.Field]; ok {
			row.Values[i] = f.Value
		}
	}
	return row
}

// label names a record for people: its first non-empty text value.
func label(t *schema.Tool, r *replica.Record) string {
	if t != nil {
		for _, f := range t.Fields {
			if v := r.Value(f.ID); !v.IsEmpty() && (f.Type == schema.Text || f.Type == schema.Choice) {
				return v.String()
			}
		}
	}
	return "Record " + r.ID.String()[:8]
}

func notFound(what string) error { return fmt.Errorf("%s: %w", what, model.ErrNotFound) }

func (m rowMaker) author(d [32]byte) string {
	if s, ok := m.authors[d]; ok {
		return s
	}
	var id identity.DeviceID = d
	s := id.String()
	m.authors[d] = s
	return s
}
