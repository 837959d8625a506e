package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// RowMark flags a row in the table's first column.
type RowMark uint8

// Row marks.
const (
	MarkNone RowMark = iota
	// MarkUnread: changed by someone else since I last looked.
	MarkUnread
	// MarkConflict: a field holds concurrent versions.
	MarkConflict
)

// TableData is the windowed data source of a RecordTable: the table asks
// only for the rows on screen. Implementations answer from memory; they
// are called on the Fyne thread and must not block.
type TableData interface {
	// Len returns the number of rows.
	Len() int
	// Text returns the text of a data cell; col counts the data columns.
	Text(row, col int) string
	// Mark returns the row's mark.
	Mark(row int) RowMark
}

// Column describes one data column.
type Column struct {
	Title string
	Width float32
}

// Sort directions.
const (
	SortNone       = 0
	SortAscending  = 1
	SortDescending = -1
)

// RecordTable shows records as rows in a virtualized widget.Table: only
// the visible cells exist, so it stays smooth at any number of rows. The
// first column holds row marks; tapping a header asks to sort by it, and
// dragging the gap between two headers resizes a column.
type RecordTable struct {
	widget.BaseWidget

	// OnSortRequested is called with a data column when its header is tapped.
	OnSortRequested func(col int)
	// OnRowSelected is called when a person chooses a row (never for SelectRow).
	OnRowSelected func(row int)

	data     TableData
	columns  []Column
	sortCol  int
	sortDir  int
	selected int
	quiet    bool // SelectRow is selecting: do not report it
	table    *widget.Table
}

// markWidth is the width of the marks column.
const markWidth = 28

// NewRecordTable returns a table over data.
func NewRecordTable(data TableData) *RecordTable {
	t := &RecordTable{data: data, sortCol: -1, selected: -1}
	t.ExtendBaseWidget(t)
	t.table = widget.NewTableWithHeaders(t.length, t.createCell, t.updateCell)
	t.table.ShowHeaderColumn = false
	t.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		return b
	}
	t.table.UpdateHeader = t.updateHeader
	t.table.OnSelected = func(id widget.TableCellID) {
		t.selected = id.Row
		if !t.quiet && t.OnRowSelected != nil && id.Row >= 0 && id.Row < t.data.Len() {
			t.OnRowSelected(id.Row)
		}
	}
	t.table.StickyColumnCount = 1
	return t
}

// SetData replaces the data source and refreshes.
func (t *RecordTable) SetData(d TableData) {
	t.data = d
	t.table.Refresh()
}

// SetColumns sets the data columns (titles and widths).
func (t *RecordTable) SetColumns(cols []Column) {
	t.columns = append([]Column(nil), cols...)
	t.table.SetColumnWidth(0, markWidth)
	for i, c := range cols {
		w := c.Width
		if w <= 0 {
			w = 160
		}
		t.table.SetColumnWidth(i+1, w)
	}
	t.table.Refresh()
}

// Columns returns the data columns.
func (t *RecordTable) Columns() []Column { return append([]Column(nil), t.columns...) }

// SetSort shows the sort column and direction in the headers.
func (t *RecordTable) SetSort(col, dir int) {
	t.sortCol, t.sortDir = col, dir
	t.table.Refresh()
}

// Sort returns the column and direction shown.
func (t *RecordTable) Sort() (col, dir int) { return t.sortCol, t.sortDir }

// SelectRow selects a row and scrolls to it. It never calls
// OnRowSelected: the app follows its own state (a record that moved after
// a sort or a refresh), which is not a person choosing a row.
func (t *RecordTable) SelectRow(row int) {
	if row < 0 || row >= t.data.Len() {
		t.UnselectAll()
		return
	}
	if row == t.selected {
		return
	}
	t.selected = row
	t.quiet = true
	t.table.Select(widget.TableCellID{Row: row, Col: 1})
	t.quiet = false
}

// Selected returns the selected row, or -1.
func (t *RecordTable) Selected() int { return t.selected }

// UnselectAll clears the selection.
func (t *RecordTable) UnselectAll() {
	t.selected = -1
	t.table.UnselectAll()
}

// ScrollToTop scrolls to the first row.
func (t *RecordTable) ScrollToTop() { t.table.ScrollToTop() }

// Refresh redraws the visible cells from the data source.
func (t *RecordTable) Refresh() {
	t.table.Refresh()
	t.BaseWidget.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (t *RecordTable) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.table)
}

func (t *RecordTable) length() (int, int) {
	return t.data.Len(), len(t.columns) + 1
}

func (t *RecordTable) createCell() fyne.CanvasObject {
	l := widget.NewLabel("template text")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (t *RecordTable) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= t.data.Len() {
		l.SetText("")
		return
	}
	mark := t.data.Mark(id.Row)
	if id.Col == 0 {
		l.TextStyle = fyne.TextStyle{Bold: true}
		switch mark {
		case MarkUnread:
			l.Importance = widget.HighImportance
			l.SetText("●")
		case MarkConflict:
			l.Importance = widget.DangerImportance
			l.SetText("!")
		default:
			l.Importance = widget.MediumImportance
			l.SetText("")
		}
		return
	}
	l.Importance = widget.MediumImportance
	l.TextStyle = fyne.TextStyle{Bold: mark == MarkUnread}
	l.SetText(t.data.Text(id.Row, id.Col-1))
}

func (t *RecordTable) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col <= 0 || id.Col > len(t.columns) {
		b.SetText("")
		b.SetIcon(nil)
		b.OnTapped = nil
		return
	}
	col := id.Col - 1
	b.SetText(t.columns[col].Title)
	switch {
	case col == t.sortCol && t.sortDir == SortAscending:
		b.SetIcon(theme.MenuDropUpIcon())
	case col == t.sortCol && t.sortDir == SortDescending:
		b.SetIcon(theme.MenuDropDownIcon())
	default:
		b.SetIcon(nil)
	}
	b.OnTapped = func() {
		if t.OnSortRequested != nil {
			t.OnSortRequested(col)
		}
	}
}

// TapHeader acts as a tap on a data column's header (for keyboard users
// and tests).
func (t *RecordTable) TapHeader(col int) {
	if t.OnSortRequested != nil && col >= 0 && col < len(t.columns) {
		t.OnSortRequested(col)
	}
}
