package workspace

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

type harness struct {
	env *apptest.Env
	ws  model.Workspace
	id  uuid.UUID
	s   *Screen
	w   fyne.Window
	q   *loop.Queue
}

// open shows the demo workspace of a fresh device in a test window.
func open(t *testing.T) *harness {
	t.Helper()
	apptest.Setup(t)
	test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	id := env.Demo(t)
	return openOn(t, env, id)
}

func openOn(t *testing.T, env *apptest.Env, id uuid.UUID) *harness {
	t.Helper()
	ws, err := env.Backend.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{env: env, ws: ws, id: id, q: &loop.Queue{}}
	h.w = test.NewTempWindow(t, nil)
	h.s = New(ws, h.w, Options{UI: h.q.Do, Now: apptest.Fixed, Sync: env.Net})
	h.w.SetContent(h.s.Content())
	h.w.Resize(fyne.NewSize(1200, 760))
	ctx, cancel := context.WithCancel(context.Background())
	h.s.Start(ctx)
	t.Cleanup(func() { h.s.Close(); h.s.Wait(); cancel() })
	h.settle()
	return h
}

func (h *harness) settle() { h.q.Settle(h.s.Loop()) }

func (h *harness) tool(t *testing.T, name string) *schema.Tool {
	t.Helper()
	for _, tl := range h.s.tools {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}

// records counts a tool's records in the store.
func (h *harness) records(t *testing.T, tool *schema.Tool) []model.Row {
	t.Helper()
	var out []model.Row
	err := h.ws.Scan(context.Background(), tool, 100, func(b []model.Row) error { out = append(out, b...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTableShowsSortsSearchesAndFilters(t *testing.T) {
	h := open(t)
	if h.s.tool == nil || h.s.tool.Name != "Contacts" {
		t.Fatalf("selected tool = %v, want Contacts first", h.s.tool)
	}
	if n := h.s.data.Len(); n != 25 {
		t.Fatalf("table shows %d rows, want the 25 sample contacts", n)
	}
	if got := h.s.count.Text; got != "25 records" {
		t.Errorf("count = %q", got)
	}
	h.s.table.TapHeader(0) // Name, ascending
	h.settle()
	if got := h.s.data.Text(0, 0); got != "Aisha Khan" {
		t.Errorf("first name ascending = %q, want Aisha Khan", got)
	}
	h.s.table.TapHeader(0) // descending
	h.settle()
	if got := h.s.data.Text(0, 0); got != "Łukasz Nowak" {
		t.Errorf("first name descending = %q, want Łukasz Nowak (letters sort by code point)", got)
	}
	test.Type(h.s.search, "birchwood")
	h.settle()
	if n := h.s.data.Len(); n != 3 {
		t.Errorf("search birchwood shows %d rows, want 3", n)
	}
	if got := h.s.count.Text; got != "3 of 25 records" {
		t.Errorf("count = %q", got)
	}
	h.s.search.SetText("")
	h.s.filterField.SetSelected("Tag")
	test.Type(h.s.filterText, "supplier")
	h.settle()
	for i := 0; i < h.s.data.Len(); i++ {
		if got := h.s.data.Text(i, 7); got != "Supplier" {
			t.Errorf("row %d tag = %q under filter Tag=supplier", i, got)
		}
	}
	if h.s.data.Len() == 0 {
		t.Error("filter Tag=supplier shows nothing")
	}
}

func TestAddAndEditRecordWithValidationError(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	name, _ := contacts.FieldByName("Name")
	email, _ := contacts.FieldByName("Email")
	city, _ := contacts.FieldByName("City")

	h.s.NewRecord()
	form := h.s.rec.form
	test.Type(form.Editor(name.ID).Entry(), "Grace Hopper")
	test.Type(form.Editor(email.ID).Entry(), "grace-at-navy")
	if msg := form.Message(email.ID); msg == "" {
		t.Fatal("no message under Email for an invalid address before saving")
	}
	test.AssertRendersToMarkup(t, "new_record_invalid.xml", h.w.Canvas())
	h.s.Save()
	h.settle()
	if !strings.Contains(h.s.Status(), "need attention") {
		t.Errorf("status after saving an invalid form = %q", h.s.Status())
	}
	if n := len(h.records(t, contacts)); n != 25 {
		t.Fatalf("an invalid record was saved: %d records", n)
	}

	e := form.Editor(email.ID).Entry()
	e.SetText("")
	test.Type(e, "grace@navy.example")
	if msg := form.Message(email.ID); msg != "" {
		t.Errorf("message %q stays after the address was fixed", msg)
	}
	h.s.Save()
	h.settle()
	rows := h.records(t, contacts)
	if len(rows) != 26 {
		t.Fatalf("%d records after saving, want 26", len(rows))
	}
	added := rows[25]
	if added.Values[0].String() != "Grace Hopper" || added.Values[1].String() != "grace@navy.example" {
		t.Errorf("saved record = %v", added.Values)
	}
	if h.s.data.Len() != 26 || h.s.record == nil || h.s.record.ID != added.ID {
		t.Fatalf("table has %d rows and form shows %v after creating", h.s.data.Len(), h.s.record)
	}

	// Edit the record: the required name cannot be emptied; the city can change.
	form.Editor(name.ID).Entry().SetText("")
	if msg := form.Message(name.ID); msg == "" {
		t.Error("no message under Name when it is emptied")
	}
	form.Editor(name.ID).Entry().SetText("Grace Hopper")
	test.Type(form.Editor(city.ID).Entry(), "Arlington")
	if !h.s.rec.saveBtn.Disabled() == false {
		t.Error("Save is disabled with changes in the form")
	}
	h.s.Save()
	h.settle()
	r, err := h.ws.Record(added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Value(city.ID).String(); got != "Arlington" {
		t.Errorf("city after edit = %q", got)
	}
	if !strings.Contains(h.s.rec.meta.Text, "Created by you") {
		t.Errorf("meta = %q", h.s.rec.meta.Text)
	}
	if !strings.Contains(h.s.rec.history.Text, "City: Arlington") {
		t.Errorf("history = %q", h.s.rec.history.Text)
	}
}

func TestDeleteAndUndo(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	h.s.rowSelected(0)
	h.settle()
	if h.s.record == nil {
		t.Fatal("no record in the form after selecting a row")
	}
	test.Tap(h.s.rec.delBtn)
	h.settle()
	if n := len(h.records(t, contacts)); n != 24 {
		t.Fatalf("%d records after delete, want 24", n)
	}
	if h.s.data.Len() != 24 || !h.s.undoBtn.Visible() {
		t.Fatalf("table %d rows, undo visible %v", h.s.data.Len(), h.s.undoBtn.Visible())
	}
	test.Tap(h.s.undoBtn)
	h.settle()
	if n := len(h.records(t, contacts)); n != 25 || h.s.data.Len() != 25 {
		t.Fatalf("after undo: %d stored, %d shown, want 25", n, h.s.data.Len())
	}
}

func TestViewsForDatesAndChoices(t *testing.T) {
	h := open(t)
	tasks := h.tool(t, "Tasks")
	h.s.selectTool(tasks)
	h.settle()
	if h.s.data.Len() < 10 {
		t.Fatalf("tasks table shows %d rows", h.s.data.Len())
	}
	if len(h.s.views.Items) != 3 {
		t.Fatalf("tasks offer %d views, want table, calendar and board", len(h.s.views.Items))
	}
	h.s.views.Select(h.s.tabBoard)
	h.settle()
	total := 0
	for c := range h.s.boardData.Columns() {
		total += h.s.board.ColumnLen(c)
	}
	if total != h.s.data.Len() {
		t.Errorf("board holds %d cards for %d rows", total, h.s.data.Len())
	}
	if h.s.board.ColumnLen(0) == 0 {
		t.Error("no card in the first status column")
	}
	// The demo moves due dates to the current month; find one on the calendar.
	h.s.views.Select(h.s.tabCalendar)
	due, _ := tasks.FieldByName("Due")
	var day schema.Value
	for _, r := range h.records(t, tasks) {
		for i, f := range tasks.Fields {
			if f.ID == due.ID && !r.Values[i].IsEmpty() {
				day = r.Values[i]
			}
		}
	}
	for y, m := h.s.calendar.Month(); y != day.Date().Year() || m != day.Date().Month(); y, m = h.s.calendar.Month() {
		h.s.calendar.Step(1)
		if y > 2100 {
			t.Fatal("calendar never reached the due month")
		}
	}
	if h.s.calendar.ItemCount(day.Date().Day()) == 0 {
		t.Errorf("no task on %s in the calendar", day)
	}
}

func TestGuestReadsOnly(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Manager")
	b := apptest.NewDevice(t, "Guest")
	id := a.Demo(t)
	a.Join(t, b, id, replica.RoleGuest)
	h := openOn(t, b, id)
	if h.s.info.Role != model.RoleGuest {
		t.Fatalf("joined role = %v", h.s.info.Role)
	}
	if h.s.data.Len() != 25 {
		t.Fatalf("guest sees %d rows, want 25", h.s.data.Len())
	}
	if !h.s.newBtn.Disabled() {
		t.Error("New record is enabled for a guest")
	}
	h.s.rowSelected(0)
	h.settle()
	if h.s.record == nil {
		t.Fatal("guest cannot open a record")
	}
	for _, e := range h.s.rec.form.Editors() {
		if en := e.Entry(); en != nil && !en.Disabled() {
			t.Errorf("field %s is editable for a guest", e.Field().Name)
		}
	}
	if _, err := h.ws.PutRecord(h.s.tool.ID, uuid.Nil, nil); err == nil || !errors.Is(err, model.ErrNotAllowed) {
		t.Errorf("guest PutRecord error = %v, want ErrNotAllowed", err)
	}
}
