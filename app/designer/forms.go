package designer

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// formsTab edits the tool's forms: sections, field order, labels,
// read-only fields; with a preview of the selected form.
type formsTab struct {
	d        *Designer
	selected int
	list     *widget.List
	props    *fyne.Container
	preview  *fyne.Container
	content  fyne.CanvasObject

	// The editors of the selected form, rebuilt by showProps.
	name   *widget.Entry
	titles []*widget.Entry
	labels map[uuid.UUID]*widget.Entry
	ro     map[uuid.UUID]*widget.Check
	adders []*widget.Select // per section: add a field not on the form
}

func newFormsTab(d *Designer) *formsTab {
	fm := &formsTab{d: d, selected: -1}
	fm.list = widget.NewList(func() int { return len(d.tool.Forms) },
		func() fyne.CanvasObject { return widget.NewLabel("Form name") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.tool.Forms[i].Name) })
	fm.list.OnSelected = func(i widget.ListItemID) { fm.selectForm(i) }
	add := widget.NewButtonWithIcon("Add form", theme.ContentAddIcon(), d.AddForm)
	remove := widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), d.RemoveForm)
	d.lock(add)
	d.lock(remove)
	left := container.NewBorder(sectionTitle("Forms"), container.NewHBox(add, remove), nil, nil, fm.list)
	fm.props = container.NewVBox()
	fm.preview = container.NewVBox()
	right := container.NewBorder(sectionTitle("Preview"), nil, nil, nil, container.NewVScroll(fm.preview))
	inner := container.NewHSplit(container.NewVScroll(fm.props), right)
	inner.Offset = 0.6
	outer := container.NewHSplit(left, inner)
	outer.Offset = 0.2
	fm.content = outer
	return fm
}

// reload shows the working copy again after it was replaced.
func (fm *formsTab) reload() {
	fm.list.UnselectAll()
	fm.list.Refresh()
	fm.selectForm(min(max(fm.selected, 0), len(fm.d.tool.Forms)-1))
}

// selectForm shows form i.
func (fm *formsTab) selectForm(i int) {
	if i < 0 || i >= len(fm.d.tool.Forms) {
		i = -1
	}
	fm.selected = i
	fm.showProps()
	fm.refreshPreview()
}

func (fm *formsTab) form() *schema.Form { return &fm.d.tool.Forms[fm.selected] }

// edit changes the selected form; rebuild lays its editors out again.
func (fm *formsTab) edit(rebuild bool, fn func(*schema.Form)) {
	if fm.d.readOnly || fm.selected < 0 {
		return
	}
	fn(fm.form())
	fm.list.RefreshItem(fm.selected)
	if rebuild {
		fm.showProps()
	}
	fm.d.changed()
}

// showProps lays out the selected form's editors: its name, then each
// section with its title and fields.
func (fm *formsTab) showProps() {
	fm.props.RemoveAll()
	if fm.selected < 0 {
		fm.props.Add(widget.NewLabel("This tool has no forms yet: records are edited in a form of every field that is not hidden. Add a form to arrange fields in sections, relabel them or make them read-only."))
		return
	}
	d, f := fm.d, fm.form()
	fm.name = widget.NewEntry()
	fm.name.SetText(f.Name)
	fm.name.OnChanged = func(s string) { fm.edit(false, func(f *schema.Form) { f.Name = s }) }
	d.lock(fm.name)
	fm.props.Add(sectionTitle("Form"))
	fm.props.Add(widget.NewForm(widget.NewFormItem("Name", fm.name)))
	fm.titles, fm.adders = nil, nil
	fm.labels, fm.ro = map[uuid.UUID]*widget.Entry{}, map[uuid.UUID]*widget.Check{}
	for si := range f.Sections {
		fm.props.Add(fm.sectionEditor(f, si))
	}
	addSec := widget.NewButtonWithIcon("Add section", theme.ContentAddIcon(), func() {
		fm.edit(true, func(f *schema.Form) { f.Sections = append(f.Sections, schema.FormSection{}) })
	})
	d.lock(addSec)
	if len(f.Sections) >= schema.MaxSections {
		addSec.Disable()
	}
	fm.props.Add(container.NewHBox(addSec))
}

// sectionEditor edits one section: title, the fields with label and
// read-only flag, buttons to move them (across sections at the ends), and
// a choice to add a field that is not on the form.
func (fm *formsTab) sectionEditor(f *schema.Form, si int) fyne.CanvasObject {
	d := fm.d
	s := f.Sections[si]
	title := widget.NewEntry()
	title.SetPlaceHolder("untitled section")
	title.SetText(s.Title)
	title.OnChanged = func(t string) { fm.edit(false, func(f *schema.Form) { f.Sections[si].Title = t }) }
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { fm.removeSection(si) })
	d.lock(title)
	d.lock(del)
	if len(f.Sections) == 1 {
		del.Disable() // a form needs a section
	}
	fm.titles = append(fm.titles, title)
	box := container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel(fmt.Sprintf("Section %d", si+1)), del, title))
	for ii, it := range s.Items {
		box.Add(fm.itemEditor(si, ii, it))
	}
	if len(s.Items) == 0 {
		box.Add(widget.NewLabel("No fields yet."))
	}
	box.Add(fm.adder(f, si))
	return box
}

// itemEditor is one field of a section.
func (fm *formsTab) itemEditor(si, ii int, it schema.FormItem) fyne.CanvasObject {
	d := fm.d
	name := it.Field.String()
	if fd, ok := d.tool.FieldByID(it.Field); ok {
		name = fd.Name
	}
	label := widget.NewEntry()
	label.SetPlaceHolder(name)
	label.SetText(it.Label)
	label.OnChanged = func(s string) { fm.edit(false, func(f *schema.Form) { f.Sections[si].Items[ii].Label = s }) }
	ro := widget.NewCheck("Read-only", func(b bool) {
		fm.edit(false, func(f *schema.Form) { f.Sections[si].Items[ii].ReadOnly = b })
	})
	ro.Checked = it.ReadOnly
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { fm.moveItem(si, ii, -1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { fm.moveItem(si, ii, 1) })
	del := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() {
		fm.edit(true, func(f *schema.Form) { f.Sections[si].Items = slices.Delete(f.Sections[si].Items, ii, ii+1) })
	})
	for _, w := range []fyne.Disableable{label, ro, up, down, del} {
		d.lock(w)
	}
	fm.labels[it.Field], fm.ro[it.Field] = label, ro
	return container.NewBorder(nil, nil, widget.NewLabel(name), container.NewHBox(ro, up, down, del), label)
}

// adder offers the fields that are not on the form yet.
func (fm *formsTab) adder(f *schema.Form, si int) fyne.CanvasObject {
	on := f.Fields()
	var opts []string
	ids := map[string]uuid.UUID{}
	for _, fd := range fm.d.tool.Fields {
		if !slices.Contains(on, fd.ID) {
			opts = append(opts, fd.Name)
			ids[fd.Name] = fd.ID
		}
	}
	sel := widget.NewSelect(opts, func(name string) {
		fm.edit(true, func(f *schema.Form) {
			f.Sections[si].Items = append(f.Sections[si].Items, schema.FormItem{Field: ids[name]})
		})
	})
	sel.PlaceHolder = "Add a field…"
	fm.d.lock(sel)
	if len(opts) == 0 {
		sel.PlaceHolder = "Every field is on the form"
		sel.Disable()
	}
	fm.adders = append(fm.adders, sel)
	return sel
}

// moveItem moves a field up or down within its section, or across to
// the end of the previous or the start of the next section.
func (fm *formsTab) moveItem(si, ii, delta int) {
	fm.edit(true, func(f *schema.Form) {
		items := f.Sections[si].Items
		switch j := ii + delta; {
		case j >= 0 && j < len(items):
			f.Sections[si].Items, _ = moved(items, ii, delta)
		case j < 0 && si > 0:
			it := items[ii]
			f.Sections[si].Items = slices.Delete(items, ii, ii+1)
			f.Sections[si-1].Items = append(f.Sections[si-1].Items, it)
		case j >= len(items) && si+1 < len(f.Sections):
			it := items[ii]
			f.Sections[si].Items = slices.Delete(items, ii, ii+1)
			f.Sections[si+1].Items = slices.Insert(f.Sections[si+1].Items, 0, it)
		}
	})
}

// removeSection removes a section; its fields move to the section before
// it (or after it, for the first), so no field leaves the form unasked.
func (fm *formsTab) removeSection(si int) {
	fm.edit(true, func(f *schema.Form) {
		if len(f.Sections) < 2 {
			return
		}
		to := si - 1
		if si == 0 {
			to = 1
		}
		items := f.Sections[si].Items
		if to < si {
			f.Sections[to].Items = append(f.Sections[to].Items, items...)
		} else {
			f.Sections[to].Items = append(slices.Clone(items), f.Sections[to].Items...)
		}
		f.Sections = slices.Delete(f.Sections, si, si+1)
	})
}

// refreshPreview shows the selected form as it will look: section titles,
// labels, and read-only fields disabled.
func (fm *formsTab) refreshPreview() {
	fm.preview.RemoveAll()
	if fm.selected < 0 {
		fm.preview.Add(widget.NewLabel("No form selected."))
		return
	}
	t := fm.d.tool
	for _, s := range fm.form().Sections {
		if s.Title != "" {
			fm.preview.Add(widget.NewLabelWithStyle(s.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true, Italic: true}))
		}
		for _, it := range s.Items {
			f, ok := t.FieldByID(it.Field)
			if !ok {
				continue
			}
			name := f.Name
			if it.Label != "" {
				name = it.Label
			}
			if f.Required {
				name += " *"
			}
			ed := widgets.NewFieldEditor(*f)
			ed.SetReadOnly(it.ReadOnly || f.Type.Computed())
			fm.preview.Add(container.NewVBox(widget.NewLabel(name), ed))
		}
	}
}

// AddForm adds a form with one untitled section holding every field that
// is not hidden, and selects it.
func (d *Designer) AddForm() {
	if d.readOnly {
		return
	}
	taken := func(s string) bool {
		return slices.ContainsFunc(d.tool.Forms, func(f schema.Form) bool { return strings.EqualFold(f.Name, s) })
	}
	f := schema.Form{ID: uuid.New(), Name: uniqueName("Form", len(d.tool.Forms)+1, taken), Sections: []schema.FormSection{{}}}
	for _, fd := range d.tool.Fields {
		if !fd.Hidden {
			f.Sections[0].Items = append(f.Sections[0].Items, schema.FormItem{Field: fd.ID})
		}
	}
	d.tool.Forms = append(d.tool.Forms, f)
	d.forms.list.Refresh()
	d.forms.list.Select(len(d.tool.Forms) - 1)
	d.changed()
}

// RemoveForm removes the selected form.
func (d *Designer) RemoveForm() {
	fm := d.forms
	i := fm.selected
	if d.readOnly || i < 0 {
		return
	}
	name := d.tool.Forms[i].Name
	d.tool.Forms = slices.Delete(d.tool.Forms, i, i+1)
	fm.list.UnselectAll()
	fm.list.Refresh()
	if len(d.tool.Forms) > 0 {
		fm.list.Select(min(i, len(d.tool.Forms)-1))
	} else {
		fm.selectForm(-1)
	}
	d.changed()
	d.status.SetText(fmt.Sprintf("Removed the form %q. Records are not touched.", name))
}

// SelectForm selects form i (tests and keyboard).
func (d *Designer) SelectForm(i int) { d.forms.list.Select(i) }
