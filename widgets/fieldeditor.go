package widgets

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/schema"
)

// NoChoice is the entry of a choice editor that clears the field.
const NoChoice = "(none)"

// FieldEditor edits one value of one field, with an editor suited to the
// field's type: a line of text, a multi-line text, a number, a date (typed
// as YYYY-MM-DD or picked from a calendar), a check box, a choice list, a
// person (a member chosen by name, or an e-mail address typed) or a
// lookup (a record of the target tool chosen by its title).
type FieldEditor struct {
	widget.BaseWidget

	// OnChanged is called after every change the person makes.
	OnChanged func()
	// OnSearch is called, for lookup editors, with the text typed so far;
	// the owner answers with ShowMatches (or SetMatches). Choosing a match
	// from the list does not call it.
	OnSearch func(text string)

	field    schema.Field
	entry    *widget.Entry
	pick     *widget.Button
	choose   *widget.SelectEntry // person and lookup editors
	ref      refState
	picking  bool // true while a match chosen from the list is set
	check    *widget.Check
	sel      *widget.Select
	content  fyne.CanvasObject
	setting  bool // true while SetValue updates the inner widgets
	disabled bool
}

// NewFieldEditor returns an editor for a field.
func NewFieldEditor(f schema.Field) *FieldEditor {
	e := &FieldEditor{field: f}
	e.ExtendBaseWidget(e)
	changed := func() {
		if !e.setting && e.OnChanged != nil {
			e.OnChanged()
		}
	}
	switch f.Type {
	case schema.Checkbox:
		e.check = widget.NewCheck("", func(bool) { changed() })
		e.content = e.check
	case schema.Choice:
		opts := f.Choices
		if !f.Required {
			opts = append([]string{NoChoice}, f.Choices...)
		}
		e.sel = widget.NewSelect(opts, func(string) { changed() })
		e.sel.PlaceHolder = "Choose…"
		e.content = e.sel
	case schema.Person, schema.Lookup:
		e.choose = widget.NewSelectEntry(nil)
		if f.Type == schema.Person {
			e.choose.SetPlaceHolder("Choose a member, or type an e-mail address")
		} else {
			e.choose.SetPlaceHolder("Type to search, then choose from the list")
		}
		e.choose.OnChanged = func(text string) {
			if !e.setting && !e.picking && f.Type == schema.Lookup && e.OnSearch != nil {
				e.OnSearch(text)
			}
			changed()
		}
		e.content = e.choose
	case schema.LongText:
		e.entry = widget.NewMultiLineEntry()
		e.entry.SetMinRowsVisible(3)
		e.entry.Wrapping = fyne.TextWrapWord
		e.content = e.entry
	default:
		e.entry = widget.NewEntry()
		switch f.Type {
		case schema.Number:
			e.entry.SetPlaceHolder("a number, e.g. 12.5")
		case schema.Date:
			e.entry.SetPlaceHolder("YYYY-MM-DD")
			e.pick = widget.NewButtonWithIcon("", theme.CalendarIcon(), e.showCalendar)
			e.content = container.NewBorder(nil, nil, nil, e.pick, e.entry)
		}
		if e.content == nil {
			e.content = e.entry
		}
	}
	if e.entry != nil {
		e.entry.OnChanged = func(string) { changed() }
	}
	return e
}

// Field returns the field the editor edits.
func (e *FieldEditor) Field() schema.Field { return e.field }

// Entry returns the text entry of text, number, date, person and lookup
// editors (nil for check boxes and choices), for focus and tests.
func (e *FieldEditor) Entry() *widget.Entry {
	if e.choose != nil {
		return &e.choose.Entry
	}
	return e.entry
}

// Text returns the editor's content in the command-line text form.
func (e *FieldEditor) Text() string {
	switch {
	case e.check != nil:
		if e.check.Checked {
			return "true"
		}
		return "false"
	case e.sel != nil:
		if e.sel.Selected == NoChoice {
			return ""
		}
		return e.sel.Selected
	case e.choose != nil:
		return e.choose.Text
	}
	return e.entry.Text
}

// Value parses and validates the editor's content. Errors are
// *schema.RuleError whose Msg says what is wrong.
func (e *FieldEditor) Value() (schema.Value, error) {
	var v schema.Value
	var err error
	switch e.field.Type {
	case schema.Person:
		v, err = e.personValue()
	case schema.Lookup:
		v, err = e.lookupValue()
	default:
		v, err = schema.ParseValue(&e.field, e.Text())
	}
	if err != nil {
		return schema.Value{}, err
	}
	if err := e.field.Validate(v); err != nil {
		return schema.Value{}, err
	}
	return v, nil
}

// SetValue shows v without calling OnChanged.
func (e *FieldEditor) SetValue(v schema.Value) {
	e.setting = true
	defer func() { e.setting = false }()
	switch {
	case e.check != nil:
		e.check.SetChecked(v.Bool())
	case e.sel != nil:
		if v.IsEmpty() {
			e.sel.ClearSelected()
		} else {
			e.sel.SetSelected(v.String())
		}
	case e.choose != nil:
		e.hideMatches()
		e.ref.shown = v
		e.ref.shownText = e.display(v)
		e.choose.SetText(e.ref.shownText)
	default:
		e.entry.SetText(v.String())
	}
}

// SetText sets the editor's content from text, as if typed.
func (e *FieldEditor) SetText(s string) {
	switch {
	case e.check != nil:
		e.check.SetChecked(s == "true")
	case e.sel != nil:
		e.sel.SetSelected(s)
	case e.choose != nil:
		e.choose.SetText(s)
	default:
		e.entry.SetText(s)
	}
}

// Focusable returns the inner object to focus, or nil.
func (e *FieldEditor) Focusable() fyne.Focusable {
	switch {
	case e.entry != nil:
		return e.entry
	case e.choose != nil:
		return e.choose
	case e.check != nil:
		return e.check
	}
	return e.sel
}

// SetReadOnly disables or enables editing.
func (e *FieldEditor) SetReadOnly(ro bool) {
	e.disabled = ro
	if ro {
		e.hideMatches()
	}
	for _, d := range []fyne.Disableable{e.entryD(), e.checkD(), e.selD(), e.pickD(), e.chooseD()} {
		if d == nil {
			continue
		}
		if ro {
			d.Disable()
		} else {
			d.Enable()
		}
	}
}

func (e *FieldEditor) entryD() fyne.Disableable {
	if e.entry == nil {
		return nil
	}
	return e.entry
}

func (e *FieldEditor) checkD() fyne.Disableable {
	if e.check == nil {
		return nil
	}
	return e.check
}

func (e *FieldEditor) selD() fyne.Disableable {
	if e.sel == nil {
		return nil
	}
	return e.sel
}

// ReadOnly reports whether editing is disabled.
func (e *FieldEditor) ReadOnly() bool { return e.disabled }

func (e *FieldEditor) chooseD() fyne.Disableable {
	if e.choose == nil {
		return nil
	}
	return e.choose
}

func (e *FieldEditor) pickD() fyne.Disableable {
	if e.pick == nil {
		return nil
	}
	return e.pick
}

// showCalendar pops up a month calendar under the date entry.
func (e *FieldEditor) showCalendar() {
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	if c == nil {
		return
	}
	start := time.Now()
	if v, err := schema.ParseValue(&e.field, e.entry.Text); err == nil && !v.IsEmpty() {
		start = v.Date()
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(start, func(t time.Time) {
		e.entry.SetText(t.Format(schema.DateLayout))
		pop.Hide()
	})
	pop = widget.NewPopUp(cal, c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(e)
	pop.ShowAtPosition(pos.Add(fyne.NewPos(0, e.Size().Height)))
}

// CreateRenderer implements fyne.Widget.
func (e *FieldEditor) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(e.content)
}

// RuleMessage returns the user-facing message of a validation error.
func RuleMessage(err error) string {
	var re *schema.RuleError
	if errors.As(err, &re) {
		if re.Rule == schema.RulePattern {
			return "Not in the form this field expects. Check for typing mistakes."
		}
		return re.Msg
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
