package workspace

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/app/model"
)

// RefusedList is the list of changes a server refused, like the conflicts
// inbox: the changes on the left; for the selected one the record, the
// field, the refused value beside the value now, the server's reason, who
// made it and when, and two actions. "Edit and resubmit" opens the record
// with the refused value to fix (saving writes a new version, which the
// next sync with the server sends); "Discard" keeps the server's value
// and drops the change from this list (the store keeps it).
//
// It is passive: its owner feeds it with Show and runs the actions
// through OnEdit and OnDiscard on its controller. Only the Fyne thread
// uses it.
type RefusedList struct {
	// OnEdit is called for "Edit and resubmit"; nil hides the button.
	OnEdit func(model.Refused)
	// OnDiscard is called for "Discard".
	OnDiscard func(model.Refused)

	items    []model.Refused
	selected int
	canEdit  bool

	list       *widget.List
	heading    *widget.Label
	detail     *widget.Label
	note       *widget.Label
	editBtn    *widget.Button
	discardBtn *widget.Button
	content    fyne.CanvasObject
}

// NewRefusedList builds an empty list.
func NewRefusedList() *RefusedList {
	l := &RefusedList{selected: -1}
	l.list = widget.NewList(func() int { return len(l.items) },
		func() fyne.CanvasObject {
			lb := widget.NewLabel("Record · field: value")
			lb.Truncation = fyne.TextTruncateEllipsis
			return lb
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := l.items[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s · %s: %s", it.Label, it.FieldName, shown(valueText(it.Version.Value))))
		})
	l.list.OnSelected = func(i widget.ListItemID) { l.choose(i) }
	l.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.heading.Wrapping = fyne.TextWrapWord
	l.detail = widget.NewLabel("")
	l.detail.Wrapping = fyne.TextWrapWord
	l.note = widget.NewLabel("")
	l.note.Wrapping = fyne.TextWrapWord
	l.editBtn = widget.NewButtonWithIcon("Edit and resubmit", theme.DocumentCreateIcon(), func() { l.act(l.OnEdit) })
	l.editBtn.Importance = widget.HighImportance
	l.discardBtn = widget.NewButtonWithIcon("Discard", theme.DeleteIcon(), func() { l.act(l.OnDiscard) })
	detail := container.NewVBox(l.heading, l.detail, container.NewHBox(l.editBtn, l.discardBtn), l.note)
	split := container.NewVSplit(l.list, container.NewVScroll(detail))
	split.Offset = 0.4
	l.content = split
	l.Show(nil, nil, false)
	return l
}

// Content returns the list's root object.
func (l *RefusedList) Content() fyne.CanvasObject { return l.content }

// Items returns the refused changes listed.
func (l *RefusedList) Items() []model.Refused { return l.items }

// Selected returns the change on show, or ok false.
func (l *RefusedList) Selected() (model.Refused, bool) {
	if l.selected < 0 || l.selected >= len(l.items) {
		return model.Refused{}, false
	}
	return l.items[l.selected], true
}

// EditButton and DiscardButton are the actions of the change on show
// (tests and keyboard).
func (l *RefusedList) EditButton() *widget.Button { return l.editBtn }

// DiscardButton returns the "Discard" button.
func (l *RefusedList) DiscardButton() *widget.Button { return l.discardBtn }

// Note returns the line under the actions.
func (l *RefusedList) Note() string { return l.note.Text }

// SetNote shows a line under the actions (a result, an error).
func (l *RefusedList) SetNote(s string) { l.note.SetText(s) }

// Select shows the i-th change.
func (l *RefusedList) Select(i int) { l.list.Select(i) }

// Show replaces the changes listed; the change on show stays selected when
// it is still listed. canEdit is whether this device's role may change
// records.
func (l *RefusedList) Show(items []model.Refused, err error, canEdit bool) {
	var keep string
	if it, ok := l.Selected(); ok {
		keep = it.Key
	}
	l.items, l.canEdit = items, canEdit
	l.list.Refresh()
	if err != nil {
		l.heading.SetText("")
		l.detail.SetText(Explain("Could not read the refused changes", err))
		l.hideActions()
		return
	}
	if len(items) == 0 {
		l.selected = -1
		l.list.UnselectAll()
		l.heading.SetText("No refused changes")
		l.detail.SetText("When the server this workspace is connected to refuses a change (a rule this device does not know, or a permission), the change is kept and listed here with the server's reason, so you can fix it and send it again.")
		l.hideActions()
		return
	}
	i := 0
	for j, it := range items {
		if it.Key == keep {
			i = j
		}
	}
	l.list.Select(i)
	l.choose(i) // Select does not call back when i was already selected
}

func (l *RefusedList) hideActions() {
	l.editBtn.Hide()
	l.discardBtn.Hide()
}

// choose shows change i.
func (l *RefusedList) choose(i int) {
	if i < 0 || i >= len(l.items) {
		return
	}
	l.selected = i
	it := l.items[i]
	where := it.Label
	if it.ToolName != "" {
		where += " (" + it.ToolName + ")"
	}
	l.heading.SetText(where + " — " + it.FieldName)
	l.detail.SetText(refusedText(it))
	if l.OnEdit != nil {
		l.editBtn.Show()
	} else {
		l.editBtn.Hide()
	}
	l.discardBtn.Show()
	setEnabled(l.editBtn, l.canEdit)
	if !l.canEdit {
		l.note.SetText("You can see refused changes; your role does not allow changing records, so a participant or manager fixes them.")
	} else {
		l.note.SetText("")
	}
}

// refusedText explains one refused change in words.
func refusedText(it model.Refused) string {
	var b strings.Builder
	who := it.Version.AuthorName
	if who == "" {
		who = "device " + model.ShortID(it.Version.Author)
	}
	switch {
	case it.Existence && it.FieldName == "(the new record)":
		fmt.Fprintf(&b, "The server refused this new record, made by %s on %s. It is kept here, not shown in the table.\n", who, when(it.Version.Time))
	case it.Existence:
		fmt.Fprintf(&b, "The server refused a change to whether this record exists, made by %s on %s.\n", who, when(it.Version.Time))
	default:
		fmt.Fprintf(&b, "Refused value: %s\nValue now (the server's): %s\nChanged by %s on %s.\n",
			shown(valueText(it.Version.Value)), shown(valueText(it.Current)), who, when(it.Version.Time))
	}
	if it.Reason != "" {
		fmt.Fprintf(&b, "The server's reason: %s\n", it.Reason)
	} else {
		b.WriteString("The server told the device that sent it why; the reason did not travel with the change.\n")
	}
	b.WriteString("Edit and resubmit to fix it and send it again with the next sync, or discard it to keep the server's value.")
	return b.String()
}

func shown(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

// act runs an action on the change on show.
func (l *RefusedList) act(f func(model.Refused)) {
	if it, ok := l.Selected(); ok && f != nil {
		f(it)
	}
}
