package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// titleSet is the titles of one tool's live records, for lookup fields
// that name them: cells, the form and the search of its lookup editors.
// A published titleSet is never changed; the controller replaces it.
type titleSet struct {
	tool  *schema.Tool
	ids   []uuid.UUID // creation order
	title map[uuid.UUID]string
}

// lookups maps a target tool's ID to its titles.
type lookups map[uuid.UUID]*titleSet

// title returns the title of a record of tool, or "Record 1234abcd".
func (l lookups) title(tool, id uuid.UUID) string {
	if ts := l[tool]; ts != nil {
		if t, ok := ts.title[id]; ok {
			return t
		}
	}
	return widgets.ShortRecord(id)
}

// titles returns every title known, by record.
func (l lookups) titles() map[uuid.UUID]string {
	n := 0
	for _, ts := range l {
		n += len(ts.title)
	}
	out := make(map[uuid.UUID]string, n)
	for _, ts := range l {
		for id, t := range ts.title {
			out[id] = t
		}
	}
	return out
}

// displayField returns the position of the field whose value titles a
// record of t for a lookup field f: its LookupDisplay, else the first.
func displayField(f *schema.Field, t *schema.Tool) int {
	for i := range t.Fields {
		if t.Fields[i].ID == f.LookupDisplay {
			return i
		}
	}
	if len(t.Fields) == 0 {
		return -1
	}
	return 0
}

// displayText is how a value reads outside an editor: a person by name
// (else e-mail), a lookup by its record's title, other values as cells.
func displayText(f *schema.Field, v schema.Value, l lookups) string {
	switch {
	case v.IsEmpty():
		return ""
	case v.Kind() == schema.Person:
		return v.Person().Display()
	case v.Kind() == schema.Lookup:
		return l.title(f.LookupTool, v.Record())
	}
	return cellText(f, v, l)
}

// titleOf makes a record's title from its display value.
func titleOf(id uuid.UUID, f *schema.Field, v schema.Value) string {
	var s string
	switch v.Kind() {
	case schema.Person:
		s = v.Person().Display()
	case schema.Lookup:
		s = widgets.ShortRecord(v.Record())
	default:
		s = cellText(f, v, nil)
	}
	if s == "" {
		return widgets.ShortRecord(id)
	}
	return s
}

// lookupTargets returns the tools the lookup fields of t name.
func lookupTargets(t *schema.Tool) []uuid.UUID {
	var out []uuid.UUID
	for _, f := range t.Fields {
		if f.Type == schema.Lookup && f.LookupTool != uuid.Nil && !slices.Contains(out, f.LookupTool) {
			out = append(out, f.LookupTool)
		}
	}
	return out
}

// The functions below run on the controller's goroutine.

// lookupTitles returns the titles the lookup fields of t need; with load
// it first reads those not cached yet.
func (s *Screen) lookupTitles(ctx context.Context, t *schema.Tool, load bool) lookups {
	targets := lookupTargets(t)
	if len(targets) == 0 {
		return nil
	}
	if s.c.titles == nil {
		s.c.titles = lookups{}
	}
	out := lookups{}
	var tools []*schema.Tool
	for _, id := range targets {
		ts := s.c.titles[id]
		if ts == nil && load {
			if tools == nil {
				tools, _ = s.ws.Tools()
			}
			ts = s.loadTitles(ctx, t, id, tools)
		}
		if ts != nil {
			out[id] = ts
		}
	}
	return out
}

// loadTitles reads the titles of a target tool's records for the lookup
// fields of t.
func (s *Screen) loadTitles(ctx context.Context, t *schema.Tool, target uuid.UUID, tools []*schema.Tool) *titleSet {
	var tt *schema.Tool
	for _, x := range tools {
		if x.ID == target {
			tt = x
		}
	}
	if tt == nil {
		return nil
	}
	var lf *schema.Field
	for i := range t.Fields {
		if t.Fields[i].Type == schema.Lookup && t.Fields[i].LookupTool == target {
			lf = &t.Fields[i]
			break
		}
	}
	col := displayField(lf, tt)
	ts := &titleSet{tool: tt, title: map[uuid.UUID]string{}}
	if col < 0 {
		s.c.titles[target] = ts
		return ts
	}
	ts.tool = &schema.Tool{ID: tt.ID, Name: tt.Name, Fields: []schema.Field{tt.Fields[col]}}
	err := s.ws.Scan(ctx, ts.tool, 1000, func(rows []model.Row) error {
		for _, r := range rows {
			var v schema.Value
			if len(r.Values) > 0 {
				v = r.Values[0]
			}
			ts.ids = append(ts.ids, r.ID)
			ts.title[r.ID] = titleOf(r.ID, &ts.tool.Fields[0], v)
		}
		return nil
	})
	if err != nil {
		return nil
	}
	s.c.titles[target] = ts
	return ts
}

// lookupEvents brings the cached titles up to date with changed records;
// it reports whether any changed.
func (s *Screen) lookupEvents(events []model.Event) bool {
	if len(s.c.titles) == 0 {
		return false
	}
	changed := map[uuid.UUID][]uuid.UUID{}
	for _, e := range events {
		switch {
		case e.Kind == model.Resync || e.Kind == model.DesignChanged:
			s.c.titles = nil
			return true
		case e.Kind == model.RecordChanged && e.Tool == uuid.Nil:
			s.c.titles = nil
			return true
		case e.Kind == model.RecordChanged && s.c.titles[e.Tool] != nil:
			changed[e.Tool] = append(changed[e.Tool], e.Record)
		}
	}
	for tool, ids := range changed {
		old := s.c.titles[tool]
		ts := &titleSet{tool: old.tool, ids: slices.Clone(old.ids), title: make(map[uuid.UUID]string, len(old.title)+len(ids))}
		for id, t := range old.title {
			ts.title[id] = t
		}
		for _, id := range ids {
			r, err := s.ws.Row(ts.tool, id)
			switch {
			case errors.Is(err, model.ErrNotFound):
				if _, ok := ts.title[id]; ok {
					delete(ts.title, id)
					ts.ids = slices.DeleteFunc(ts.ids, func(x uuid.UUID) bool { return x == id })
				}
			case err == nil:
				var v schema.Value
				if len(r.Values) > 0 {
					v = r.Values[0]
				}
				if _, ok := ts.title[id]; !ok {
					ts.ids = append(ts.ids, id)
				}
				ts.title[id] = titleOf(id, &ts.tool.Fields[0], v)
			}
		}
		s.c.titles[tool] = ts
	}
	return len(changed) > 0
}

// searchTitles lists the records of a lookup field's target tool whose
// title contains text (case-insensitively), at most widgets.MaxMatches,
// in creation order. Titles that repeat get the record's short ID.
func (s *Screen) searchTitles(ctx context.Context, t *schema.Tool, f schema.Field, text string) []widgets.LookupOption {
	ts := s.lookupTitles(ctx, t, true)[f.LookupTool]
	if ts == nil {
		return nil
	}
	text = strings.ToLower(strings.TrimSpace(text))
	var out []widgets.LookupOption
	seen := map[string]int{}
	for _, id := range ts.ids {
		title := ts.title[id]
		if text != "" && !strings.Contains(strings.ToLower(title), text) {
			continue
		}
		seen[title]++
		out = append(out, widgets.LookupOption{Record: id, Title: title})
		if len(out) == widgets.MaxMatches {
			break
		}
	}
	for i := range out {
		if seen[out[i].Title] > 1 {
			out[i].Title = fmt.Sprintf("%s (%s)", out[i].Title, out[i].Record.String()[:8])
		}
	}
	return out
}

// searchPause is how long the person must pause typing into a lookup
// field before its records are searched.
const searchPause = 150 * time.Millisecond

// lookupSearches holds a form's pending lookup searches, one per field:
// each waits for a pause in the typing, so fast typing searches once.
// Only the Fyne thread touches it; the search it starts runs on the
// controller's goroutine, and ShowMatches drops an answer for text no
// longer shown.
type lookupSearches struct {
	timers map[uuid.UUID]*time.Timer
}

// after runs search once the typing into field has paused, replacing
// the search still waiting for that field.
func (ls *lookupSearches) after(field uuid.UUID, search func()) {
	if ls.timers == nil {
		ls.timers = map[uuid.UUID]*time.Timer{}
	}
	if t := ls.timers[field]; t != nil {
		t.Stop()
	}
	ls.timers[field] = time.AfterFunc(searchPause, search)
}

// stop drops the searches still waiting.
func (ls *lookupSearches) stop() {
	for _, t := range ls.timers {
		t.Stop()
	}
	ls.timers = nil
}

// peopleOptions lists the members a person field offers, by name; names
// that repeat get the device's short ID.
func peopleOptions(ms []model.Member) []widgets.PersonOption {
	count := map[string]int{}
	for _, m := range ms {
		count[m.Name]++
	}
	out := make([]widgets.PersonOption, 0, len(ms))
	for _, m := range ms {
		label := m.Name
		if label == "" || count[m.Name] > 1 {
			label = strings.TrimSpace(m.Name + " (" + model.ShortID(m.Device) + ")")
		}
		out = append(out, widgets.PersonOption{Label: label,
			Person: schema.PersonParts{ID: schema.MemberRef(m.Device), Name: m.Name}})
	}
	return out
}

// valueText is how a value reads where its field's design is not at hand:
// a person by name (else e-mail), a lookup by its record's short ID.
func valueText(v schema.Value) string {
	switch v.Kind() {
	case schema.Person:
		return v.Person().Display()
	case schema.Lookup:
		return widgets.ShortRecord(v.Record())
	}
	return v.String()
}
