package workspace

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// kindsTool has a field of every type the row storage treats apart.
func kindsTool() *schema.Tool {
	t := &schema.Tool{ID: uuid.New(), Name: "Kinds"}
	for _, ft := range []schema.FieldType{schema.Text, schema.LongText, schema.Choice, schema.Number,
		schema.Date, schema.Checkbox, schema.DateTime, schema.MultiChoice, schema.Person, schema.Lookup} {
		t.Fields = append(t.Fields, schema.Field{ID: uuid.New(), Name: string(ft), Type: ft})
	}
	return t
}

// randomValue returns a value for a field of type ft (or, now and then,
// of another type, as after a design change), empty one time in five.
func randomValue(rng *rand.Rand, ft schema.FieldType) schema.Value {
	if rng.IntN(5) == 0 {
		return schema.Value{}
	}
	if rng.IntN(20) == 0 {
		ft = []schema.FieldType{schema.Text, schema.Number, schema.Choice}[rng.IntN(3)]
	}
	words := []string{"alpha", "Beta", "gamma", "Ünïcode", "ship", "ΣΟΦΙΑ", "x", "Task 7"}
	switch ft {
	case schema.Text:
		return schema.TextValue(fmt.Sprintf("%s %d", words[rng.IntN(len(words))], rng.IntN(1000)))
	case schema.LongText:
		// Past 127 bytes the stored length takes two bytes.
		return schema.TextValue(strings.Repeat(words[rng.IntN(len(words))]+" ", 1+rng.IntN(60)) + "\nsecond line")
	case schema.Choice:
		return schema.ChoiceValue(words[rng.IntN(4)])
	case schema.Number:
		return schema.NumberValue(float64(rng.IntN(2000)-1000) / 8)
	case schema.Date:
		return schema.DateDays(int32(rng.IntN(40000) - 20000))
	case schema.Checkbox:
		return schema.BoolValue(rng.IntN(2) == 0)
	case schema.DateTime:
		return schema.DateTimeSeconds(int64(rng.IntN(1 << 40)))
	case schema.MultiChoice:
		return schema.MultiChoiceValue(words[rng.IntN(4)], words[4+rng.IntN(4)])
	case schema.Person:
		return schema.PersonValue(schema.PersonParts{Email: fmt.Sprintf("p%d@example.org", rng.IntN(9)), Name: words[rng.IntN(len(words))]})
	case schema.Lookup:
		return schema.LookupValue(uuid.New())
	}
	return schema.Value{}
}

func randomRow(rng *rand.Rand, t *schema.Tool, id uuid.UUID) model.Row {
	r := model.Row{ID: id, Values: make([]schema.Value, len(t.Fields)),
		ModifiedBy: fmt.Sprintf("device-%d", rng.IntN(3)), Conflicts: rng.IntN(8) / 7}
	if rng.IntN(10) > 0 {
		r.Modified = time.Date(2026, 3, 1+rng.IntN(20), rng.IntN(24), 0, 0, rng.IntN(1e9), time.UTC)
	}
	for i, f := range t.Fields {
		r.Values[i] = randomValue(rng, f.Type)
	}
	return r
}

// refView is what the table shows, computed the plain way over model.Rows
// (the storage before it was made compact): the reference.
func refView(t *schema.Tool, rows []model.Row, q query) []uuid.UUID {
	var out []model.Row
	search := strings.ToLower(strings.TrimSpace(q.search))
	filter := strings.ToLower(strings.TrimSpace(q.filterText))
	useFilter := q.filterCol >= 0 && q.filterCol < len(t.Fields) && filter != ""
	exact := useFilter && (t.Fields[q.filterCol].Type == schema.Choice || t.Fields[q.filterCol].Type == schema.Checkbox)
	for _, r := range rows {
		if search != "" {
			var b strings.Builder
			for c, v := range r.Values {
				if !v.IsEmpty() {
					b.WriteString(strings.ToLower(searchText(&t.Fields[c], v, nil)))
					b.WriteByte(0)
				}
			}
			if !strings.Contains(b.String(), search) {
				continue
			}
		}
		if useFilter {
			got := strings.ToLower(searchText(&t.Fields[q.filterCol], r.Values[q.filterCol], nil))
			if exact && got != filter || !exact && !strings.Contains(got, filter) {
				continue
			}
		}
		out = append(out, r)
	}
	if q.sortDir != 0 && q.sortCol >= 0 {
		c := q.sortCol
		slices.SortStableFunc(out, func(a, b model.Row) int {
			va, vb := a.Values[c], b.Values[c]
			switch ea, eb := va.IsEmpty(), vb.IsEmpty(); {
			case ea && eb:
				return 0
			case ea:
				return 1
			case eb:
				return -1
			}
			return q.sortDir * va.Compare(vb)
		})
	}
	ids := make([]uuid.UUID, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	return ids
}

// checkView compares a view with the reference, value by value.
func checkView(t *testing.T, what string, tool *schema.Tool, rows []model.Row, v *view, q query) {
	t.Helper()
	want := refView(tool, rows, q)
	if v.Len() != len(want) {
		t.Fatalf("%s: view shows %d rows, reference %d", what, v.Len(), len(want))
	}
	byID := map[uuid.UUID]model.Row{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	for i, id := range want {
		if v.ID(i) != id {
			t.Fatalf("%s: row %d is %v, want %v", what, i, v.ID(i), id)
		}
		r := byID[id]
		for c := range tool.Fields {
			got := v.Value(i, c)
			if !got.Equal(r.Values[c]) || got.Kind() != r.Values[c].Kind() {
				t.Fatalf("%s: row %d col %s = %q (%s), want %q (%s)", what, i, tool.Fields[c].Name,
					got.String(), got.Kind(), r.Values[c].String(), r.Values[c].Kind())
			}
		}
		if got := v.Label(i); got != rowLabel(tool, r) {
			t.Fatalf("%s: label of row %d = %q, want %q", what, i, got, rowLabel(tool, r))
		}
		d := &tableData{v: v, me: "device-0", looked: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), seen: map[uuid.UUID]bool{}}
		wantMark := widgets.MarkNone
		switch {
		case r.Conflicts > 0:
			wantMark = widgets.MarkConflict
		case r.ModifiedBy != d.me && r.Modified.After(d.looked):
			wantMark = widgets.MarkUnread
		}
		if got := d.Mark(i); got != wantMark {
			t.Fatalf("%s: mark of row %d = %v, want %v", what, i, got, wantMark)
		}
	}
}

func rowLabel(t *schema.Tool, r model.Row) string {
	for i, f := range t.Fields {
		if !r.Values[i].IsEmpty() && (f.Type == schema.Text || f.Type == schema.Choice) {
			return r.Values[i].String()
		}
	}
	return "Record " + r.ID.String()[:8]
}

// TestRowSetMatchesPlainRows drives the compact storage and a plain list
// of model.Rows with the same random loads, edits and deletes, and checks
// that every query shows the same rows with the same values and marks.
func TestRowSetMatchesPlainRows(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	tool := kindsTool()
	rs := newRowSet(tool)
	var rows []model.Row
	queries := []query{
		{filterCol: -1},
		{filterCol: -1, search: "alpha"},
		{filterCol: -1, search: "ünï"},
		{filterCol: 2, filterText: "beta"},
		{filterCol: 0, filterText: "ship"},
	}
	for c := range tool.Fields {
		queries = append(queries, query{filterCol: -1, sortCol: c, sortDir: 1}, query{filterCol: -1, sortCol: c, sortDir: -1, search: "a"})
	}
	var kept []*view // earlier snapshots must not change
	var keptRows [][]model.Row
	for step := 0; step < 40; step++ {
		switch op := rng.IntN(4); {
		case op == 0 || len(rows) == 0: // a batch as Scan delivers it
			batch := make([]model.Row, 1+rng.IntN(300))
			for i := range batch {
				batch[i] = randomRow(rng, tool, uuid.New())
			}
			rows = append(rows, batch...)
			rs.add(batch)
		case op == 1: // a record changed
			i := rng.IntN(len(rows))
			r := randomRow(rng, tool, rows[i].ID)
			rows = slices.Clone(rows)
			rows[i] = r
			rs.put(r)
		case op == 2: // a record deleted
			i := rng.IntN(len(rows))
			rs.remove(rows[i].ID)
			rows = slices.Delete(slices.Clone(rows), i, i+1)
		default: // a record created elsewhere
			r := randomRow(rng, tool, uuid.New())
			rows = append(slices.Clone(rows), r)
			rs.put(r)
		}
		q := queries[rng.IntN(len(queries))]
		checkView(t, fmt.Sprintf("step %d %+v", step, q), tool, rows, rs.view(q, false, nil), q)
		if step%8 == 0 {
			kept = append(kept, rs.view(query{filterCol: -1}, false, nil))
			keptRows = append(keptRows, rows)
		}
	}
	for i, v := range kept {
		checkView(t, fmt.Sprintf("snapshot %d", i), tool, keptRows[i], v, query{filterCol: -1})
	}
}

// TestRowSetCompactsAfterManyEdits: edits add slots; when dead ones
// outnumber the live, the storage is rebuilt, and older snapshots stay.
func TestRowSetCompactsAfterManyEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tool := kindsTool()
	rs := newRowSet(tool)
	rows := make([]model.Row, 100)
	for i := range rows {
		rows[i] = randomRow(rng, tool, uuid.New())
	}
	rs.add(rows)
	before := rs.view(query{filterCol: -1}, false, nil)
	beforeRows := slices.Clone(rows)
	for n := 0; n < 3000; n++ {
		i := rng.IntN(len(rows))
		rows[i] = randomRow(rng, tool, rows[i].ID)
		rs.put(rows[i])
	}
	if slots := len(rs.t.ids); slots > 2*len(rows)+1024 {
		t.Errorf("%d slots for %d rows after 3000 edits: never compacted", slots, len(rows))
	}
	checkView(t, "after edits", tool, rows, rs.view(query{filterCol: -1}, false, nil), query{filterCol: -1})
	checkView(t, "snapshot before edits", tool, beforeRows, before, query{filterCol: -1})
}

// TestRowSetStoresRepeatedTextsOnce: choices and other short repeated
// texts are stored once per column.
func TestRowSetStoresRepeatedTextsOnce(t *testing.T) {
	tool := &schema.Tool{Fields: []schema.Field{{Name: "Status", Type: schema.Choice}, {Name: "Title", Type: schema.Text}}}
	rs := newRowSet(tool)
	batch := make([]model.Row, 10000)
	for i := range batch {
		batch[i] = model.Row{ID: uuid.New(), Values: []schema.Value{
			schema.ChoiceValue([]string{"To do", "Doing", "Done"}[i%3]),
			schema.TextValue(fmt.Sprintf("A title long enough not to be interned, number %d", i)),
		}}
	}
	rs.add(batch)
	size := func(c int) (n int) {
		for _, ch := range rs.t.cols[c].chunks {
			n += len(ch)
		}
		return n
	}
	if n := size(0); n > 32 {
		t.Errorf("10,000 cells of 3 choices take %d bytes of text", n)
	}
	if n := size(1); n < 10000*40 {
		t.Errorf("10,000 distinct titles take only %d bytes: texts lost", n)
	}
}
