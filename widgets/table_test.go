package widgets

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

type rows int

func (n rows) Len() int                 { return int(n) }
func (n rows) Text(row, col int) string { return fmt.Sprintf("r%d c%d", row, col) }
func (n rows) Mark(int) RowMark         { return MarkNone }

// A row chosen by a person is reported; a row the app selects (SelectRow,
// e.g. to follow a record that moved) is not, so it cannot start a load.
func TestRecordTableReportsOnlyChosenRows(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	test.NewTempApp(t)
	tb := NewRecordTable(rows(50))
	tb.SetColumns([]Column{{Title: "A"}, {Title: "B"}})
	w := test.NewTempWindow(t, tb)
	w.Resize(fyne.NewSize(400, 300))
	var got []int
	tb.OnRowSelected = func(r int) { got = append(got, r) }

	tb.SelectRow(7)
	if len(got) != 0 || tb.Selected() != 7 {
		t.Fatalf("SelectRow(7): reported %v, selected %d; want nothing reported, 7 selected", got, tb.Selected())
	}
	tb.table.OnSelected(widget.TableCellID{Row: 3, Col: 1}) // what a tap on row 3 does
	if len(got) != 1 || got[0] != 3 || tb.Selected() != 3 {
		t.Fatalf("tap on row 3: reported %v, selected %d", got, tb.Selected())
	}
	tb.UnselectAll()
	if tb.Selected() != -1 {
		t.Errorf("selected %d after UnselectAll", tb.Selected())
	}
}
