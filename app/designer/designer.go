// Package designer is the design window of one tool, in three tabs:
//
//   - Fields: add, remove, rename, reorder; type, rules (required, unique,
//     min/max, precision, currency, longest, pattern), choices, default,
//     description, hidden; with a live preview of the generated form.
//   - Views: table, calendar and board views; columns and their order,
//     sort keys, filter, group, the calendar's date fields, the board's
//     choice field; shared or private.
//   - Form: the tool's forms: sections and their titles, field order,
//     labels and read-only fields, with a live preview.
//
// Save applies the design through model.Designer, which runs the safe
// design change, and shows in words what it did to the records or why it
// was refused. Removing a field also removes what depends on it (view
// columns, sort keys, form items; views and rules that cannot do without
// it) so the design stays valid; the status line says what went with it.
//
// Only managers change designs. Everyone else, and everyone in a workspace
// connected to a server (whose design is the server's), sees the design
// read-only with a banner saying why.
package designer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

// Designer is the design screen and its controller.
type Designer struct {
	ws       model.Designer
	loop     *loop.Loop
	access   model.DesignAccess
	tool     *schema.Tool // the working copy
	orig     *schema.Tool // nil for a new tool
	readOnly bool
	// bad holds input that could not be taken (a number that is not one,
	// an invalid default), keyed by what it is about; it blocks saving.
	bad map[string]string

	banner   *widget.Label
	toolName *widget.Entry
	tabs     *container.AppTabs
	problems *widget.Label
	status   *widget.Label
	saveBtn  *widget.Button
	revert   *widget.Button
	content  fyne.CanvasObject

	fields *fieldsTab
	views  *viewsTab
	forms  *formsTab

	// OnSaved is called on the Fyne thread after a successful save.
	OnSaved func(*schema.Tool)
}

// Options configure a Designer.
type Options struct {
	// UI applies changes on the Fyne thread (default fyne.Do).
	UI func(func())
	// Role is this device's role as the opener knows it; the designer
	// uses the weaker of it and the workspace's answer. Zero: the
	// workspace's answer alone.
	Role model.Role
	// Connected is true when the opener knows a server owns the design.
	Connected bool
}

// New builds a designer for tool (nil: a new tool). It asks ws once who
// this device is to the design (a small read).
func New(ws model.Designer, tool *schema.Tool, opts Options) *Designer {
	d := &Designer{ws: ws, loop: loop.New(opts.UI), bad: map[string]string{}}
	d.access = access(ws, opts)
	if tool == nil {
		d.tool = newTool()
	} else {
		d.orig = tool
		d.tool = tool.Clone()
	}
	why := readOnlyReason(d.access)
	d.readOnly = why != ""
	d.build()
	if d.readOnly {
		d.banner.SetText(why)
		d.banner.Show()
	}
	d.fields.selectField(0)
	d.views.selectView(0)
	d.forms.selectForm(0)
	d.changed()
	return d
}

// access combines the workspace's answer with what the opener knows.
func access(ws model.Designer, opts Options) model.DesignAccess {
	acc, err := ws.DesignAccess()
	if err != nil {
		acc = model.DesignAccess{Role: opts.Role}
	}
	if opts.Role != 0 && opts.Role < acc.Role {
		acc.Role = opts.Role
	}
	if opts.Connected && acc.Server == "" {
		acc.Server = unknownServer
	}
	return acc
}

// unknownServer stands for the server of a workspace the opener knows is
// connected when the workspace could not name it.
const unknownServer = "\x00unknown"

// readOnlyReason says why the design may not be changed here, "" when it
// may.
func readOnlyReason(a model.DesignAccess) string {
	switch {
	case a.Server == unknownServer:
		return "This workspace is connected to a server, which owns its design. You can look at the design here; changes to it are made on the server and arrive here by sync."
	case a.Connected():
		return fmt.Sprintf("This workspace is connected to the server %s, which owns its design. You can look at the design here; changes to it are made on that server and arrive here by sync.", a.Server)
	case !a.Role.CanDesign():
		return fmt.Sprintf("Only managers can change the design. You are a %s in this workspace, so you can look but not change it; ask a manager if something should change.", a.Role)
	}
	return ""
}

// newTool is the design a new tool starts from.
func newTool() *schema.Tool {
	return &schema.Tool{ID: uuid.New(), Name: "New tool", Fields: []schema.Field{{ID: uuid.New(), Name: "Name", Type: schema.Text, Required: true}}}
}

// Clone returns a deep copy of a tool.
func Clone(t *schema.Tool) *schema.Tool { return t.Clone() }

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

// Problems returns what must be fixed before saving, "" when nothing.
func (d *Designer) Problems() string { return d.problems.Text }

// Tabs returns the Fields | Views | Form tabs.
func (d *Designer) Tabs() *container.AppTabs { return d.tabs }

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
	d.lock(d.toolName)

	d.fields = newFieldsTab(d)
	d.views = newViewsTab(d)
	d.forms = newFormsTab(d)
	d.tabs = container.NewAppTabs(
		container.NewTabItem("Fields", d.fields.content),
		container.NewTabItem("Views", d.views.content),
		container.NewTabItem("Form", d.forms.content))

	d.problems = widget.NewLabel("")
	d.problems.Wrapping = fyne.TextWrapWord
	d.problems.Importance = widget.DangerImportance
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.saveBtn = widget.NewButtonWithIcon("Save design", theme.DocumentSaveIcon(), d.Save)
	d.saveBtn.Importance = widget.HighImportance
	d.revert = widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), d.Revert)
	d.lock(d.saveBtn)
	d.lock(d.revert)

	top := container.NewVBox(d.banner, widget.NewForm(widget.NewFormItem("Tool name", d.toolName)))
	bottom := container.NewVBox(d.problems, container.NewBorder(nil, nil, nil, container.NewHBox(d.revert, d.saveBtn), d.status))
	d.content = container.NewBorder(top, bottom, nil, nil, d.tabs)
}

// lock disables w when the design is read-only.
func (d *Designer) lock(w fyne.Disableable) {
	if d.readOnly {
		w.Disable()
	}
}

// setBad records (msg != "") or clears a problem with typed input.
func (d *Designer) setBad(key, msg string) {
	if msg == "" {
		delete(d.bad, key)
	} else {
		d.bad[key] = msg
	}
}

// changed checks the working copy, shows its problems and refreshes the
// previews. Every edit ends here.
func (d *Designer) changed() {
	var parts []string
	for _, msg := range d.bad {
		parts = append(parts, msg)
	}
	if err := d.tool.Check(); err != nil {
		parts = append(parts, problems(err))
	}
	if len(parts) > 0 {
		d.problems.SetText("To fix before saving: " + strings.Join(parts, "; "))
		d.problems.Show()
		d.saveBtn.Disable()
	} else {
		d.problems.SetText("")
		d.problems.Hide()
		if !d.readOnly {
			d.saveBtn.Enable()
		}
	}
	d.fields.refreshPreview()
	d.forms.refreshPreview()
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
		d.tool = d.orig.Clone()
	} else {
		d.tool = &schema.Tool{ID: d.tool.ID, Name: "New tool", Fields: newTool().Fields}
	}
	d.bad = map[string]string{}
	d.toolName.SetText(d.tool.Name)
	d.fields.reload()
	d.views.reload()
	d.forms.reload()
	d.changed()
	d.status.SetText("Changes reverted.")
}

// Save applies the design on the controller.
func (d *Designer) Save() {
	if d.readOnly {
		return
	}
	if len(d.bad) > 0 || d.tool.Check() != nil {
		d.status.SetText("The design has problems; fix the ones listed above and save again.")
		return
	}
	t := d.tool.Clone()
	if err := t.Canonicalize(); err != nil {
		d.status.SetText("Not saved: " + err.Error() + ". Fix it and save again.")
		return
	}
	d.saveBtn.Disable()
	d.status.SetText("Saving the design…")
	d.loop.Post(func(context.Context) {
		rep, err := d.ws.ApplyDesign(t)
		d.loop.UI(func() { d.saved(t, rep, err) })
	})
}

func (d *Designer) saved(t *schema.Tool, rep model.DesignReport, err error) {
	d.saveBtn.Enable()
	notes := strings.Join(rep.Notes, " ")
	switch {
	case errors.Is(err, model.ErrDesignRejected):
		d.status.SetText("Not saved: the records do not fit the new design, so nothing was changed. " + notes + " Change the design or the records and save again.")
		return
	case errors.Is(err, model.ErrDesignOwnedByServer):
		d.status.SetText("Not saved: this workspace is connected to a server, which owns its design. Make the change on the server.")
		return
	case errors.Is(err, model.ErrNotAllowed):
		d.status.SetText("Not saved: " + err.Error() + ". Ask a manager to make this change.")
		return
	case err != nil:
		d.status.SetText("Not saved: " + err.Error() + ". Fix the design and save again.")
		return
	}
	d.orig = t
	msg := fmt.Sprintf("Saved the design of %s.", t.Name)
	if notes != "" {
		msg += " " + notes
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

// moved returns s with element i moved by delta, and the new index; s is
// unchanged when the move leaves the slice.
func moved[E any](s []E, i, delta int) ([]E, int) {
	j := i + delta
	if i < 0 || i >= len(s) || j < 0 || j >= len(s) {
		return s, i
	}
	s[i], s[j] = s[j], s[i]
	return s, j
}

// sectionTitle is a bold heading.
func sectionTitle(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// uniqueName returns base followed by the first number that no name taken
// reports as used.
func uniqueName(base string, start int, taken func(string) bool) string {
	for n := start; ; n++ {
		name := fmt.Sprintf("%s %d", base, n)
		if !taken(name) {
			return name
		}
	}
}
