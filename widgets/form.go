package widgets

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// RecordForm is the form of a record. Made by NewDesignedForm for a tool
// with a designed form (schema.Tool.Forms, the first one), it follows it:
// sections with their titles, the fields in the form's order, its labels
// and its read-only fields; otherwise it is generated from the design's
// fields in order. Per field it shows a label (with "*" when required),
// the editor for its type and, below it, the validation message of what
// was typed, shown as soon as it is typed. Read-only fields show their
// values and cannot be edited; their values are never among the changes.
// The form keeps the values it was given, so it knows whether anything
// changed and can revert.
type RecordForm struct {
	widget.BaseWidget

	// OnChanged is called after every edit with whether the form now
	// differs from the values last set.
	OnChanged func(dirty bool)
	// OnSearch is called when the person types into a lookup field; the
	// owner answers with ShowMatches.
	OnSearch func(field schema.Field, text string)

	tool     *schema.Tool
	editors  []*FieldEditor
	messages []*widget.Label
	labels   []string
	fixed    []bool // read-only by the form's design
	original map[uuid.UUID]schema.Value
	readOnly bool
	box      *fyne.Container
}

// NewRecordForm returns an empty form generated from a tool's fields,
// every field in field order, whatever forms the tool designs (the
// designer's preview of the fields).
func NewRecordForm(t *schema.Tool) *RecordForm {
	return newForm(t, nil, false)
}

// NewDesignedForm returns an empty form for a tool as its design asks:
// its first designed form when it has one, otherwise the form generated
// from the fields that are not hidden.
func NewDesignedForm(t *schema.Tool) *RecordForm {
	if len(t.Forms) > 0 {
		return newForm(t, &t.Forms[0], true)
	}
	return newForm(t, nil, true)
}

func newForm(t *schema.Tool, design *schema.Form, skipHidden bool) *RecordForm {
	f := &RecordForm{tool: t, original: map[uuid.UUID]schema.Value{}, box: container.NewVBox()}
	f.ExtendBaseWidget(f)
	if design == nil {
		for i := range t.Fields {
			if !skipHidden || !t.Fields[i].Hidden {
				f.box.Add(f.addField(t.Fields[i], "", false))
			}
		}
		return f
	}
	for i, sec := range design.Sections {
		if i > 0 {
			f.box.Add(widget.NewSeparator())
		}
		if sec.Title != "" {
			h := widget.NewLabelWithStyle(sec.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			h.SizeName = theme.SizeNameSubHeadingText
			f.box.Add(h)
		}
		for _, it := range sec.Items {
			if fd, ok := t.FieldByID(it.Field); ok {
				f.box.Add(f.addField(*fd, it.Label, it.ReadOnly))
			}
		}
	}
	return f
}

// addField makes the label, editor and message of one field.
func (f *RecordForm) addField(fd schema.Field, label string, readOnly bool) fyne.CanvasObject {
	ed := NewFieldEditor(fd)
	msg := widget.NewLabel("")
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	msg.Hide()
	idx := len(f.editors)
	ed.OnChanged = func() { f.edited(idx) }
	if fd.Type == schema.Lookup {
		ed.OnSearch = func(text string) {
			if f.OnSearch != nil {
				f.OnSearch(fd, text)
			}
		}
	}
	if label == "" {
		label = fd.Name
	}
	name := label
	if fd.Required {
		name += " *"
	}
	fixed := readOnly || fd.Type.Computed()
	if fixed {
		ed.SetReadOnly(true)
	}
	title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.editors = append(f.editors, ed)
	f.messages = append(f.messages, msg)
	f.labels = append(f.labels, label)
	f.fixed = append(f.fixed, fixed)
	return container.NewVBox(title, ed, msg)
}

// Label returns the label a field has on the form, "" when it is not on it.
func (f *RecordForm) Label(field uuid.UUID) string {
	for i, e := range f.editors {
		if e.field.ID == field {
			return f.labels[i]
		}
	}
	return ""
}

// FieldReadOnly reports whether the form's design makes a field
// read-only (computed fields always are).
func (f *RecordForm) FieldReadOnly(field uuid.UUID) bool {
	for i, e := range f.editors {
		if e.field.ID == field {
			return f.fixed[i]
		}
	}
	return false
}

// SetPeople sets the people every person editor offers.
func (f *RecordForm) SetPeople(people []PersonOption) {
	for _, e := range f.editors {
		e.SetPeople(people)
	}
}

// ShowMatches answers a search of a lookup field's editor for text: it
// lists the matches under the editor while it still shows text (see
// FieldEditor.ShowMatches).
func (f *RecordForm) ShowMatches(field uuid.UUID, text string, matches []LookupOption) {
	if e := f.Editor(field); e != nil {
		e.ShowMatches(text, matches)
	}
}

// SetMatches sets the records a lookup field's editor lists.
func (f *RecordForm) SetMatches(field uuid.UUID, matches []LookupOption) {
	if e := f.Editor(field); e != nil {
		e.SetMatches(matches)
	}
}

// SetTitles tells every lookup editor the titles of records.
func (f *RecordForm) SetTitles(titles map[uuid.UUID]string) {
	for _, e := range f.editors {
		e.SetTitles(titles)
	}
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
	for i, e := range f.editors {
		if f.fixed[i] {
			continue
		}
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
		if f.fixed[i] {
			continue
		}
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

// SetReadOnly disables every editor (ro false enables those the form's
// design does not make read-only).
func (f *RecordForm) SetReadOnly(ro bool) {
	f.readOnly = ro
	for i, e := range f.editors {
		e.SetReadOnly(ro || f.fixed[i])
	}
}

// FocusFirst focuses the first editor on canvas c.
func (f *RecordForm) FocusFirst(c fyne.Canvas) {
	if c == nil || f.readOnly {
		return
	}
	for i, e := range f.editors {
		if !f.fixed[i] {
			if fo := e.Focusable(); fo != nil {
				c.Focus(fo)
			}
			return
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
