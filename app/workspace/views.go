package workspace

import (
	"fmt"

	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// boardData groups the rows shown by the values of a choice field, for
// widgets.Board: one column per choice, then "(none)".
type boardData struct {
	tool    *schema.Tool
	titles  []string
	columns [][]int // row positions in the view, per column
	v       *view
}

var _ widgets.BoardData = (*boardData)(nil)

func (b *boardData) fill(t *schema.Tool, col int, v *view) {
	f := t.Fields[col]
	b.tool, b.v = t, v
	b.titles = append(append([]string(nil), f.Choices...), "(none)")
	index := make(map[string]int, len(f.Choices))
	for i, c := range f.Choices {
		index[c] = i
	}
	b.columns = make([][]int, len(b.titles))
	for i, n := 0, v.Len(); i < n; i++ {
		val := v.Value(i, col)
		ci, ok := index[val.Text()]
		if !ok {
			ci = len(f.Choices)
		}
		b.columns[ci] = append(b.columns[ci], i)
	}
}

func (b *boardData) Columns() []string { return b.titles }

func (b *boardData) Len(col int) int {
	if col < len(b.columns) {
		return len(b.columns[col])
	}
	return 0
}

func (b *boardData) Card(col, i int) (string, string) {
	if col >= len(b.columns) || i >= len(b.columns[col]) {
		return "", ""
	}
	row := b.columns[col][i]
	title := b.v.Label(row)
	// The detail line: the first date, then the first number, if any.
	detail := ""
	for fi, f := range b.tool.Fields {
		v := b.v.Value(row, fi)
		if v.IsEmpty() || f.Type == schema.Choice || v.String() == title || f.Type == schema.LongText {
			continue
		}
		if detail != "" {
			detail += " · "
		}
		detail += fmt.Sprintf("%s: %s", f.Name, cellText(&b.tool.Fields[fi], v, b.v.lookups))
		if len(detail) > 60 {
			break
		}
	}
	return title, detail
}

// row returns the view position of a card.
func (b *boardData) row(col, i int) int {
	if col < len(b.columns) && i < len(b.columns[col]) {
		return b.columns[col][i]
	}
	return -1
}
