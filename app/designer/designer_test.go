package designer

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

func open(t *testing.T, role model.Role) (*Designer, model.Workspace, *loop.Queue, fyne.Window) {
	t.Helper()
	d, ws, q, w, _, _ := openWith(t, role, nil)
	return d, ws, q, w
}

// openWith opens the designer on the demo workspace's Tasks tool of a real
// store; before, when set, runs on the store first.
func openWith(t *testing.T, role model.Role, before func(*apptest.Env, uuid.UUID)) (*Designer, model.Workspace, *loop.Queue, fyne.Window, *apptest.Env, uuid.UUID) {
	t.Helper()
	apptest.Setup(t)
	test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	id := env.Demo(t)
	if before != nil {
		before(env, id)
	}
	ws, err := env.Backend.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	q := &loop.Queue{}
	d := New(ws, storedTool(t, ws, "Tasks"), Options{UI: q.Do, Role: role})
	w := test.NewTempWindow(t, d.Content())
	w.Resize(fyne.NewSize(1000, 640))
	ctx, cancel := context.WithCancel(context.Background())
	d.Start(ctx)
	t.Cleanup(func() { d.Close(); d.Loop().Wait(); cancel() })
	return d, ws, q, w, env, id
}

// storedTool reads a tool's design from the workspace.
func storedTool(t *testing.T, ws model.Workspace, name string) *schema.Tool {
	t.Helper()
	tools, err := ws.Tools()
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}

func TestEditDesignAddsChoiceField(t *testing.T) {
	d, ws, q, w := open(t, model.RoleManager)
	before := len(d.Tool().Fields)
	d.AddField()
	name, typ, required, choices := d.Props()
	name.SetText("")
	test.Type(name, "Area")
	typ.SetSelected("Choice")
	choices.SetText("")
	test.Type(choices, "Kitchen\nOffice\nYard")
	test.Tap(required)
	if p := d.Preview(); p == nil || len(p.Editors()) != before+1 {
		t.Fatalf("preview does not show the new field")
	}
	d.MoveField(-1)
	test.AssertRendersToMarkup(t, "designer_choice_field.xml", w.Canvas())
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Saved the design of Tasks") {
		t.Fatalf("status = %q", d.Status())
	}
	got := storedTool(t, ws, "Tasks")
	if len(got.Fields) != before+1 {
		t.Fatalf("%d fields stored, want %d", len(got.Fields), before+1)
	}
	f, ok := got.FieldByName("Area")
	if !ok || f.Type != schema.Choice || !f.Required || strings.Join(f.Choices, ",") != "Kitchen,Office,Yard" {
		t.Fatalf("stored field = %+v", f)
	}
	// Added after the selected first field, then moved up: first.
	if got.Fields[0].Name != "Area" || got.Fields[1].Name != "Title" {
		t.Errorf("field order = %v, %v…", got.Fields[0].Name, got.Fields[1].Name)
	}
}

func TestInvalidDesignCannotBeSaved(t *testing.T) {
	d, ws, q, _ := open(t, model.RoleManager)
	d.SelectField(0)
	name, _, _, _ := d.Props()
	name.SetText("Status") // the name of another field
	d.Save()
	q.Settle(d.Loop())
	if !d.saveBtn.Disabled() || !d.problems.Visible() || !strings.Contains(d.problems.Text, "duplicate name") {
		t.Fatalf("duplicate field name: save disabled %v, problems %q", d.saveBtn.Disabled(), d.problems.Text)
	}
	tools, _ := ws.Tools()
	for _, tl := range tools {
		if tl.Name == "Tasks" && tl.Fields[0].Name != "Title" {
			t.Errorf("an invalid design was stored: %v", tl.Fields[0].Name)
		}
	}
}

func TestDesignerReadOnlyForParticipant(t *testing.T) {
	d, ws, q, w := open(t, model.RoleParticipant)
	if !d.ReadOnly() || !strings.Contains(d.Banner(), "Only managers can change the design") {
		t.Fatalf("read-only %v, banner %q", d.ReadOnly(), d.Banner())
	}
	name, typ, _, _ := d.Props()
	if !name.Disabled() || !typ.Disabled() || !d.saveBtn.Disabled() || !d.views.name.Disabled() || !d.views.filter.Disabled() ||
		!d.forms.name.Disabled() || !d.fields.def.Disabled() {
		t.Error("editors enabled for a participant")
	}
	views, forms := len(d.Tool().Views), len(d.Tool().Forms)
	d.AddView(schema.TableView)
	d.AddForm()
	d.RemoveView()
	if len(d.Tool().Views) != views || len(d.Tool().Forms) != forms {
		t.Error("a participant changed views or forms")
	}
	before := len(d.Tool().Fields)
	d.AddField()
	d.Save()
	q.Settle(d.Loop())
	if len(d.Tool().Fields) != before {
		t.Error("a participant added a field")
	}
	test.AssertRendersToMarkup(t, "designer_read_only.xml", w.Canvas())
	_ = ws
}

func TestFieldPropertiesAreSaved(t *testing.T) {
	d, ws, q, _ := open(t, model.RoleManager)
	ft := d.fields
	d.SelectField(0) // Title
	test.Tap(ft.unique)
	d.SelectField(2) // Priority
	test.Type(ft.description, "How soon it matters.")
	test.Type(ft.def, "Normal")
	test.Tap(ft.hidden)
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Saved the design of Tasks") {
		t.Fatalf("status = %q, problems %q", d.Status(), d.Problems())
	}
	got := storedTool(t, ws, "Tasks")
	title, _ := got.FieldByName("Title")
	prio, _ := got.FieldByName("Priority")
	if !title.Unique || !prio.Hidden || prio.Description != "How soon it matters." || prio.Default.String() != "Normal" {
		t.Fatalf("stored Title unique %v; Priority %+v", title.Unique, prio)
	}
	// The field list marks hidden fields.
	if !strings.Contains(fieldLine(*prio), "hidden") {
		t.Errorf("field line %q", fieldLine(*prio))
	}
}
