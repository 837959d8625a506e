// Package designer is the design window: a tool's name and fields (add,
// rename, reorder, type, rules, choices), a live preview of the form the
// design generates, and Save, which applies the design through
// model.Designer. Only managers change designs; everyone else sees the
// design read-only with the reason.
package designer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// Types lists the field types in the order the designer offers them, with
// their labels.
var Types = []struct {
	Type  schema.FieldType
	Label string
}{
	{schema.Text, "Text"}, {schema.LongText, "Long text"}, {schema.Number, "Number"},
	{schema.Date, "Date"}, {schema.Checkbox, "Check box"}, {schema.Choice, "Choice"},
}

// Designer is the design screen and its controller.
type Designer struct {
	ws       model.Designer
	loop     *loop.Loop
	tool     *schema.Tool // the working copy
	orig     *schema.Tool // nil for a new tool
	readOnly bool
	selected int

	banner    *widget.Label
	toolName  *widget.Entry
	fields    *widget.List
	name      *widget.Entry
	typ       *widget.Select
	required  *widget.Check
	min, max  *widget.Entry
	maxLength *widget.Entry
	pattern   *widget.Entry
	choices   *widget.Entry
	def       *widget.Entry
	props     *fyne.Container
	preview   *fyne.Container
	problems  *widget.Label
	status    *widget.Label
	saveBtn   *widget.Button
	editBtns  []*widget.Button
	updating  bool
	content   fyne.CanvasObject

	// OnSaved is called on the Fyne thread after a successful save.
	OnSaved func(*schema.Tool)
}

// Options configure a Designer.
type Options struct {
	// UI applies changes on the Fyne thread (default fyne.Do).
	UI func(func())
	// Role is this device's role; below manager the design is read-only.
	Role model.Role
	// Connected is true when a server owns the design (read-only).
	Connected bool
}

// New builds a designer for tool (nil: a new tool).
func New(ws model.Designer, tool *schema.Tool, opts Options) *Designer {
	d := &Designer{ws: ws, loop: loop.New(opts.UI), selected: -1}
	if tool == nil {
		d.tool = &schema.Tool{ID: uuid.New(), Name: "New tool", Fields: []schema.Field{{ID: uuid.New(), Name: "Name", Type: schema.Text, Required: true}}}
	} else {
		d.orig = tool
		d.tool = Clone(tool)
	}
	d.build()
	switch {
	case opts.Connected:
		d.setReadOnly("This workspace is connected to a server, which owns its design. Changes to the design are made on the server and arrive here by sync.")
	case !opts.Role.CanDesign():
		d.setReadOnly(fmt.Sprintf("Only managers can change the design. You are a %s in this workspace, so you can look but not change it; ask a manager if something should change.", opts.Role))
	}
	d.selectField(0)
	d.changed()
	return d
}

// Clone returns a deep copy of a tool.
func Clone(t *schema.Tool) *schema.Tool {
	c := *t
	c.Fields = make([]schema.Field, len(t.Fields))
	for i, f := range t.Fields {
		f.Choices = append([]string(nil), f.Choices...)
		if f.Min != nil {
			v := *f.Min
			f.Min = &v
		}
		if f.Max != nil {
			v := *f.Max
			f.Max = &v
		}
		c.Fields[i] = f
	}
	return &c
}

// Content returns the designer's root object.
func (d *Designer) Content() fyne.CanvasObject { return d.content }

// Loop returns the controller loop.
func (d *Designer) Loop() *loop.Loop { return d.loop }

// Tool returns the working copy.
func (d *Designer) Tool() *schema.Tool { return d.tool }

// ReadOnly reports whether the design may not be changed here.
func (d *Designer) ReadOnly() bool { return d.readOnly }

// Banner returns the explanation shown above a read-only design.
func (d *Designer) Banner() string { return d.banner.Text }

// Status returns the status line.
func (d *Designer) Status() string { return d.status.Text }

// Start starts the controller.
func (d *Designer) Start(ctx context.Context) { d.loop.Start(ctx, nil, nil) }

// Close ends the controller.
func (d *Designer) Close() { d.loop.Close() }

func (d *Designer) build() {
	d.banner = widget.NewLabel("")
	d.banner.Wrapping = fyne.TextWrapWord
	d.banner.Importance = widget.WarningImportance
	d.banner.Hide()
	d.toolName = widget.NewEntry()
	d.toolName.SetText(d.tool.Name)
	d.toolName.OnChanged = func(s string) { d.tool.Name = s; d.changed() }

	d.fields = widget.NewList(func() int { return len(d.tool.Fields) },
		func() fyne.CanvasObject { return widget.NewLabel("Field name (type)") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			f := d.tool.Fields[i]
			txt := fmt.Sprintf("%s (%s)", f.Name, typeLabel(f.Type))
			if f.Required {
				txt += " *"
			}
			o.(*widget.Label).SetText(txt)
		})
	d.fields.OnSelected = func(i widget.ListItemID) { d.selectField(i) }
	add := widget.NewButtonWithIcon("Add field", theme.ContentAddIcon(), d.AddField)
	remove := widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), d.RemoveField)
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { d.MoveField(-1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { d.MoveField(1) })
	d.editBtns = []*widget.Button{add, remove, up, down}
	left := container.NewBorder(widget.NewLabelWithStyle("Fields", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(add, remove, up, down), nil, nil, d.fields)

	d.name = widget.NewEntry()
	d.name.OnChanged = func(s string) { d.edit(func(f *schema.Field) { f.Name = s }) }
	labels := make([]string, len(Types))
	for i, t := range Types {
		labels[i] = t.Label
	}
	d.typ = widget.NewSelect(labels, func(s string) { d.edit(func(f *schema.Field) { setType(f, typeOf(s)) }); d.showProps() })
	d.required = widget.NewCheck("Required", func(b bool) { d.edit(func(f *schema.Field) { f.Required = b }) })
	d.min = widget.NewEntry()
	d.min.SetPlaceHolder("no minimum")
	d.min.OnChanged = func(s string) { d.edit(func(f *schema.Field) { f.Min = parseBound(s) }) }
	d.max = widget.NewEntry()
	d.max.SetPlaceHolder("no maximum")
	d.max.OnChanged = func(s string) { d.edit(func(f *schema.Field) { f.Max = parseBound(s) }) }
	d.maxLength = widget.NewEntry()
	d.maxLength.SetPlaceHolder("no limit")
	d.maxLength.OnChanged = func(s string) {
		d.edit(func(f *schema.Field) { n, _ := strconv.Atoi(strings.TrimSpace(s)); f.MaxLength = n })
	}
	d.pattern = widget.NewEntry()
	d.pattern.SetPlaceHolder("a regular expression the whole value must match")
	d.pattern.OnChanged = func(s string) { d.edit(func(f *schema.Field) { f.Pattern = s }) }
	d.choices = widget.NewMultiLineEntry()
	d.choices.SetPlaceHolder("one choice per line")
	d.choices.SetMinRowsVisible(4)
	d.choices.OnChanged = func(s string) { d.edit(func(f *schema.Field) { f.Choices = splitLines(s) }) }
	d.def = widget.NewEntry()
	d.def.SetPlaceHolder("defaults come with the next design format")
	d.def.Disable()
	d.props = container.NewVBox()

	d.preview = container.NewStack()
	d.problems = widget.NewLabel("")
	d.problems.Wrapping = fyne.TextWrapWord
	d.problems.Importance = widget.DangerImportance
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.saveBtn = widget.NewButtonWithIcon("Save design", theme.DocumentSaveIcon(), d.Save)
	d.saveBtn.Importance = widget.HighImportance
	revert := widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), d.Revert)
	d.editBtns = append(d.editBtns, revert)

	middle := container.NewVScroll(d.props)
	right := container.NewBorder(widget.NewLabelWithStyle("Preview", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(d.preview))
	cols := container.NewGridWithColumns(3, left, middle, right)
	top := container.NewVBox(d.banner, widget.NewForm(widget.NewFormItem("Tool name", d.toolName)))
	bottom := container.NewVBox(d.problems, container.NewBorder(nil, nil, nil, container.NewHBox(revert, d.saveBtn), d.status))
	d.content = container.NewBorder(top, bottom, nil, nil, cols)
}

func typeLabel(t schema.FieldType) string {
	for _, x := range Types {
		if x.Type == t {
			return x.Label
		}
	}
	return string(t)
}

func typeOf(label string) schema.FieldType {
	for _, x := range Types {
		if x.Label == label {
			return x.Type
		}
	}
	return schema.Text
}

// setType changes a field's type and drops the rules that do not apply.
func setType(f *schema.Field, t schema.FieldType) {
	if f.Type == t {
		return
	}
	f.Type = t
	if t != schema.Number {
		f.Min, f.Max = nil, nil
	}
	if t != schema.Text && t != schema.LongText {
		f.MaxLength, f.Pattern = 0, ""
	}
	if t != schema.Choice {
		f.Choices = nil
	} else if len(f.Choices) == 0 {
		f.Choices = []string{"Option 1", "Option 2"}
	}
}

func parseBound(s string) *float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return nil
	}
	return &v
}

func formatBound(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
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

func (d *Designer) setReadOnly(why string) {
	d.readOnly = true
	d.banner.SetText(why)
	d.banner.Show()
	for _, w := range []fyne.Disableable{d.toolName, d.name, d.typ, d.required, d.min, d.max, d.maxLength, d.pattern, d.choices, d.saveBtn} {
		w.Disable()
	}
	for _, b := range d.editBtns {
		b.Disable()
	}
}

// selectField shows a field's properties.
func (d *Designer) selectField(i int) {
	if i < 0 || i >= len(d.tool.Fields) {
		d.selected = -1
		d.showProps()
		return
	}
	d.selected = i
	f := d.tool.Fields[i]
	d.updating = true
	d.name.SetText(f.Name)
	d.typ.SetSelected(typeLabel(f.Type))
	d.required.SetChecked(f.Required)
	d.min.SetText(formatBound(f.Min))
	d.max.SetText(formatBound(f.Max))
	if f.MaxLength > 0 {
		d.maxLength.SetText(strconv.Itoa(f.MaxLength))
	} else {
		d.maxLength.SetText("")
	}
	d.pattern.SetText(f.Pattern)
	d.choices.SetText(strings.Join(f.Choices, "\n"))
	d.updating = false
	d.showProps()
}

// showProps shows the properties that apply to the selected field's type.
func (d *Designer) showProps() {
	d.props.RemoveAll()
	if d.selected < 0 {
		d.props.Add(widget.NewLabel("Add a field to start."))
		return
	}
	f := d.tool.Fields[d.selected]
	items := []*widget.FormItem{widget.NewFormItem("Name", d.name), widget.NewFormItem("Type", d.typ), widget.NewFormItem("", d.required)}
	switch f.Type {
	case schema.Number:
		items = append(items, widget.NewFormItem("Minimum", d.min), widget.NewFormItem("Maximum", d.max))
	case schema.Text, schema.LongText:
		items = append(items, widget.NewFormItem("Longest", d.maxLength), widget.NewFormItem("Pattern", d.pattern))
	case schema.Choice:
		items = append(items, widget.NewFormItem("Choices", d.choices))
	}
	items = append(items, widget.NewFormItem("Default", d.def))
	d.props.Add(widget.NewLabelWithStyle("Field", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	d.props.Add(widget.NewForm(items...))
}

// edit changes the selected field.
func (d *Designer) edit(fn func(*schema.Field)) {
	if d.updating || d.readOnly || d.selected < 0 {
		return
	}
	fn(&d.tool.Fields[d.selected])
	d.fields.RefreshItem(d.selected)
	d.changed()
}

// AddField adds a text field after the selected one and selects it.
func (d *Designer) AddField() {
	if d.readOnly {
		return
	}
	name := "Field"
	for n := len(d.tool.Fields) + 1; ; n++ {
		name = fmt.Sprintf("Field %d", n)
		if _, taken := d.tool.FieldByName(name); !taken {
			break
		}
	}
	at := d.selected + 1
	if at <= 0 {
		at = len(d.tool.Fields)
	}
	f := schema.Field{ID: uuid.New(), Name: name, Type: schema.Text}
	d.tool.Fields = append(d.tool.Fields[:at], append([]schema.Field{f}, d.tool.Fields[at:]...)...)
	d.fields.Refresh()
	d.fields.Select(at)
	d.changed()
}

// RemoveField removes the selected field. Its values stay in the records.
func (d *Designer) RemoveField() {
	if d.readOnly || d.selected < 0 {
		return
	}
	i := d.selected
	d.tool.Fields = append(d.tool.Fields[:i], d.tool.Fields[i+1:]...)
	d.fields.UnselectAll()
	d.fields.Refresh()
	if len(d.tool.Fields) > 0 {
		d.fields.Select(min(i, len(d.tool.Fields)-1))
	} else {
		d.selectField(-1)
	}
	d.changed()
}

// MoveField moves the selected field up (-1) or down (+1).
func (d *Designer) MoveField(delta int) {
	i, j := d.selected, d.selected+delta
	if d.readOnly || i < 0 || j < 0 || j >= len(d.tool.Fields) {
		return
	}
	d.tool.Fields[i], d.tool.Fields[j] = d.tool.Fields[j], d.tool.Fields[i]
	d.fields.Refresh()
	d.fields.Select(j)
	d.changed()
}

// SelectField selects field i (tests and keyboard).
func (d *Designer) SelectField(i int) { d.fields.Select(i) }

// Props returns the property editors: name, type, required, choices
// (tests).
func (d *Designer) Props() (name *widget.Entry, typ *widget.Select, required *widget.Check, choices *widget.Entry) {
	return d.name, d.typ, d.required, d.choices
}

// Preview returns the live preview form.
func (d *Designer) Preview() *widgets.RecordForm {
	if len(d.preview.Objects) == 0 {
		return nil
	}
	f, _ := d.preview.Objects[0].(*widgets.RecordForm)
	return f
}

// changed checks the working copy and rebuilds the preview.
func (d *Designer) changed() {
	err := d.tool.Check()
	if err != nil {
		d.problems.SetText("To fix before saving: " + problems(err))
		d.problems.Show()
		d.saveBtn.Disable()
	} else {
		d.problems.SetText("")
		d.problems.Hide()
		if !d.readOnly {
			d.saveBtn.Enable()
		}
	}
	form := widgets.NewRecordForm(Clone(d.tool))
	d.preview.Objects = []fyne.CanvasObject{form}
	d.preview.Refresh()
}

// problems lists a design's problems in plain words.
func problems(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimPrefix(line, schema.ErrInvalidDesign.Error()+": ")
		if line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}

// Revert drops the changes.
func (d *Designer) Revert() {
	if d.readOnly {
		return
	}
	if d.orig != nil {
		d.tool = Clone(d.orig)
	} else {
		d.tool = &schema.Tool{ID: d.tool.ID, Name: "New tool", Fields: []schema.Field{{ID: uuid.New(), Name: "Name", Type: schema.Text, Required: true}}}
	}
	d.toolName.SetText(d.tool.Name)
	d.fields.UnselectAll()
	d.fields.Refresh()
	d.selectField(0)
	d.changed()
	d.status.SetText("Changes reverted.")
}

// Save applies the design on the controller.
func (d *Designer) Save() {
	if d.readOnly {
		return
	}
	if err := d.tool.Check(); err != nil {
		d.status.SetText("The design has problems; fix the ones listed above and save again.")
		return
	}
	t := Clone(d.tool)
	d.saveBtn.Disable()
	d.status.SetText("Saving the design…")
	d.loop.Post(func(context.Context) {
		rep, err := d.ws.ApplyDesign(t)
		d.loop.UI(func() { d.saved(t, rep, err) })
	})
}

func (d *Designer) saved(t *schema.Tool, rep model.DesignReport, err error) {
	d.saveBtn.Enable()
	if err != nil {
		switch {
		case errors.Is(err, model.ErrNotAllowed):
			d.status.SetText("Not saved: " + err.Error() + ". Ask a manager to make this change.")
		default:
			d.status.SetText("Not saved: " + err.Error() + ". Fix the design and save again.")
		}
		return
	}
	d.orig = t
	msg := fmt.Sprintf("Saved the design of %s.", t.Name)
	if len(rep.Notes) > 0 {
		msg += " " + strings.Join(rep.Notes, " ")
	}
	d.status.SetText(msg)
	if d.OnSaved != nil {
		d.OnSaved(t)
	}
}

// Open opens a designer window.
func Open(ctx context.Context, a fyne.App, ws model.Designer, tool *schema.Tool, opts Options) fyne.Window {
	title := "New tool"
	if tool != nil {
		title = tool.Name
	}
	w := a.NewWindow("Design: " + title + " — Grove")
	d := New(ws, tool, opts)
	w.SetContent(d.Content())
	p := a.Preferences()
	w.Resize(fyne.NewSize(float32(p.FloatWithFallback("window.size.designer.w", 1000)), float32(p.FloatWithFallback("window.size.designer.h", 640))))
	w.SetCloseIntercept(func() {
		if s := w.Canvas().Size(); s.Width > 100 {
			p.SetFloat("window.size.designer.w", float64(s.Width))
			p.SetFloat("window.size.designer.h", float64(s.Height))
		}
		w.Close()
	})
	w.SetOnClosed(d.Close)
	d.Start(ctx)
	w.Show()
	return w
}
