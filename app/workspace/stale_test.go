package workspace

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// The tests in this file order the controller's work and the Fyne thread
// by hand: Loop().Flush runs the posted jobs, whose UI changes wait in the
// queue until q.Run applies them, so "the result arrives after the person
// moved on" happens every time.

// rowOf returns the table position of the contact named name.
func (h *harness) rowOf(t *testing.T, name string) int {
	t.Helper()
	for i := 0; i < h.s.data.Len(); i++ {
		if h.s.data.Text(i, 0) == name {
			return i
		}
	}
	t.Fatalf("no row %q in the table", name)
	return -1
}

func (h *harness) field(t *testing.T, tool *schema.Tool, name string) uuid.UUID {
	t.Helper()
	f, ok := tool.FieldByName(name)
	if !ok {
		t.Fatalf("no field %q in %s", name, tool.Name)
	}
	return f.ID
}

// formText returns the text of a field's entry in the form.
func (h *harness) formText(t *testing.T, field uuid.UUID) string {
	t.Helper()
	return h.s.rec.form.Editor(field).Entry().Text
}

// TestStaleRecordLoadDoesNotReplaceNewRecord is the race the Xvfb smoke
// test found: a row is clicked, its record loads on the controller, Ctrl+N
// shows a blank form, then the load's result arrives. It must be dropped,
// so what is typed next makes a new record and leaves the clicked one be.
func TestStaleRecordLoadDoesNotReplaceNewRecord(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	name, email := h.field(t, contacts, "Name"), h.field(t, contacts, "Email")
	kenji := h.s.view.ID(h.rowOf(t, "Kenji Watanabe"))

	h.s.rowSelected(h.rowOf(t, "Kenji Watanabe"))
	h.s.Loop().Flush() // Kenji's record is read; showing it waits in the queue
	h.s.NewRecord()    // Ctrl+N before the result reaches the Fyne thread
	if n := h.q.Run(); n == 0 {
		t.Fatal("the record load left nothing for the Fyne thread: the ordering was not reproduced")
	}

	if h.s.record != nil || !h.s.creating {
		t.Fatalf("form shows %q (creating %v) after Ctrl+N, want a new record", h.s.rec.title.Text, h.s.creating)
	}
	if got := h.s.rec.title.Text; got != "New contact" {
		t.Errorf("form title = %q, want New contact", got)
	}
	if got := h.formText(t, name); got != "" {
		t.Fatalf("Name in the new form = %q, want empty (a stale load filled it)", got)
	}

	test.Type(h.s.rec.form.Editor(name).Entry(), "Xavier Smoke")
	test.Type(h.s.rec.form.Editor(email).Entry(), "xavier@smoke.example")
	h.s.Save()
	h.settle()
	if !strings.HasPrefix(h.s.Status(), "Created Xavier Smoke") {
		t.Errorf("status after saving = %q", h.s.Status())
	}
	rows := h.records(t, contacts)
	if len(rows) != 26 {
		t.Fatalf("%d contacts after saving the new record, want 26", len(rows))
	}
	for _, r := range rows {
		if r.ID == kenji && r.Values[0].String() != "Kenji Watanabe" {
			t.Errorf("Kenji's record was changed to %q", r.Values[0].String())
		}
	}
	if got := rows[25].Values[0].String(); got != "Xavier Smoke" {
		t.Errorf("new record's name = %q", got)
	}
}

// TestLatestSelectionWins: two rows chosen quickly; the first load's
// result comes last to the Fyne thread's queue but must not win.
func TestLatestSelectionWins(t *testing.T) {
	h := open(t)
	first, second := h.rowOf(t, "Ana Lima"), h.rowOf(t, "Priya Raman")
	h.s.rowSelected(first)
	h.s.Loop().Flush()
	h.s.rowSelected(second)
	h.settle()
	if h.s.record == nil || h.s.rec.title.Text != "Priya Raman" {
		t.Fatalf("form shows %q, want the last chosen, Priya Raman", h.s.rec.title.Text)
	}
}

// TestViewRefreshKeepsTyping: while a record is being edited, a new view
// (here a sort that moves the record's row) selects its new row in the
// table; that must not reload the record over the typing.
func TestViewRefreshKeepsTyping(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	city := h.field(t, contacts, "City")
	h.s.rowSelected(h.rowOf(t, "Ana Lima"))
	h.settle()
	e := h.s.rec.form.Editor(city).Entry()
	e.SetText("")
	test.Type(e, "Lisbon")

	h.s.table.TapHeader(0) // sort by name: Ana Lima's row moves
	h.settle()
	if got := h.formText(t, city); got != "Lisbon" {
		t.Fatalf("City = %q after the table was sorted, want the typed Lisbon", got)
	}
	if !h.s.rec.dirty() || h.s.record == nil || h.s.rec.title.Text != "Ana Lima" {
		t.Errorf("form lost the edit of Ana Lima: dirty %v, title %q", h.s.rec.dirty(), h.s.rec.title.Text)
	}
	if want := h.rowOf(t, "Ana Lima"); h.s.table.Selected() != want {
		t.Errorf("selected row = %d, want Ana Lima's new row %d", h.s.table.Selected(), want)
	}
}

// TestChoosingTheEditedRowKeepsTyping: choosing again the row whose
// record is being edited does not read it back over the typing.
func TestChoosingTheEditedRowKeepsTyping(t *testing.T) {
	h := open(t)
	city := h.field(t, h.tool(t, "Contacts"), "City")
	h.s.rowSelected(h.rowOf(t, "Ana Lima"))
	h.settle()
	e := h.s.rec.form.Editor(city).Entry()
	e.SetText("")
	test.Type(e, "Lisbon")
	h.s.rowSelected(h.rowOf(t, "Ana Lima"))
	h.settle()
	if got := h.formText(t, city); got != "Lisbon" {
		t.Fatalf("City = %q after choosing the same row again, want the typed Lisbon", got)
	}
}

// TestUndoKeepsNewRecordBeingTyped: Undo after a delete brings the record
// back, but not into a form that holds unsaved typing.
func TestUndoKeepsNewRecordBeingTyped(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	name := h.field(t, contacts, "Name")
	h.s.rowSelected(h.rowOf(t, "Ana Lima"))
	h.settle()
	test.Tap(h.s.rec.delBtn)
	h.settle()
	h.s.NewRecord()
	test.Type(h.s.rec.form.Editor(name).Entry(), "Grace")
	test.Tap(h.s.undoBtn)
	h.settle()
	if n := len(h.records(t, contacts)); n != 25 {
		t.Fatalf("%d contacts after Undo, want 25", n)
	}
	if h.s.record != nil || h.formText(t, name) != "Grace" {
		t.Fatalf("Undo replaced the new record being typed: form shows %q, Name %q", h.s.rec.title.Text, h.formText(t, name))
	}
}

// TestSaveResultAfterToolSwitch: the form moved to another tool while a
// save was on its way; the result only reports in the status line.
func TestSaveResultAfterToolSwitch(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	name := h.field(t, contacts, "Name")
	h.s.NewRecord()
	test.Type(h.s.rec.form.Editor(name).Entry(), "Grace Hopper")
	h.s.Save()
	h.s.Loop().Flush() // stored; the result waits in the queue
	h.s.selectTool(h.tool(t, "Tasks"))
	h.settle()
	if h.s.record != nil || h.s.rec.formBox.Visible() {
		t.Errorf("the saved contact came into the Tasks form: %q", h.s.rec.title.Text)
	}
	if n := len(h.records(t, contacts)); n != 26 {
		t.Errorf("%d contacts, want 26", n)
	}
}

// TestConflictReloadKeepsMergedValue: the inbox reloads on every change
// in the workspace; the conflict on show, unchanged, keeps its chooser and
// the merged value being typed.
func TestConflictReloadKeepsMergedValue(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Ana")
	b := apptest.NewDevice(t, "Ben")
	id := a.Demo(t)
	a.Join(t, b, id, replica.RoleParticipant)
	contacts, _ := a.Store.FindTool(id, "Contacts")
	email, _ := contacts.FieldByName("Email")
	city, _ := contacts.FieldByName("City")
	var first, last uuid.UUID
	a.Store.Records(id, contacts.ID, func(r *replica.Record) error {
		if first == uuid.Nil {
			first = r.ID
		}
		last = r.ID
		return nil
	})
	a.Store.PutRecord(id, contacts.ID, last, map[uuid.UUID]schema.Value{email.ID: schema.TextValue("a@one.example")})
	b.Store.PutRecord(id, contacts.ID, last, map[uuid.UUID]schema.Value{email.ID: schema.TextValue("b@two.example")})
	apptest.Sync(t, a, b, id)

	ws, _ := a.Backend.Open(id)
	q := &loop.Queue{}
	c := NewConflicts(ws, q.Do)
	test.NewTempWindow(t, c.Content())
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() { c.Close(); c.Loop().Wait(); cancel() })
	q.Settle(c.Loop())
	ch := c.Chooser()
	if ch == nil {
		t.Fatal("no chooser")
	}
	test.Type(ch.MergedEntry(), "both@")

	// Another record changes: the inbox reloads.
	if _, err := ws.PutRecord(contacts.ID, first, map[uuid.UUID]schema.Value{city.ID: schema.TextValue("Faro")}); err != nil {
		t.Fatal(err)
	}
	c.Loop().Post(func(context.Context) { c.load() })
	q.Settle(c.Loop())
	if c.Chooser() != ch || ch.MergedEntry().Text != "both@" {
		t.Fatalf("reload rebuilt the chooser (same %v) and the merged value is %q", c.Chooser() == ch, c.Chooser().MergedEntry().Text)
	}
}
