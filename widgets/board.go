package widgets

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// BoardData is the windowed data source of a Board: one column per choice
// value, each asked only for the cards on screen.
type BoardData interface {
	// Columns returns the column titles.
	Columns() []string
	// Len returns the number of cards in a column.
	Len(col int) int
	// Card returns a card's title and a detail line.
	Card(col, i int) (title, detail string)
}

// Board shows records as cards in columns, one per value of a choice field.
// Each column is a widget.List, so columns of any length stay smooth.
type Board struct {
	widget.BaseWidget

	// OnCardTapped is called with the column and the card's position.
	OnCardTapped func(col, i int)

	data   BoardData
	lists  []*widget.List
	titles []*widget.Label
	box    *fyne.Container
}

// NewBoard returns a board over data.
func NewBoard(data BoardData) *Board {
	b := &Board{data: data, box: container.NewGridWithColumns(1)}
	b.ExtendBaseWidget(b)
	b.rebuild()
	return b
}

// SetData replaces the data source; columns are rebuilt when they changed.
func (b *Board) SetData(d BoardData) {
	b.data = d
	if len(d.Columns()) != len(b.lists) {
		b.rebuild()
		return
	}
	b.Refresh()
}

// Refresh redraws the cards from the data source.
func (b *Board) Refresh() {
	cols := b.data.Columns()
	for i, l := range b.lists {
		if i < len(cols) {
			b.titles[i].SetText(fmt.Sprintf("%s (%d)", cols[i], b.data.Len(i)))
		}
		l.Refresh()
	}
	b.BaseWidget.Refresh()
}

// ColumnLen returns the number of cards shown in a column.
func (b *Board) ColumnLen(col int) int { return b.data.Len(col) }

func (b *Board) rebuild() {
	cols := b.data.Columns()
	b.lists, b.titles = nil, nil
	b.box.RemoveAll()
	b.box.Layout = container.NewGridWithColumns(max(1, len(cols))).Layout
	for ci, title := range cols {
		col := ci
		l := widget.NewList(
			func() int { return b.data.Len(col) },
			func() fyne.CanvasObject {
				t := widget.NewLabelWithStyle("title", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
				t.Truncation = fyne.TextTruncateEllipsis
				d := widget.NewLabel("detail")
				d.Truncation = fyne.TextTruncateEllipsis
				d.SizeName = theme.SizeNameCaptionText
				return widget.NewCard("", "", container.NewVBox(t, d))
			},
			func(i widget.ListItemID, o fyne.CanvasObject) {
				title, detail := b.data.Card(col, i)
				box := o.(*widget.Card).Content.(*fyne.Container)
				box.Objects[0].(*widget.Label).SetText(title)
				box.Objects[1].(*widget.Label).SetText(detail)
			})
		l.OnSelected = func(i widget.ListItemID) {
			l.UnselectAll()
			if b.OnCardTapped != nil {
				b.OnCardTapped(col, i)
			}
		}
		head := widget.NewLabelWithStyle(fmt.Sprintf("%s (%d)", title, b.data.Len(col)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		b.lists = append(b.lists, l)
		b.titles = append(b.titles, head)
		b.box.Add(container.NewBorder(head, nil, nil, nil, l))
	}
	b.box.Refresh()
}

// TapCard acts as a tap on a card.
func (b *Board) TapCard(col, i int) {
	if b.OnCardTapped != nil {
		b.OnCardTapped(col, i)
	}
}

// CreateRenderer implements fyne.Widget.
func (b *Board) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(b.box)
}
