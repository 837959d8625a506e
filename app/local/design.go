package local

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// maxRejectionNotes caps the problems a refused design's report lists.
const maxRejectionNotes = 3

// ApplyDesign implements model.Designer through the store's safe design
// change: records are migrated and checked on a snapshot first, and the
// design is committed only if everything fits.
func (w *workspace) ApplyDesign(t *schema.Tool) (model.DesignReport, error) {
	if err := w.requireRole(model.RoleManager, "changing the design"); err != nil {
		return model.DesignReport{}, err
	}
	if err := w.b.store.CheckDesignEditable(w.id); err != nil {
		return model.DesignReport{}, mapDesignErr(err)
	}
	rep, err := w.b.store.ApplyDesign(w.id, t)
	out := designReport(rep, w.recordTitle)
	if err != nil {
		return out, mapDesignErr(err)
	}
	w.b.hub.publish(model.Event{Kind: model.DesignChanged, Workspace: w.id, Tool: t.ID})
	return out, nil
}

// DesignAccess implements model.Designer.
func (w *workspace) DesignAccess() (model.DesignAccess, error) {
	info, err := w.Info()
	if err != nil {
		return model.DesignAccess{}, err
	}
	acc := model.DesignAccess{Role: info.Role, Me: schema.MemberRef(info.Me)}
	b, ok, err := w.b.store.Binding(w.id)
	if err != nil {
		return acc, fmt.Errorf("design access of %q: %w", info.Name, err)
	}
	if ok {
		acc.Server = b.Server
		if acc.Server == "" {
			acc.Server = "the server"
		}
	}
	return acc, nil
}

// mapDesignErr tags design errors with the model's sentinels.
func mapDesignErr(err error) error {
	switch {
	case errors.Is(err, replica.ErrConnected):
		return &kindError{err, model.ErrDesignOwnedByServer}
	case errors.Is(err, replica.ErrDesignRejected):
		return &kindError{err, model.ErrDesignRejected}
	}
	return mapErr(err)
}

// recordTitle names a record for people: its first field's text as the
// stored design shows it, or "" when there is none.
func (w *workspace) recordTitle(tool, id uuid.UUID) string {
	t, err := w.b.store.FindTool(w.id, tool.String())
	if err != nil || len(t.Fields) == 0 {
		return ""
	}
	row, err := w.Row(t, id)
	if err != nil || len(row.Values) == 0 {
		return ""
	}
	return row.Values[0].String()
}

// designReport says in words what a design change did to the records, or
// why it was refused; title names records.
func designReport(r replica.DesignReport, title func(tool, record uuid.UUID) string) model.DesignReport {
	out := model.DesignReport{Migrated: r.Migrated}
	if r.Rejected {
		for i, p := range r.Problems {
			if i == maxRejectionNotes {
				break
			}
			out.Notes = append(out.Notes, problemSentence(p, title(r.Tool, p.Record)))
		}
		if more := r.ProblemCount - min(len(r.Problems), maxRejectionNotes); more > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("And %d more problems like these.", more))
		}
		return out
	}
	switch {
	case r.Checked == 0:
	case r.Migrated == 0:
		out.Notes = append(out.Notes, fmt.Sprintf("Checked %s; none needed changing.", plural(r.Checked, "record")))
	default:
		out.Notes = append(out.Notes, fmt.Sprintf("Checked %s; %d updated to the new design.", plural(r.Checked, "record"), r.Migrated))
	}
	for _, c := range r.Diff.Changes {
		if c.Note != "" {
			out.Notes = append(out.Notes, sentence(c.String()))
		}
	}
	if r.MissingRequired > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s without a value for a newly required field will ask for one at their next edit.", plural(r.MissingRequired, "record")))
	}
	return out
}

// problemSentence says why a design was refused, naming the record by its
// title when it has one.
func problemSentence(p replica.DesignProblem, title string) string {
	var b strings.Builder
	switch {
	case p.Record != uuid.Nil && title != "":
		fmt.Fprintf(&b, "the record %q: ", title)
	case p.Record != uuid.Nil:
		fmt.Fprintf(&b, "record %s: ", p.Record)
	}
	if p.FieldName != "" {
		fmt.Fprintf(&b, "%s: ", p.FieldName)
	}
	b.WriteString(p.Msg)
	return sentence(b.String())
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// plural returns "1 record" or "N records".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
