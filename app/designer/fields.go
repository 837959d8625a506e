package designer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// Types lists the field types the designer offers, in schema's order, with
// their labels. Lookups are left out: they are made in design files, which
// name the tool they look up.
var Types = func() []struct {
	Type  schema.FieldType
	Label string
} {
	var out []struct {
		Type  schema.FieldType
		Label string
	}
	for _, t := range schema.FieldTypes() {
		if t != schema.Lookup {
			out = append(out, struct {
				Type  schema.FieldType
				Label string
			}{t, t.Label()})
		}
	}
	return out
}()

// fieldsTab edits the tool's fields and previews the generated form.
type fieldsTab struct {
	d        *Designer
	selected int
	updating bool // true while selectField fills the editors

	list        *widget.List
	name        *widget.Entry
	typ         *widget.Select
	required    *widget.Check
	unique      *widget.Check
	hidden      *widget.Check
	description *widget.Entry
	min, max    *widget.Entry
	precision   *widget.Entry
	currency    *widget.Entry
	maxLength   *widget.Entry
	pattern     *widget.Entry
	choices     *widget.Entry
	def         *widget.Entry
	props       *fyne.Container
	preview     *fyne.Container
	content     fyne.CanvasObject
}

func newFieldsTab(d *Designer) *fieldsTab {
	ft := &fieldsTab{d: d, selected: -1}
	ft.list = widget.NewList(func() int { return len(d.tool.Fields) },
		func() fyne.CanvasObject { return widget.NewLabel("Field name (type)") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(fieldLine(d.tool.Fields[i])) })
	ft.list.OnSelected = func(i widget.ListItemID) { ft.selectField(i) }
	add := widget.NewButtonWithIcon("Add field", theme.ContentAddIcon(), d.AddField)
	remove := widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), d.RemoveField)
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { d.MoveField(-1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { d.MoveField(1) })
	for _, b := range []*widget.Button{add, remove, up, down} {
		d.lock(b)
	}
	left := container.NewBorder(sectionTitle("Fields"), container.NewHBox(add, remove, up, down), nil, nil, ft.list)
	ft.buildEditors()
	ft.props = container.NewVBox()
	ft.preview = container.NewStack()
	right := container.NewBorder(sectionTitle("Preview"), nil, nil, nil, container.NewVScroll(ft.preview))
	ft.content = container.NewGridWithColumns(3, left, container.NewVScroll(ft.props), right)
	return ft
}

// fieldLine is a field's line in the list: name, type, "*" if required,
// "(hidden)" if hidden.
func fieldLine(f schema.Field) string {
	s := fmt.Sprintf("%s (%s)", f.Name, f.Type.Label())
	if f.Required {
		s += " *"
	}
	if f.Hidden {
		s += " — hidden"
	}
	return s
}

// buildEditors makes the property editors; showProps lays out those that
// apply to the selected field's type.
func (ft *fieldsTab) buildEditors() {
	d := ft.d
	entry := func(placeholder string, multi bool, set func(*schema.Field, string)) *widget.Entry {
		e := widget.NewEntry()
		if multi {
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(3)
			e.Wrapping = fyne.TextWrapWord
		}
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(s string) { ft.edit(func(f *schema.Field) { set(f, s) }) }
		d.lock(e)
		return e
	}
	check := func(label string, set func(*schema.Field, bool)) *widget.Check {
		c := widget.NewCheck(label, func(b bool) { ft.edit(func(f *schema.Field) { set(f, b) }) })
		d.lock(c)
		return c
	}
	ft.name = entry("", false, func(f *schema.Field, s string) { f.Name = s })
	ft.description = entry("what the field is for, shown as help", true, func(f *schema.Field, s string) { f.Description = s })
	labels := make([]string, len(Types))
	for i, t := range Types {
		labels[i] = t.Label
	}
	ft.typ = widget.NewSelect(labels, func(s string) {
		ft.edit(func(f *schema.Field) { setType(f, typeOf(s)) })
		if !ft.updating {
			ft.selectField(ft.selected) // the editors that apply change
		}
	})
	d.lock(ft.typ)
	ft.required = check("Required", func(f *schema.Field, b bool) { f.Required = b })
	ft.unique = check("Unique", func(f *schema.Field, b bool) { f.Unique = b })
	ft.hidden = check("Hidden", func(f *schema.Field, b bool) { f.Hidden = b })
	ft.min = entry("no minimum", false, func(f *schema.Field, s string) { f.Min = ft.number(f, "minimum", s) })
	ft.max = entry("no maximum", false, func(f *schema.Field, s string) { f.Max = ft.number(f, "maximum", s) })
	ft.precision = entry("any number of decimals", false, func(f *schema.Field, s string) { f.Precision = ft.whole(f, "decimals", s) })
	ft.currency = entry("e.g. EUR", false, func(f *schema.Field, s string) { f.Currency = strings.ToUpper(strings.TrimSpace(s)) })
	ft.maxLength = entry("no limit", false, func(f *schema.Field, s string) {
		f.MaxLength = 0
		if n := ft.whole(f, "longest", s); n != nil {
			f.MaxLength = *n
		}
	})
	ft.pattern = entry("a regular expression the whole value must match", false, func(f *schema.Field, s string) { f.Pattern = s })
	ft.choices = entry("one choice per line", true, func(f *schema.Field, s string) { f.Choices = splitLines(s) })
	ft.choices.SetMinRowsVisible(4)
	ft.def = entry("no default", false, func(f *schema.Field, s string) { ft.setDefault(f, s) })
}

// number parses a bound; bad text is reported and leaves no bound.
func (ft *fieldsTab) number(f *schema.Field, what, s string) *float64 {
	key := what + ":" + f.ID.String()
	s = strings.TrimSpace(s)
	if s == "" {
		ft.d.setBad(key, "")
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		ft.d.setBad(key, fmt.Sprintf("field %q: the %s %q is not a number", f.Name, what, s))
		return nil
	}
	ft.d.setBad(key, "")
	return &v
}

// whole parses a whole number; bad text is reported and gives nil.
func (ft *fieldsTab) whole(f *schema.Field, what, s string) *int {
	key := what + ":" + f.ID.String()
	s = strings.TrimSpace(s)
	if s == "" {
		ft.d.setBad(key, "")
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		ft.d.setBad(key, fmt.Sprintf("field %q: %s %q is not a whole number", f.Name, what, s))
		return nil
	}
	ft.d.setBad(key, "")
	return &n
}

// setDefault parses a default value in the field's text form; text that
// does not parse is reported and leaves the default empty.
func (ft *fieldsTab) setDefault(f *schema.Field, s string) {
	key := "default:" + f.ID.String()
	f.Default = schema.Value{}
	ft.d.setBad(key, "")
	if strings.TrimSpace(s) == "" {
		return
	}
	v, err := schema.ParseValue(f, s)
	if err != nil {
		ft.d.setBad(key, fmt.Sprintf("field %q: the default is not valid: %s", f.Name, widgets.RuleMessage(err)))
		return
	}
	f.Default = v
}

func typeOf(label string) schema.FieldType {
	for _, x := range Types {
		if x.Label == label {
			return x.Type
		}
	}
	return schema.Text
}

// setType changes a field's type and drops the properties that do not
// apply to the new one; a default is converted when it can be.
func setType(f *schema.Field, t schema.FieldType) {
	if f.Type == t {
		return
	}
	old := *f
	f.Type = t
	if !t.IsNumber() {
		f.Min, f.Max, f.Precision = nil, nil, nil
	}
	if t != schema.Currency {
		f.Currency = ""
	}
	if !t.IsText() {
		f.MaxLength, f.Pattern = 0, ""
	} else if f.MaxLength > 0 {
		f.MaxLength = 0 // the caps differ between text types
	}
	if !t.HasChoices() {
		f.Choices = nil
	} else if len(f.Choices) == 0 {
		f.Choices = []string{"Option 1", "Option 2"}
	}
	if t.Computed() {
		f.Required = false
	}
	if f.Unique && !uniqueAllowed(t) {
		f.Unique = false
	}
	f.LookupTool, f.LookupDisplay = uuid.Nil, uuid.Nil
	f.Default = schema.Value{}
	if !old.Default.IsEmpty() && hasDefault(t) {
		if v, err := schema.ConvertValue(old.Default, f); err == nil {
			f.Default = v
		}
	}
}

// uniqueAllowed mirrors schema's rule: not for long text, check boxes,
// multiple choices and computed fields.
func uniqueAllowed(t schema.FieldType) bool {
	return !t.Computed() && t != schema.LongText && t != schema.Checkbox && t != schema.MultiChoice && t != schema.Lookup
}

// hasDefault reports whether fields of type t may have a default.
func hasDefault(t schema.FieldType) bool {
	return !t.Computed() && t != schema.Person && t != schema.Lookup
}

func formatBound(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func formatWhole(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// reload shows the working copy again after it was replaced.
func (ft *fieldsTab) reload() {
	ft.list.UnselectAll()
	ft.list.Refresh()
	ft.selectField(0)
}

// selectField shows a field's properties.
func (ft *fieldsTab) selectField(i int) {
	fields := ft.d.tool.Fields
	if i < 0 || i >= len(fields) {
		ft.selected = -1
		ft.showProps()
		return
	}
	ft.selected = i
	f := fields[i]
	ft.updating = true
	ft.name.SetText(f.Name)
	ft.typ.SetSelected(f.Type.Label())
	ft.required.SetChecked(f.Required)
	ft.unique.SetChecked(f.Unique)
	ft.hidden.SetChecked(f.Hidden)
	ft.description.SetText(f.Description)
	ft.min.SetText(formatBound(f.Min))
	ft.max.SetText(formatBound(f.Max))
	ft.precision.SetText(formatWhole(f.Precision))
	ft.currency.SetText(f.Currency)
	ft.maxLength.SetText("")
	if f.MaxLength > 0 {
		ft.maxLength.SetText(strconv.Itoa(f.MaxLength))
	}
	ft.pattern.SetText(f.Pattern)
	ft.choices.SetText(strings.Join(f.Choices, "\n"))
	ft.def.SetText("")
	if !f.Default.IsEmpty() {
		ft.def.SetText(f.Default.String())
	}
	ft.updating = false
	ft.showProps()
}

// showProps lays out the properties that apply to the selected field's
// type.
func (ft *fieldsTab) showProps() {
	ft.props.RemoveAll()
	if ft.selected < 0 {
		ft.props.Add(widget.NewLabel("Add a field to start."))
		return
	}
	f := ft.d.tool.Fields[ft.selected]
	items := []*widget.FormItem{widget.NewFormItem("Name", ft.name), widget.NewFormItem("Type", ft.typ)}
	if !f.Type.Computed() {
		items = append(items, widget.NewFormItem("", ft.required))
	}
	if uniqueAllowed(f.Type) {
		items = append(items, widget.NewFormItem("", ft.unique))
	}
	switch {
	case f.Type.IsNumber():
		items = append(items, widget.NewFormItem("Minimum", ft.min), widget.NewFormItem("Maximum", ft.max),
			widget.NewFormItem("Decimals", ft.precision))
		if f.Type == schema.Currency {
			items = append(items, widget.NewFormItem("Currency", ft.currency))
		}
	case f.Type.IsText():
		items = append(items, widget.NewFormItem("Longest", ft.maxLength), widget.NewFormItem("Pattern", ft.pattern))
	case f.Type.HasChoices():
		items = append(items, widget.NewFormItem("Choices", ft.choices))
	}
	if hasDefault(f.Type) {
		items = append(items, widget.NewFormItem("Default", ft.def))
	}
	items = append(items, widget.NewFormItem("Help text", ft.description), widget.NewFormItem("", ft.hidden))
	hint := widget.NewLabel("Unique: no two records share a value. Hidden: left out of generated forms and default columns; values are kept.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	ft.props.Add(sectionTitle("Field"))
	ft.props.Add(widget.NewForm(items...))
	ft.props.Add(hint)
	if f.Type.Computed() {
		ft.props.Add(widget.NewLabel("Grove fills this field in; it cannot be typed."))
	}
}

// edit changes the selected field.
func (ft *fieldsTab) edit(fn func(*schema.Field)) {
	if ft.updating || ft.d.readOnly || ft.selected < 0 {
		return
	}
	fn(&ft.d.tool.Fields[ft.selected])
	ft.list.RefreshItem(ft.selected)
	ft.d.changed()
}

// refreshPreview rebuilds the generated form from the working copy.
func (ft *fieldsTab) refreshPreview() {
	form := widgets.NewRecordForm(ft.d.tool.Clone())
	ft.preview.Objects = []fyne.CanvasObject{form}
	ft.preview.Refresh()
}

// AddField adds a text field after the selected one, puts it at the end
// of every form, and selects it.
func (d *Designer) AddField() {
	if d.readOnly {
		return
	}
	name := uniqueName("Field", len(d.tool.Fields)+1, func(s string) bool { _, ok := d.tool.FieldByName(s); return ok })
	at := d.fields.selected + 1
	if at <= 0 {
		at = len(d.tool.Fields)
	}
	f := schema.Field{ID: uuid.New(), Name: name, Type: schema.Text}
	d.tool.Fields = slices.Insert(d.tool.Fields, at, f)
	for i := range d.tool.Forms {
		secs := d.tool.Forms[i].Sections
		if n := len(secs); n > 0 {
			secs[n-1].Items = append(secs[n-1].Items, schema.FormItem{Field: f.ID})
		}
	}
	d.fields.list.Refresh()
	d.fields.list.Select(at)
	d.forms.reload()
	d.changed()
}

// RemoveField removes the selected field with what depends on it (see
// schema.Tool.RemoveField) and says what went with it. Its values stay in
// the records and come back if the design is reverted before saving.
func (d *Designer) RemoveField() {
	i := d.fields.selected
	if d.readOnly || i < 0 {
		return
	}
	f := d.tool.Fields[i]
	for _, k := range []string{"minimum", "maximum", "decimals", "longest", "default"} {
		d.setBad(k+":"+f.ID.String(), "")
	}
	removed := d.tool.RemoveField(f.ID)
	ft := d.fields
	ft.list.UnselectAll()
	ft.list.Refresh()
	if len(d.tool.Fields) > 0 {
		ft.list.Select(min(i, len(d.tool.Fields)-1))
	} else {
		ft.selectField(-1)
	}
	d.views.reload()
	d.forms.reload()
	d.changed()
	msg := fmt.Sprintf("Removed the field %q from the design and from the views and forms that showed it.", f.Name)
	if len(removed) > 0 {
		msg += " Also removed, as they need it: " + strings.Join(removed, ", ") + "."
	}
	d.status.SetText(msg + " Its values stay in the records; Revert brings the field back.")
}

// MoveField moves the selected field up (-1) or down (+1).
func (d *Designer) MoveField(delta int) {
	if d.readOnly {
		return
	}
	var j int
	d.tool.Fields, j = moved(d.tool.Fields, d.fields.selected, delta)
	if j == d.fields.selected {
		return
	}
	d.fields.list.Refresh()
	d.fields.list.Select(j)
	d.changed()
}

// SelectField selects field i (tests and keyboard).
func (d *Designer) SelectField(i int) { d.fields.list.Select(i) }

// Props returns the property editors: name, type, required, choices
// (tests).
func (d *Designer) Props() (name *widget.Entry, typ *widget.Select, required *widget.Check, choices *widget.Entry) {
	return d.fields.name, d.fields.typ, d.fields.required, d.fields.choices
}

// Preview returns the live preview of the generated form.
func (d *Designer) Preview() *widgets.RecordForm {
	if len(d.fields.preview.Objects) == 0 {
		return nil
	}
	f, _ := d.fields.preview.Objects[0].(*widgets.RecordForm)
	return f
}
