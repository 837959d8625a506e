package widgets

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// RecordForm is the form generated from a tool's design: per field a label
// (with "*" when required), the editor for its type and, below it, the
// validation message of what was typed, shown as soon as it is typed.
// It keeps the values it was given, so it knows whether anything changed
// and can revert.
type RecordForm struct {
	widget.BaseWidget

	// OnChanged is called after every edit with whether the form now
	// differs from the values last set.
	OnChanged func(dirty bool)

	tool     *schema.Tool
	editors  []*FieldEditor
	messages []*widget.Label
	original map[uuid.UUID]schema.Value
	readOnly bool
	box      *fyne.Container
}

// NewRecordForm returns an empty form for a tool.
func NewRecordForm(t *schema.Tool) *RecordForm {
	f := &RecordForm{tool: t, original: map[uuid.UUID]schema.Value{}, box: container.NewVBox()}
	f.ExtendBaseWidget(f)
	for i := range t.Fields {
		fd := t.Fields[i]
		ed := NewFieldEditor(fd)
		msg := widget.NewLabel("")
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		msg.Hide()
		idx := i
		ed.OnChanged = func() { f.edited(idx) }
		name := fd.Name
		if fd.Required {
			name += " *"
		}
		title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		f.editors = append(f.editors, ed)
		f.messages = append(f.messages, msg)
		f.box.Add(container.NewVBox(title, ed, msg))
	}
	return f
}

// Tool returns the design the form was built from.
func (f *RecordForm) Tool() *schema.Tool { return f.tool }

// Editor returns the editor of a field, or nil.
func (f *RecordForm) Editor(field uuid.UUID) *FieldEditor {
	for _, e := range f.editors {
		if e.field.ID == field {
			return e
		}
	}
	return nil
}

// Editors returns the editors in field order.
func (f *RecordForm) Editors() []*FieldEditor { return f.editors }

// SetValues shows a record's values (nil: an empty new record) and makes
// them the ones Revert returns to. Messages are cleared.
func (f *RecordForm) SetValues(values map[uuid.UUID]schema.Value) {
	f.original = make(map[uuid.UUID]schema.Value, len(values))
	for k, v := range values {
		f.original[k] = v
	}
	f.Revert()
}

// Revert shows the values last set, dropping edits.
func (f *RecordForm) Revert() {
	for i, e := range f.editors {
		e.SetValue(f.original[e.field.ID])
		f.setMessage(i, "")
	}
}

// Dirty reports whether the form differs from the values last set.
func (f *RecordForm) Dirty() bool {
	for _, e := range f.editors {
		v, err := e.Value()
		if err != nil || !v.Equal(f.original[e.field.ID]) {
			return true
		}
	}
	return false
}

// Changes validates every field and returns the values that differ from
// those last set. When a field is invalid its message is shown under it,
// and ok is false.
func (f *RecordForm) Changes() (changes map[uuid.UUID]schema.Value, ok bool) {
	changes = map[uuid.UUID]schema.Value{}
	ok = true
	for i, e := range f.editors {
		v, err := e.Value()
		f.setMessage(i, RuleMessage(err))
		if err != nil {
			ok = false
			continue
		}
		if !v.Equal(f.original[e.field.ID]) {
			changes[e.field.ID] = v
		}
	}
	return changes, ok
}

// ShowError places the store's validation errors under their fields and
// returns whether any was placed.
func (f *RecordForm) ShowError(err error) bool {
	var ve *schema.ValidationError
	var re *schema.RuleError
	var rules []*schema.RuleError
	switch {
	case errors.As(err, &ve):
		rules = ve.Errors
	case errors.As(err, &re):
		rules = []*schema.RuleError{re}
	}
	placed := false
	for _, r := range rules {
		for i, e := range f.editors {
			if e.field.ID == r.FieldID {
				f.setMessage(i, r.Msg)
				placed = true
			}
		}
	}
	return placed
}

// Message returns the validation message shown under a field.
func (f *RecordForm) Message(field uuid.UUID) string {
	for i, e := range f.editors {
		if e.field.ID == field && f.messages[i].Visible() {
			return f.messages[i].Text
		}
	}
	return ""
}

// SetReadOnly disables every editor.
func (f *RecordForm) SetReadOnly(ro bool) {
	f.readOnly = ro
	for _, e := range f.editors {
		e.SetReadOnly(ro)
	}
}

// FocusFirst focuses the first editor on canvas c.
func (f *RecordForm) FocusFirst(c fyne.Canvas) {
	if c != nil && len(f.editors) > 0 && !f.readOnly {
		if fo := f.editors[0].Focusable(); fo != nil {
			c.Focus(fo)
		}
	}
}

func (f *RecordForm) edited(i int) {
	_, err := f.editors[i].Value()
	f.setMessage(i, RuleMessage(err))
	if f.OnChanged != nil {
		f.OnChanged(f.Dirty())
	}
}

func (f *RecordForm) setMessage(i int, msg string) {
	m := f.messages[i]
	if msg == m.Text && (msg == "") == !m.Visible() {
		return
	}
	m.SetText(msg)
	if msg == "" {
		m.Hide()
	} else {
		m.Show()
	}
}

// CreateRenderer implements fyne.Widget.
func (f *RecordForm) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(f.box)
}
