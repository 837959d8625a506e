package widgets

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// CalendarItem is one record shown on a day.
type CalendarItem struct {
	// Key identifies the item to the caller (e.g. a row index).
	Key   int
	Title string
}

// maxPerDay bounds the items drawn in one day; the rest are counted.
const maxPerDay = 3

// MonthCalendar shows one month, weeks starting on Monday, with the
// records of each day. The caller feeds the items of the month shown.
type MonthCalendar struct {
	widget.BaseWidget

	// OnMonthChanged is called when the person moves to another month;
	// the caller then calls SetItems for it.
	OnMonthChanged func(year int, month time.Month)
	// OnItemTapped is called with an item's Key.
	OnItemTapped func(key int)

	year  int
	month time.Month
	items map[int][]CalendarItem // by day of month
	today time.Time
	title *widget.Label
	grid  *fyne.Container
	box   *fyne.Container
}

// NewMonthCalendar returns a calendar showing the month of day.
func NewMonthCalendar(day time.Time) *MonthCalendar {
	c := &MonthCalendar{year: day.Year(), month: day.Month(), today: day, items: map[int][]CalendarItem{}}
	c.ExtendBaseWidget(c)
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { c.Step(-1) })
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { c.Step(1) })
	today := widget.NewButton("Today", func() {
		c.year, c.month = c.today.Year(), c.today.Month()
		c.changed()
	})
	c.grid = container.NewGridWithColumns(7)
	head := container.NewBorder(nil, nil, container.NewHBox(prev, today), next, c.title)
	c.box = container.NewBorder(head, nil, nil, nil, c.grid)
	c.rebuild()
	return c
}

// Month returns the month shown.
func (c *MonthCalendar) Month() (int, time.Month) { return c.year, c.month }

// Step shows the month delta months away.
func (c *MonthCalendar) Step(delta int) {
	t := time.Date(c.year, c.month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, delta, 0)
	c.year, c.month = t.Year(), t.Month()
	c.changed()
}

func (c *MonthCalendar) changed() {
	c.items = map[int][]CalendarItem{}
	c.rebuild()
	if c.OnMonthChanged != nil {
		c.OnMonthChanged(c.year, c.month)
	}
}

// SetItems shows the items of the month shown, by day of month.
func (c *MonthCalendar) SetItems(items map[int][]CalendarItem) {
	c.items = items
	c.rebuild()
}

// ItemCount returns the number of items on a day.
func (c *MonthCalendar) ItemCount(day int) int { return len(c.items[day]) }

func (c *MonthCalendar) rebuild() {
	first := time.Date(c.year, c.month, 1, 0, 0, 0, 0, time.UTC)
	c.title.SetText(first.Format("January 2006"))
	c.grid.RemoveAll()
	for _, d := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		c.grid.Add(widget.NewLabelWithStyle(d, fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	}
	lead := (int(first.Weekday()) + 6) % 7
	days := first.AddDate(0, 1, -1).Day()
	for i := 0; i < lead; i++ {
		c.grid.Add(layout.NewSpacer())
	}
	for d := 1; d <= days; d++ {
		c.grid.Add(c.dayCell(d))
	}
	c.grid.Refresh()
}

func (c *MonthCalendar) dayCell(day int) fyne.CanvasObject {
	num := widget.NewLabel(fmt.Sprint(day))
	if c.today.Year() == c.year && c.today.Month() == c.month && c.today.Day() == day {
		num.Importance = widget.HighImportance
		num.TextStyle = fyne.TextStyle{Bold: true}
	}
	box := container.NewVBox(num)
	items := c.items[day]
	for i, it := range items {
		if i == maxPerDay {
			box.Add(widget.NewLabel(fmt.Sprintf("+%d more", len(items)-maxPerDay)))
			break
		}
		key := it.Key
		b := widget.NewButton(it.Title, func() {
			if c.OnItemTapped != nil {
				c.OnItemTapped(key)
			}
		})
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		box.Add(b)
	}
	return box
}

// CreateRenderer implements fyne.Widget.
func (c *MonthCalendar) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.box)
}
