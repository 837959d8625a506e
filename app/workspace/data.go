package workspace

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// query is what the person asked the table to show: a sort, a search
// over every column and a filter on one column.
type query struct {
	sortCol, sortDir int // sortDir 0: creation order
	search           string
	filterCol        int // -1: no filter
	filterText       string
}

func (q query) identity() bool {
	return q.sortDir == 0 && strings.TrimSpace(q.search) == "" && (q.filterCol < 0 || q.filterText == "")
}

// rowSet is the controller's copy of one tool's live records, in creation
// order. Only the controller's goroutine touches it. Published views share
// its rows, so rows are replaced, never changed in place, and the slice is
// copied before an element is overwritten or removed.
type rowSet struct {
	tool  *schema.Tool
	rows  []*model.Row
	index map[uuid.UUID]int
	hay   []string // lower-case search text per row, built on demand
}

func newRowSet(t *schema.Tool) *rowSet {
	return &rowSet{tool: t, index: map[uuid.UUID]int{}}
}

// add appends rows read in creation order.
func (rs *rowSet) add(batch []model.Row) {
	for i := range batch {
		rs.index[batch[i].ID] = len(rs.rows)
		rs.rows = append(rs.rows, &batch[i])
	}
}

// put inserts or replaces one row.
func (rs *rowSet) put(r model.Row) {
	if i, ok := rs.index[r.ID]; ok {
		rs.rows = slices.Clone(rs.rows)
		rs.rows[i] = &r
		if i < len(rs.hay) {
			rs.hay[i] = haystack(&r)
		}
		return
	}
	rs.index[r.ID] = len(rs.rows)
	rs.rows = append(rs.rows, &r)
}

// remove drops a row.
func (rs *rowSet) remove(id uuid.UUID) bool {
	i, ok := rs.index[id]
	if !ok {
		return false
	}
	rs.rows = slices.Delete(slices.Clone(rs.rows), i, i+1)
	if i < len(rs.hay) {
		rs.hay = slices.Delete(rs.hay, i, i+1)
	}
	delete(rs.index, id)
	for j := i; j < len(rs.rows); j++ {
		rs.index[rs.rows[j].ID] = j
	}
	return true
}

func haystack(r *model.Row) string {
	var b strings.Builder
	for _, v := range r.Values {
		if !v.IsEmpty() {
			b.WriteString(strings.ToLower(v.String()))
			b.WriteByte(0)
		}
	}
	return b.String()
}

// view computes what q shows of the rows.
func (rs *rowSet) view(q query, loading bool) *view {
	v := &view{tool: rs.tool, rows: rs.rows, total: len(rs.rows), loading: loading}
	if q.identity() {
		return v
	}
	order := make([]int32, 0, len(rs.rows))
	search := strings.ToLower(strings.TrimSpace(q.search))
	if search != "" {
		for len(rs.hay) < len(rs.rows) {
			rs.hay = append(rs.hay, haystack(rs.rows[len(rs.hay)]))
		}
	}
	filter := strings.ToLower(strings.TrimSpace(q.filterText))
	useFilter := q.filterCol >= 0 && q.filterCol < len(rs.tool.Fields) && filter != ""
	exact := useFilter && (rs.tool.Fields[q.filterCol].Type == schema.Choice || rs.tool.Fields[q.filterCol].Type == schema.Checkbox)
	for i, r := range rs.rows {
		if search != "" && !strings.Contains(rs.hay[i], search) {
			continue
		}
		if useFilter {
			var got string
			if q.filterCol < len(r.Values) {
				got = strings.ToLower(r.Values[q.filterCol].String())
			}
			if exact && got != filter || !exact && !strings.Contains(got, filter) {
				continue
			}
		}
		order = append(order, int32(i))
	}
	if q.sortDir != 0 && q.sortCol >= 0 && q.sortCol < len(rs.tool.Fields) {
		c, dir := q.sortCol, q.sortDir
		slices.SortStableFunc(order, func(a, b int32) int {
			va, vb := value(rs.rows[a], c), value(rs.rows[b], c)
			// Empty values go last in both directions.
			switch ea, eb := va.IsEmpty(), vb.IsEmpty(); {
			case ea && eb:
				return 0
			case ea:
				return 1
			case eb:
				return -1
			}
			return dir * va.Compare(vb)
		})
	}
	v.order = order
	return v
}

func value(r *model.Row, col int) schema.Value {
	if col < len(r.Values) {
		return r.Values[col]
	}
	return schema.Value{}
}

// view is an immutable snapshot of the rows a query shows, handed from the
// controller to the Fyne thread.
type view struct {
	tool    *schema.Tool
	rows    []*model.Row
	order   []int32 // nil: every row in creation order
	total   int
	loading bool
}

// Len returns the number of rows shown.
func (v *view) Len() int {
	if v == nil {
		return 0
	}
	if v.order != nil {
		return len(v.order)
	}
	return len(v.rows)
}

// Row returns the i-th row shown.
func (v *view) Row(i int) *model.Row {
	if v.order != nil {
		return v.rows[v.order[i]]
	}
	return v.rows[i]
}

// Find returns the position of a record, or -1.
func (v *view) Find(id uuid.UUID) int {
	for i, n := 0, v.Len(); i < n; i++ {
		if v.Row(i).ID == id {
			return i
		}
	}
	return -1
}

// cellText formats a value for a cell.
func cellText(f *schema.Field, v schema.Value) string {
	if v.IsEmpty() {
		return ""
	}
	switch f.Type {
	case schema.Checkbox:
		if v.Bool() {
			return "✓"
		}
		return ""
	case schema.Number:
		return strconv.FormatFloat(v.Number(), 'f', -1, 64)
	case schema.LongText:
		s := v.String()
		if i := strings.IndexAny(s, "\r\n"); i >= 0 {
			s = s[:i] + " …"
		}
		return s
	}
	return v.String()
}

// tableData adapts a view to widgets.TableData on the Fyne thread.
type tableData struct {
	v      *view
	me     string
	looked time.Time
	seen   map[uuid.UUID]bool
}

func (d *tableData) Len() int { return d.v.Len() }

func (d *tableData) Text(row, col int) string {
	if row >= d.v.Len() || col >= len(d.v.tool.Fields) {
		return ""
	}
	return cellText(&d.v.tool.Fields[col], value(d.v.Row(row), col))
}

func (d *tableData) Mark(row int) widgets.RowMark {
	if row >= d.v.Len() {
		return widgets.MarkNone
	}
	r := d.v.Row(row)
	switch {
	case r.Conflicts > 0:
		return widgets.MarkConflict
	case d.unread(r):
		return widgets.MarkUnread
	}
	return widgets.MarkNone
}

func (d *tableData) unread(r *model.Row) bool {
	return r.ModifiedBy != d.me && r.Modified.After(d.looked) && !d.seen[r.ID]
}

// label names a row for people: its first text or choice value.
func label(t *schema.Tool, r *model.Row) string {
	for i, f := range t.Fields {
		if i < len(r.Values) && !r.Values[i].IsEmpty() && (f.Type == schema.Text || f.Type == schema.Choice) {
			return r.Values[i].String()
		}
	}
	return "Record " + r.ID.String()[:8]
}
