package designer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// fieldID returns the ID of a field of the working copy.
func fieldID(t *testing.T, d *Designer, name string) uuid.UUID {
	t.Helper()
	f, ok := d.Tool().FieldByName(name)
	if !ok {
		t.Fatalf("no field %q", name)
	}
	return f.ID
}

func TestAddTableViewWithColumnsAndSort(t *testing.T) {
	d, ws, q, w := open(t, model.RoleManager)
	d.Tabs().SelectIndex(1)
	before := len(d.Tool().Views)
	d.AddView(schema.TableView)
	vt := d.views
	vt.name.SetText("")
	test.Type(vt.name, "Due soon")
	// Every visible field is a column at first; keep Title and Due only.
	for _, f := range d.Tool().Fields {
		if f.Name != "Title" && f.Name != "Due" {
			test.Tap(vt.columns[f.ID])
		}
	}
	due, title := fieldID(t, d, "Due"), fieldID(t, d, "Title")
	if got := d.Tool().Views[before].Columns; !slices.Equal(got, []uuid.UUID{title, due}) {
		t.Fatalf("columns after unticking = %v", got)
	}
	vt.moveColumn(1, -1) // Due first
	vt.AddSortKey()
	vt.sorts[0].SetSelected("Due")
	vt.dirs[0].SetSelected(descending)
	vt.group.SetSelected("Status")
	test.Type(vt.filter, `Status != "Done"`)
	if d.Problems() != "" {
		t.Fatalf("problems: %s", d.Problems())
	}
	w.Canvas().Refresh(d.Content())
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Saved the design of Tasks") {
		t.Fatalf("status = %q", d.Status())
	}
	got := storedTool(t, ws, "Tasks")
	if len(got.Views) != before+1 {
		t.Fatalf("%d views stored, want %d", len(got.Views), before+1)
	}
	v := got.Views[before]
	status := fieldID(t, d, "Status")
	if v.Name != "Due soon" || v.Type != schema.TableView || v.Private || v.Group != status ||
		!slices.Equal(v.Columns, []uuid.UUID{due, title}) || !slices.Equal(v.Sort, []schema.SortKey{{Field: due, Desc: true}}) {
		t.Fatalf("stored view = %+v", v)
	}
	if f, err := got.FormatExpr(v.Filter); err != nil || f != `Status != "Done"` {
		t.Errorf("stored filter %q formats as %q, %v", v.Filter, f, err)
	}
}

func TestViewTypesAndPrivateViews(t *testing.T) {
	d, ws, q, _ := open(t, model.RoleManager)
	acc, err := ws.DesignAccess()
	if err != nil || !strings.HasPrefix(acc.Me, "member:") {
		t.Fatalf("design access = %+v, %v", acc, err)
	}
	d.AddView(schema.CalendarView)
	cal := d.Tool().Views[len(d.Tool().Views)-1]
	if cal.DateField != fieldID(t, d, "Due") {
		t.Fatalf("a new calendar view uses %v, want the Due field", cal.DateField)
	}
	d.AddView(schema.TableView)
	vt := d.views
	vt.typ.SetSelected("Board")
	vt.access.SetSelected(private)
	i := len(d.Tool().Views) - 1
	b := d.Tool().Views[i]
	if b.Type != schema.BoardView || b.BoardField != fieldID(t, d, "Status") || !b.Private || b.Owner != acc.Me {
		t.Fatalf("board view = %+v", b)
	}
	d.Save()
	q.Settle(d.Loop())
	got := storedTool(t, ws, "Tasks")
	sv, ok := got.ViewByID(b.ID)
	if !ok || sv.Type != schema.BoardView || sv.Owner != acc.Me {
		t.Fatalf("stored board view = %+v (status %q)", sv, d.Status())
	}
	if _, ok := got.ViewByID(cal.ID); !ok {
		t.Error("calendar view not stored")
	}
}

func TestRemovingFieldUsedByViewsSaves(t *testing.T) {
	d, ws, q, _ := open(t, model.RoleManager)
	due := fieldID(t, d, "Due")
	i := slices.IndexFunc(d.Tool().Fields, func(f schema.Field) bool { return f.ID == due })
	d.SelectField(i)
	d.RemoveField()
	for _, want := range []string{`Removed the field "Due"`, `view "Calendar"`, `view "Overdue"`, "values stay in the records"} {
		if !strings.Contains(d.Status(), want) {
			t.Errorf("status %q does not say %q", d.Status(), want)
		}
	}
	if d.Problems() != "" {
		t.Fatalf("problems after removing a field: %s", d.Problems())
	}
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Saved the design of Tasks") || !strings.Contains(d.Status(), "kept out of sight") {
		t.Fatalf("status = %q", d.Status())
	}
	got := storedTool(t, ws, "Tasks")
	if _, ok := got.FieldByID(due); ok {
		t.Fatal("Due is still a field")
	}
	for _, v := range got.Views {
		if slices.Contains(v.Columns, due) || slices.ContainsFunc(v.Sort, func(k schema.SortKey) bool { return k.Field == due }) ||
			v.DateField == due || v.Group == due {
			t.Errorf("view %q still uses Due: %+v", v.Name, v)
		}
		if v.Name == "Calendar" || v.Name == "Overdue" {
			t.Errorf("view %q, which needs Due, was kept", v.Name)
		}
	}
	for _, f := range got.Forms {
		if slices.Contains(f.Fields(), due) {
			t.Errorf("form %q still shows Due", f.Name)
		}
	}
	if len(got.Views) != 3 {
		t.Errorf("%d views left, want 3", len(got.Views))
	}
}

func TestRejectedDesignIsReportedInWords(t *testing.T) {
	d, ws, q, _ := open(t, model.RoleManager)
	est := fieldID(t, d, "Estimate (h)")
	i := slices.IndexFunc(d.Tool().Fields, func(f schema.Field) bool { return f.ID == est })
	d.SelectField(i)
	d.fields.max.SetText("")
	test.Type(d.fields.max, "0.1") // sample tasks estimate hours above that
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Not saved: the records do not fit the new design") || !strings.Contains(d.Status(), "Estimate (h)") {
		t.Fatalf("status = %q", d.Status())
	}
	if f, _ := storedTool(t, ws, "Tasks").FieldByID(est); f.Max == nil || *f.Max != 1000 {
		t.Errorf("a refused design changed the stored maximum: %v", f.Max)
	}
}

func TestBadTypedInputBlocksSaving(t *testing.T) {
	d, _, _, _ := open(t, model.RoleManager)
	d.SelectField(slices.IndexFunc(d.Tool().Fields, func(f schema.Field) bool { return f.Name == "Estimate (h)" }))
	test.Type(d.fields.min, "x")
	test.Type(d.fields.def, "lots")
	if !d.saveBtn.Disabled() || !strings.Contains(d.Problems(), "not a number") || !strings.Contains(d.Problems(), "default is not valid") {
		t.Fatalf("save disabled %v, problems %q", d.saveBtn.Disabled(), d.Problems())
	}
	d.fields.min.SetText("")
	d.fields.def.SetText("2")
	if d.saveBtn.Disabled() {
		t.Fatalf("still blocked: %q", d.Problems())
	}
	if f, _ := d.Tool().FieldByName("Estimate (h)"); f.Default.IsEmpty() {
		t.Error("default not taken")
	}
}

func TestDesignerReadOnlyWhenConnected(t *testing.T) {
	const server = "https://grove.example.org:8443"
	d, ws, q, _, _, _ := openWith(t, model.RoleManager, func(env *apptest.Env, id uuid.UUID) {
		if err := env.Store.Bind(id, replica.Binding{Server: server}); err != nil {
			t.Fatal(err)
		}
	})
	if !d.ReadOnly() || !strings.Contains(d.Banner(), server) || !strings.Contains(d.Banner(), "made on that server") {
		t.Fatalf("read-only %v, banner %q", d.ReadOnly(), d.Banner())
	}
	if !d.toolName.Disabled() || !d.fields.name.Disabled() || !d.views.name.Disabled() || !d.forms.name.Disabled() || !d.saveBtn.Disabled() {
		t.Error("editors enabled in a connected workspace")
	}
	views := len(d.Tool().Views)
	d.AddView(schema.TableView)
	d.RemoveField()
	d.Save()
	q.Settle(d.Loop())
	if len(d.Tool().Views) != views || len(d.Tool().Fields) != len(storedTool(t, ws, "Tasks").Fields) {
		t.Error("the design changed in a connected workspace")
	}
	// The workspace refuses too, whatever a screen does.
	tl := storedTool(t, ws, "Tasks")
	tl.Name = "Chores"
	if _, err := ws.ApplyDesign(tl); !errors.Is(err, model.ErrDesignOwnedByServer) {
		t.Errorf("ApplyDesign in a connected workspace: %v", err)
	}
}
