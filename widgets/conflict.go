package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// ConflictVersion is one side of a conflict as the chooser shows it.
type ConflictVersion struct {
	Value  string
	Author string
	Device string
	When   string
	Won    bool
}

// ConflictChooser shows the concurrent versions of one field side by side
// (value, who, which device, when, which won), each with "Keep this", and
// an entry to type a merged value.
type ConflictChooser struct {
	widget.BaseWidget

	// OnKeep is called with the index of the version to keep.
	OnKeep func(i int)
	// OnMerge is called with the typed merged value.
	OnMerge func(text string)

	title    string
	versions []ConflictVersion
	merged   *widget.Entry
	readOnly bool
	content  *fyne.Container
}

// NewConflictChooser returns a chooser for a field named title.
func NewConflictChooser(title string, versions []ConflictVersion) *ConflictChooser {
	c := &ConflictChooser{title: title, versions: versions, merged: widget.NewEntry(), content: container.NewVBox()}
	c.ExtendBaseWidget(c)
	c.merged.SetPlaceHolder("Or type a merged value")
	c.build()
	return c
}

// SetReadOnly hides the actions (for guests).
func (c *ConflictChooser) SetReadOnly(ro bool) {
	c.readOnly = ro
	c.build()
	c.Refresh()
}

// MergedEntry returns the entry for a merged value.
func (c *ConflictChooser) MergedEntry() *widget.Entry { return c.merged }

// Keep acts as a tap on version i's "Keep this".
func (c *ConflictChooser) Keep(i int) {
	if c.OnKeep != nil && i >= 0 && i < len(c.versions) && !c.readOnly {
		c.OnKeep(i)
	}
}

func (c *ConflictChooser) build() {
	c.content.RemoveAll()
	c.content.Add(widget.NewLabelWithStyle(c.title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	cards := container.NewGridWithColumns(max(1, len(c.versions)))
	for i, v := range c.versions {
		value := widget.NewLabel(v.Value)
		if v.Value == "" {
			value.SetText("(empty)")
			value.TextStyle = fyne.TextStyle{Italic: true}
		}
		value.Wrapping = fyne.TextWrapWord
		status := "Not shown"
		if v.Won {
			status = "Shown now (won)"
		}
		state := widget.NewLabel(status)
		if v.Won {
			state.Importance = widget.HighImportance
		}
		box := container.NewVBox(value, widget.NewSeparator(),
			widget.NewLabel("By "+v.Author), widget.NewLabel("Device "+v.Device),
			widget.NewLabel(v.When), state)
		if !c.readOnly {
			idx := i
			keep := widget.NewButton("Keep this", func() { c.Keep(idx) })
			if v.Won {
				keep.Importance = widget.HighImportance
			}
			box.Add(keep)
		}
		cards.Add(widget.NewCard("", "", box))
	}
	c.content.Add(cards)
	if !c.readOnly {
		use := widget.NewButton("Use merged value", func() {
			if c.OnMerge != nil {
				c.OnMerge(c.merged.Text)
			}
		})
		c.content.Add(container.NewBorder(nil, nil, nil, use, c.merged))
	}
}

// CreateRenderer implements fyne.Widget.
func (c *ConflictChooser) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.content)
}
