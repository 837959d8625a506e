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
)

// View type labels, in the order the designer offers them.
var viewTypes = []struct {
	Type  schema.ViewType
	Label string
}{{schema.TableView, "Table"}, {schema.CalendarView, "Calendar"}, {schema.BoardView, "Board"}}

// Labels of the view editor's choices.
const (
	noField    = "(none)"
	ascending  = "A to Z, oldest first"
	descending = "Z to A, newest first"
	shared     = "Shared with everyone"
	private    = "Private to me"
)

// viewsTab edits the tool's views.
type viewsTab struct {
	d        *Designer
	selected int
	list     *widget.List
	props    *fyne.Container
	content  fyne.CanvasObject

	// The editors of the selected view, rebuilt by showProps.
	name    *widget.Entry
	typ     *widget.Select
	access  *widget.RadioGroup
	columns map[uuid.UUID]*widget.Check
	sorts   []*widget.Select // field of each sort key
	dirs    []*widget.Select // direction of each sort key
	filter  *widget.Entry
	group   *widget.Select
	date    *widget.Select
	end     *widget.Select
	board   *widget.Select
}

func newViewsTab(d *Designer) *viewsTab {
	vt := &viewsTab{d: d, selected: -1}
	vt.list = widget.NewList(func() int { return len(d.tool.Views) },
		func() fyne.CanvasObject { return widget.NewLabel("View name (type)") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(viewLine(d.tool.Views[i])) })
	vt.list.OnSelected = func(i widget.ListItemID) { vt.selectView(i) }
	add := widget.NewButtonWithIcon("Add view", theme.ContentAddIcon(), func() { d.AddView(schema.TableView) })
	remove := widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), d.RemoveView)
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { vt.move(-1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { vt.move(1) })
	for _, b := range []*widget.Button{add, remove, up, down} {
		d.lock(b)
	}
	left := container.NewBorder(sectionTitle("Views"), container.NewHBox(add, remove, up, down), nil, nil, vt.list)
	vt.props = container.NewVBox()
	split := container.NewHSplit(left, container.NewVScroll(vt.props))
	split.Offset = 0.3
	vt.content = split
	return vt
}

// viewLine is a view's line in the list.
func viewLine(v schema.View) string {
	s := fmt.Sprintf("%s (%s)", v.Name, viewLabel(v.Type))
	if v.Private {
		s += " — private"
	}
	return s
}

func viewLabel(t schema.ViewType) string {
	for _, x := range viewTypes {
		if x.Type == t {
			return x.Label
		}
	}
	return string(t)
}

func viewTypeOf(label string) schema.ViewType {
	for _, x := range viewTypes {
		if x.Label == label {
			return x.Type
		}
	}
	return schema.TableView
}

// reload shows the working copy again after it was replaced.
func (vt *viewsTab) reload() {
	vt.list.UnselectAll()
	vt.list.Refresh()
	vt.selectView(min(max(vt.selected, 0), len(vt.d.tool.Views)-1))
}

// selectView shows view i's properties.
func (vt *viewsTab) selectView(i int) {
	if i < 0 || i >= len(vt.d.tool.Views) {
		i = -1
	}
	vt.selected = i
	vt.showProps()
}

// view returns the selected view.
func (vt *viewsTab) view() *schema.View { return &vt.d.tool.Views[vt.selected] }

// edit changes the selected view; rebuild lays its editors out again
// (after a change of type or of the lists of columns and sort keys).
func (vt *viewsTab) edit(rebuild bool, fn func(*schema.View)) {
	if vt.d.readOnly || vt.selected < 0 {
		return
	}
	fn(vt.view())
	vt.list.RefreshItem(vt.selected)
	if rebuild {
		vt.showProps()
	}
	vt.d.changed()
}

// showProps lays out the selected view's editors.
func (vt *viewsTab) showProps() {
	vt.props.RemoveAll()
	if vt.selected < 0 {
		vt.props.Add(widget.NewLabel("This tool has no views yet: records show in a table of every field. Add a view to choose columns, order, filter and grouping, or to see them on a calendar or board."))
		return
	}
	d, v := vt.d, vt.view()
	vt.name = widget.NewEntry()
	vt.name.SetText(v.Name)
	vt.name.OnChanged = func(s string) { vt.edit(false, func(v *schema.View) { v.Name = s }) }
	labels := make([]string, len(viewTypes))
	for i, x := range viewTypes {
		labels[i] = x.Label
	}
	vt.typ = widget.NewSelect(labels, nil)
	vt.typ.SetSelected(viewLabel(v.Type))
	vt.typ.OnChanged = func(s string) { vt.edit(true, func(v *schema.View) { setViewType(v, viewTypeOf(s), d.tool) }) }
	vt.access = widget.NewRadioGroup([]string{shared, private}, nil)
	vt.access.Horizontal = true
	vt.access.SetSelected(map[bool]string{false: shared, true: private}[v.Private])
	vt.access.OnChanged = func(s string) {
		vt.edit(true, func(v *schema.View) { setPrivate(v, s == private, d.access.Me) })
	}
	for _, w := range []fyne.Disableable{vt.name, vt.typ, vt.access} {
		d.lock(w)
	}
	items := []*widget.FormItem{widget.NewFormItem("Name", vt.name), widget.NewFormItem("Type", vt.typ),
		widget.NewFormItem("Who sees it", vt.access)}
	if v.Private && v.Owner != d.access.Me {
		items = append(items, widget.NewFormItem("", widget.NewLabel("Another member's private view.")))
	}
	switch v.Type {
	case schema.CalendarView:
		items = append(items, vt.calendarItems(v)...)
	case schema.BoardView:
		items = append(items, vt.boardItems(v)...)
	}
	vt.filter = widget.NewEntry()
	vt.filter.SetPlaceHolder(`all records, or e.g. Status != "Done" and Due < today()`)
	vt.filter.SetText(formatFilter(d.tool, v.Filter))
	vt.filter.OnChanged = func(s string) { vt.edit(false, func(v *schema.View) { v.Filter = s }) }
	d.lock(vt.filter)
	items = append(items, widget.NewFormItem("Filter", vt.filter))
	if v.Type == schema.TableView {
		vt.group = vt.fieldSelect(v.Group, true, nil, func(v *schema.View, id uuid.UUID) { v.Group = id })
		items = append(items, widget.NewFormItem("Group by", vt.group))
	}
	vt.props.Add(sectionTitle("View"))
	vt.props.Add(widget.NewForm(items...))
	vt.props.Add(sectionTitle("Sort"))
	vt.props.Add(vt.sortEditor(v))
	switch v.Type {
	case schema.TableView:
		vt.props.Add(sectionTitle("Columns"))
		vt.props.Add(vt.columnsEditor(v))
	case schema.BoardView:
		vt.props.Add(sectionTitle("Fields on the cards"))
		vt.props.Add(vt.columnsEditor(v))
	}
}

// formatFilter shows a stored filter with field names.
func formatFilter(t *schema.Tool, f string) string {
	if f == "" {
		return ""
	}
	if s, err := t.FormatExpr(f); err == nil {
		return s
	}
	return f
}

// fieldSelect is a choice among the fields that ok accepts (nil: all),
// with "(none)" first when none is allowed.
func (vt *viewsTab) fieldSelect(cur uuid.UUID, none bool, ok func(schema.FieldType) bool, set func(*schema.View, uuid.UUID)) *widget.Select {
	fields := vt.d.tool.Fields
	var opts []string
	ids := map[string]uuid.UUID{}
	if none {
		opts = append(opts, noField)
		ids[noField] = uuid.Nil
	}
	for _, f := range fields {
		if ok == nil || ok(f.Type) {
			opts = append(opts, f.Name)
			ids[f.Name] = f.ID
		}
	}
	s := widget.NewSelect(opts, nil)
	if f, found := vt.d.tool.FieldByID(cur); found {
		s.SetSelected(f.Name)
	} else if none {
		s.SetSelected(noField)
	}
	s.OnChanged = func(name string) { vt.edit(false, func(v *schema.View) { set(v, ids[name]) }) }
	vt.d.lock(s)
	return s
}

func isTimeField(t schema.FieldType) bool {
	return t == schema.Date || t == schema.DateTime || t == schema.CreatedAt || t == schema.ModifiedAt
}

func isChoiceField(t schema.FieldType) bool { return t == schema.Choice }

func (vt *viewsTab) calendarItems(v *schema.View) []*widget.FormItem {
	vt.date = vt.fieldSelect(v.DateField, false, isTimeField, func(v *schema.View, id uuid.UUID) { v.DateField = id })
	vt.end = vt.fieldSelect(v.EndField, true, isTimeField, func(v *schema.View, id uuid.UUID) { v.EndField = id })
	return []*widget.FormItem{widget.NewFormItem("Date", vt.date), widget.NewFormItem("Ends", vt.end)}
}

func (vt *viewsTab) boardItems(v *schema.View) []*widget.FormItem {
	vt.board = vt.fieldSelect(v.BoardField, false, isChoiceField, func(v *schema.View, id uuid.UUID) { v.BoardField = id })
	return []*widget.FormItem{widget.NewFormItem("Columns by", vt.board)}
}

// sortEditor lists the sort keys, each a field and a direction.
func (vt *viewsTab) sortEditor(v *schema.View) fyne.CanvasObject {
	d := vt.d
	box := container.NewVBox()
	vt.sorts, vt.dirs = nil, nil
	for i, k := range v.Sort {
		field := vt.fieldSelect(k.Field, false, nil, func(v *schema.View, id uuid.UUID) { v.Sort[i].Field = id })
		dir := widget.NewSelect([]string{ascending, descending}, nil)
		dir.SetSelected(map[bool]string{false: ascending, true: descending}[k.Desc])
		dir.OnChanged = func(s string) { vt.edit(false, func(v *schema.View) { v.Sort[i].Desc = s == descending }) }
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			vt.edit(true, func(v *schema.View) { v.Sort = slices.Delete(v.Sort, i, i+1) })
		})
		d.lock(dir)
		d.lock(del)
		vt.sorts, vt.dirs = append(vt.sorts, field), append(vt.dirs, dir)
		box.Add(container.NewBorder(nil, nil, nil, del, container.NewGridWithColumns(2, field, dir)))
	}
	if len(v.Sort) == 0 {
		box.Add(widget.NewLabel("In the order records were added."))
	}
	add := widget.NewButtonWithIcon("Add sort key", theme.ContentAddIcon(), func() { vt.AddSortKey() })
	d.lock(add)
	if len(v.Sort) >= schema.MaxSortKeys || len(d.tool.Fields) == 0 {
		add.Disable()
	}
	box.Add(container.NewHBox(add))
	return box
}

// AddSortKey sorts the selected view by one more field: the first field
// not sorted by yet, ascending.
func (vt *viewsTab) AddSortKey() {
	vt.edit(true, func(v *schema.View) {
		for _, f := range vt.d.tool.Fields {
			if !slices.ContainsFunc(v.Sort, func(k schema.SortKey) bool { return k.Field == f.ID }) {
				v.Sort = append(v.Sort, schema.SortKey{Field: f.ID})
				return
			}
		}
	})
}

// columnsEditor lists the fields with a check box each: the shown ones
// first in their order, with buttons to move them.
func (vt *viewsTab) columnsEditor(v *schema.View) fyne.CanvasObject {
	d := vt.d
	shown := viewColumns(d.tool, v)
	box := container.NewVBox()
	vt.columns = map[uuid.UUID]*widget.Check{}
	row := func(f schema.Field, on bool, at int) {
		c := widget.NewCheck(f.Name, nil)
		c.SetChecked(on)
		id := f.ID
		c.OnChanged = func(b bool) { vt.edit(true, func(v *schema.View) { toggleColumn(d.tool, v, id, b) }) }
		d.lock(c)
		vt.columns[id] = c
		if !on {
			box.Add(c)
			return
		}
		up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { vt.moveColumn(at, -1) })
		down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { vt.moveColumn(at, 1) })
		d.lock(up)
		d.lock(down)
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(up, down), c))
	}
	for i, id := range shown {
		if f, ok := d.tool.FieldByID(id); ok {
			row(*f, true, i)
		}
	}
	for _, f := range d.tool.Fields {
		if !slices.Contains(shown, f.ID) {
			row(f, false, -1)
		}
	}
	if len(v.Columns) == 0 {
		box.Add(widget.NewLabel("Showing every field that is not hidden, in the tool's order."))
	} else {
		all := widget.NewButton("Show every field", func() { vt.edit(true, func(v *schema.View) { v.Columns = nil }) })
		d.lock(all)
		box.Add(container.NewHBox(all))
	}
	return box
}

// viewColumns returns the columns a view shows: its own, or every field
// that is not hidden.
func viewColumns(t *schema.Tool, v *schema.View) []uuid.UUID {
	if len(v.Columns) > 0 {
		return v.Columns
	}
	var out []uuid.UUID
	for _, f := range t.Fields {
		if !f.Hidden {
			out = append(out, f.ID)
		}
	}
	return out
}

// toggleColumn shows (at the end) or hides a field in v's columns.
func toggleColumn(t *schema.Tool, v *schema.View, id uuid.UUID, on bool) {
	cols := slices.Clone(viewColumns(t, v))
	cols = slices.DeleteFunc(cols, func(c uuid.UUID) bool { return c == id })
	if on {
		cols = append(cols, id)
	}
	v.Columns = cols
}

// moveColumn moves shown column i up (-1) or down (+1).
func (vt *viewsTab) moveColumn(i, delta int) {
	vt.edit(true, func(v *schema.View) {
		v.Columns, _ = moved(slices.Clone(viewColumns(vt.d.tool, v)), i, delta)
	})
}

// setViewType changes a view's type, keeping what applies and choosing
// the first suitable field for what the new type needs.
func setViewType(v *schema.View, typ schema.ViewType, t *schema.Tool) {
	if v.Type == typ {
		return
	}
	v.Type = typ
	v.Group, v.DateField, v.EndField, v.BoardField = uuid.Nil, uuid.Nil, uuid.Nil, uuid.Nil
	first := func(ok func(schema.FieldType) bool) uuid.UUID {
		for _, f := range t.Fields {
			if ok(f.Type) {
				return f.ID
			}
		}
		return uuid.Nil
	}
	switch typ {
	case schema.CalendarView:
		v.DateField = first(isTimeField)
		v.Columns = nil
	case schema.BoardView:
		v.BoardField = first(isChoiceField)
	}
}

// setPrivate makes a view private to me, or shared.
func setPrivate(v *schema.View, private bool, me string) {
	if private == v.Private {
		return
	}
	v.Private, v.Owner = private, ""
	if private {
		v.Owner = me
	}
}

// move moves the selected view up (-1) or down (+1).
func (vt *viewsTab) move(delta int) {
	if vt.d.readOnly {
		return
	}
	var j int
	vt.d.tool.Views, j = moved(vt.d.tool.Views, vt.selected, delta)
	if j == vt.selected {
		return
	}
	vt.list.Refresh()
	vt.list.Select(j)
	vt.d.changed()
}

// AddView adds a view of the given type, shared, showing every field, and
// selects it.
func (d *Designer) AddView(typ schema.ViewType) {
	if d.readOnly {
		return
	}
	taken := func(s string) bool {
		return slices.ContainsFunc(d.tool.Views, func(v schema.View) bool { return strings.EqualFold(v.Name, s) })
	}
	v := schema.View{ID: uuid.New(), Name: uniqueName("View", len(d.tool.Views)+1, taken), Type: schema.TableView}
	setViewType(&v, typ, d.tool)
	d.tool.Views = append(d.tool.Views, v)
	d.views.list.Refresh()
	d.views.list.Select(len(d.tool.Views) - 1)
	d.changed()
}

// RemoveView removes the selected view.
func (d *Designer) RemoveView() {
	vt := d.views
	i := vt.selected
	if d.readOnly || i < 0 {
		return
	}
	name := d.tool.Views[i].Name
	d.tool.Views = slices.Delete(d.tool.Views, i, i+1)
	vt.list.UnselectAll()
	vt.list.Refresh()
	if len(d.tool.Views) > 0 {
		vt.list.Select(min(i, len(d.tool.Views)-1))
	} else {
		vt.selectView(-1)
	}
	d.changed()
	d.status.SetText(fmt.Sprintf("Removed the view %q. Records are not touched.", name))
}

// SelectView selects view i (tests and keyboard).
func (d *Designer) SelectView(i int) { d.views.list.Select(i) }
