package workspace

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// showTool selects a tool in the side list and waits for its rows.
func (h *harness) showTool(t *testing.T, name string) *schema.Tool {
	t.Helper()
	for i, tl := range h.s.tools {
		if tl.Name == name {
			h.s.toolList.Select(i)
			h.settle()
			return h.s.tool
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}

// rowWith returns the table row whose column col shows text, or fails.
func (h *harness) rowWith(t *testing.T, col int, text string) int {
	t.Helper()
	for i := 0; i < h.s.data.Len(); i++ {
		if h.s.data.Text(i, col) == text {
			return i
		}
	}
	t.Fatalf("no row shows %q in column %d", text, col)
	return -1
}

func col(t *testing.T, tool *schema.Tool, name string) (int, *schema.Field) {
	t.Helper()
	for i := range tool.Fields {
		if tool.Fields[i].Name == name {
			return i, &tool.Fields[i]
		}
	}
	t.Fatalf("no field %q in %s", name, tool.Name)
	return -1, nil
}

// stored reads a record's value of a field from the store.
func (h *harness) stored(t *testing.T, tool *schema.Tool, titleCol int, title string, field uuid.UUID) schema.Value {
	t.Helper()
	for _, r := range h.records(t, tool) {
		if r.Values[titleCol].String() == title {
			rec, err := h.ws.Record(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return rec.Value(field)
		}
	}
	t.Fatalf("no record %q stored", title)
	return schema.Value{}
}

// newTask fills Title and Status of a new task.
func (h *harness) newTask(t *testing.T, tool *schema.Tool, title string) {
	t.Helper()
	_, tf := col(t, tool, "Title")
	_, sf := col(t, tool, "Status")
	h.s.NewRecord()
	test.Type(h.s.rec.form.Editor(tf.ID).Entry(), title)
	h.s.rec.form.Editor(sf.ID).SetText("To do")
}

func TestAssigneeChosenFromMembersIsStoredAsMember(t *testing.T) {
	h := open(t)
	tasks := h.showTool(t, "Tasks")
	titleCol, _ := col(t, tasks, "Title")
	acol, af := col(t, tasks, "Assignee")
	info, err := h.ws.Info()
	if err != nil {
		t.Fatal(err)
	}
	h.newTask(t, tasks, "Write the report")
	ed := h.s.rec.form.Editor(af.ID)
	var labels []string
	for _, p := range ed.People() {
		labels = append(labels, p.Label)
	}
	if len(labels) == 0 || labels[0] != "Tester" {
		t.Fatalf("assignee offers %q, want the member Tester", labels)
	}
	ed.SetText("Tester") // as chosen from the list
	h.s.Save()
	h.settle()
	v := h.stored(t, tasks, titleCol, "Write the report", af.ID)
	want := schema.PersonParts{ID: schema.MemberRef(info.Me), Name: "Tester"}
	if v.Kind() != schema.Person || v.Person() != want {
		t.Fatalf("stored assignee = %#v (%q), want the member %v", v.Person(), v.String(), want)
	}
	row := h.rowWith(t, titleCol, "Write the report")
	if got := h.s.data.Text(row, acol); got != "Tester" {
		t.Errorf("assignee cell = %q, want the member's name", got)
	}
	if got := ed.Entry().Text; got != "Tester" {
		t.Errorf("form shows assignee %q after saving, want Tester", got)
	}
	if h.s.rec.form.Dirty() {
		t.Error("the saved form is dirty: the shown member does not map back to the stored value")
	}
}

func TestAssigneeTypedAsEmailAndRejectedName(t *testing.T) {
	h := open(t)
	tasks := h.showTool(t, "Tasks")
	titleCol, _ := col(t, tasks, "Title")
	acol, af := col(t, tasks, "Assignee")
	before := len(h.records(t, tasks))

	h.newTask(t, tasks, "Call the printer")
	ed := h.s.rec.form.Editor(af.ID)
	test.Type(ed.Entry(), "Nobody Known")
	if msg := h.s.rec.form.Message(af.ID); msg == "" {
		t.Error("no message under Assignee for a name that is no member")
	}
	h.s.Save()
	h.settle()
	if n := len(h.records(t, tasks)); n != before {
		t.Fatalf("a task with an unknown assignee was saved: %d records, want %d", n, before)
	}

	ed.SetText("")
	test.Type(ed.Entry(), "ana@example.org")
	if msg := h.s.rec.form.Message(af.ID); msg != "" {
		t.Errorf("message %q under an e-mail address", msg)
	}
	h.s.Save()
	h.settle()
	v := h.stored(t, tasks, titleCol, "Call the printer", af.ID)
	if v.Person() != (schema.PersonParts{Email: "ana@example.org"}) {
		t.Fatalf("stored assignee = %#v, want the e-mail address only", v.Person())
	}
	if got := h.s.data.Text(h.rowWith(t, titleCol, "Call the printer"), acol); got != "ana@example.org" {
		t.Errorf("assignee cell = %q, want the e-mail address", got)
	}
}

// addContactLookup adds a lookup field Contact, naming a contact, to
// Tasks and its form, and shows Tasks.
func (h *harness) addContactLookup(t *testing.T) (*schema.Tool, schema.Field) {
	t.Helper()
	contacts := h.tool(t, "Contacts")
	tasks := h.tool(t, "Tasks").Clone()
	lf := schema.Field{ID: uuid.New(), Name: "Contact", Type: schema.Lookup, LookupTool: contacts.ID}
	tasks.Fields = append(tasks.Fields, lf)
	if len(tasks.Forms) > 0 { // the designed form shows it too
		last := &tasks.Forms[0].Sections[len(tasks.Forms[0].Sections)-1]
		last.Items = append(last.Items, schema.FormItem{Field: lf.ID})
	}
	if _, err := h.ws.ApplyDesign(tasks); err != nil {
		t.Fatal(err)
	}
	h.settle()
	return h.showTool(t, "Tasks"), lf
}

// eventually settles until cond holds (a lookup search waits for a
// pause in the typing), failing after a few seconds.
func (h *harness) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.settle()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLookupPickedByTitle(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts")
	tasks, lf := h.addContactLookup(t)
	titleCol, _ := col(t, tasks, "Title")
	lcol, _ := col(t, tasks, "Contact")

	h.newTask(t, tasks, "Send the invoice")
	ed := h.s.rec.form.Editor(lf.ID)
	test.Type(ed.Entry(), "aisha")
	h.eventually(t, "the matches of \"aisha\"", func() bool { return len(ed.Matches()) > 0 })
	ms := ed.Matches()
	if len(ms) != 1 || ms[0].Title != "Aisha Khan" {
		t.Fatalf("search \"aisha\" lists %v, want Aisha Khan alone", ms)
	}
	ed.SetText(ms[0].Title) // as chosen from the list
	h.s.Save()
	h.settle()
	v := h.stored(t, tasks, titleCol, "Send the invoice", lf.ID)
	if v.Kind() != schema.Lookup || v.Record() != ms[0].Record {
		t.Fatalf("stored contact = %q, want record %s", v.String(), ms[0].Record)
	}
	aisha, err := h.ws.Record(ms[0].Record)
	if err != nil || aisha.Tool != contacts.ID {
		t.Fatalf("the looked-up record is not a contact: %v %v", aisha, err)
	}
	if got := h.s.data.Text(h.rowWith(t, titleCol, "Send the invoice"), lcol); got != "Aisha Khan" {
		t.Errorf("contact cell = %q, want the contact's name", got)
	}
	if got := ed.Entry().Text; got != "Aisha Khan" {
		t.Errorf("form shows contact %q, want Aisha Khan", got)
	}

	// More matches than the list holds: only the first 50.
	h.s.NewRecord()
	h.s.rec.revertForm()
	test.Type(h.s.rec.form.Editor(lf.ID).Entry(), "a")
	h.eventually(t, "the matches of \"a\"", func() bool { return len(h.s.rec.form.Editor(lf.ID).Matches()) > 1 })
	if n := len(h.s.rec.form.Editor(lf.ID).Matches()); n == 0 || n > 50 {
		t.Errorf("search \"a\" lists %d records, want 1 to 50", n)
	}
	// A title that is no record is refused with a message.
	e := h.s.rec.form.Editor(lf.ID)
	e.SetText("No such contact")
	if _, err := e.Value(); err == nil || h.s.rec.form.Message(lf.ID) == "" {
		t.Errorf("an unknown title is accepted (err %v)", err)
	}
}

// popUpButtons returns the buttons a pop-up shows.
func popUpButtons(p fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Button:
			out = append(out, o)
			return
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
			return
		case *container.Scroll:
			walk(o.Content)
			return
		case *widget.PopUp:
			walk(o.Content)
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(p)
	return out
}

func TestLookupListOpensWhileTyping(t *testing.T) {
	h := open(t)
	tasks, lf := h.addContactLookup(t)
	titleCol, _ := col(t, tasks, "Title")
	h.newTask(t, tasks, "Book the venue")
	ed := h.s.rec.form.Editor(lf.ID)
	if ed.MatchList() != nil {
		t.Fatalf("the list of matches is open before typing: %q", ed.MatchList())
	}
	test.Type(ed.Entry(), "aish")
	h.eventually(t, "the list of matches", func() bool { return ed.MatchList() != nil })
	if got := ed.MatchList(); len(got) != 1 || got[0] != "Aisha Khan" {
		t.Fatalf("typing \"aish\" lists %q, want Aisha Khan alone", got)
	}
	pop := ed.MatchPopUp()
	if top := h.w.Canvas().Overlays().Top(); top != pop {
		t.Fatalf("the list of matches is not the canvas's top overlay (%T)", top)
	}
	buttons := popUpButtons(pop)
	if len(buttons) != 1 || buttons[0].Text != "Aisha Khan" {
		t.Fatalf("the pop-up offers %d buttons, want Aisha Khan alone", len(buttons))
	}
	want := ed.Matches()[0].Record

	// Typing on (the open list hands the keys to the editor) refreshes
	// the list; a title nobody has says so.
	focused := h.w.Canvas().Focused()
	if focused == nil {
		t.Fatal("nothing has the focus with the list open")
	}
	test.Type(focused, "zz")
	if got := ed.Entry().Text; got != "aishzz" {
		t.Fatalf("editor shows %q after typing on, want aishzz", got)
	}
	h.eventually(t, "the list to refresh", func() bool {
		got := ed.MatchList()
		return len(got) == 1 && got[0] == widgets.NoMatch
	})
	ed.SetText("")
	test.Type(ed.Entry(), "Aish")
	h.eventually(t, "the list of matches", func() bool {
		got := ed.MatchList()
		return len(got) == 1 && got[0] == "Aisha Khan"
	})
	test.Tap(popUpButtons(ed.MatchPopUp())[0])
	if pop.Visible() {
		t.Error("the list stays open after a record is chosen")
	}
	if got := ed.Entry().Text; got != "Aisha Khan" {
		t.Errorf("editor shows %q after choosing, want Aisha Khan", got)
	}
	h.s.Save()
	h.settle()
	v := h.stored(t, tasks, titleCol, "Book the venue", lf.ID)
	if v.Kind() != schema.Lookup || v.Record() != want {
		t.Fatalf("stored contact = %q, want record %s", v.String(), want)
	}
	if ed.MatchList() != nil {
		t.Errorf("the list of matches is open after saving: %q", ed.MatchList())
	}
}

func TestSearchAndFilterMatchNamesAndTitles(t *testing.T) {
	h := open(t)
	tasks, lf := h.addContactLookup(t)
	titleCol, tf := col(t, tasks, "Title")
	_, sf := col(t, tasks, "Status")
	_, af := col(t, tasks, "Assignee")
	var aisha, other uuid.UUID
	for _, r := range h.records(t, h.tool(t, "Contacts")) {
		switch r.Values[0].String() {
		case "Aisha Khan":
			aisha = r.ID
		case "Łukasz Nowak":
			other = r.ID
		}
	}
	if aisha == uuid.Nil || other == uuid.Nil {
		t.Fatal("the sample contacts lack Aisha Khan or Łukasz Nowak")
	}
	put := func(title string, vals map[uuid.UUID]schema.Value) {
		t.Helper()
		vals[tf.ID] = schema.TextValue(title)
		vals[sf.ID] = schema.ChoiceValue("To do")
		if _, err := h.ws.PutRecord(tasks.ID, uuid.Nil, vals); err != nil {
			t.Fatal(err)
		}
	}
	put("Call back", map[uuid.UUID]schema.Value{lf.ID: schema.LookupValue(aisha)})
	put("Review the draft", map[uuid.UUID]schema.Value{af.ID: schema.PersonValue(
		schema.PersonParts{ID: schema.MemberRef("DEVICE-AISHA"), Name: "Aisha Rahman"})})
	put("Order paper", map[uuid.UUID]schema.Value{lf.ID: schema.LookupValue(other), af.ID: schema.PersonValue(
		schema.PersonParts{ID: schema.MemberRef("DEVICE-OTHER"), Name: "Bo", Email: "bo@example.org"})})
	h.settle()

	shown := func() []string {
		var out []string
		for i := 0; i < h.s.data.Len(); i++ {
			out = append(out, h.s.data.Text(i, titleCol))
		}
		slices.Sort(out)
		return out
	}
	check := func(what string, want ...string) {
		t.Helper()
		h.settle()
		if got := shown(); !slices.Equal(got, want) {
			t.Errorf("%s shows %q, want %q", what, got, want)
		}
	}
	test.Type(h.s.search, "Aisha")
	check("search Aisha", "Call back", "Review the draft")
	for _, raw := range []string{"member:", "device-aisha", aisha.String(), aisha.String()[:8]} {
		h.s.search.SetText(raw)
		check("search " + raw + " (the stored form)")
	}
	h.s.search.SetText("bo@example")
	check("search by e-mail", "Order paper")
	h.s.search.SetText("")

	h.s.filterField.SetSelected("Contact")
	h.s.filterText.SetText("aisha")
	check("filter Contact=aisha", "Call back")
	h.s.filterText.SetText(aisha.String()[:8])
	check("filter Contact by record ID")
	h.s.filterField.SetSelected("Assignee")
	h.s.filterText.SetText("aisha")
	check("filter Assignee=aisha", "Review the draft")
	h.s.filterText.SetText("member:")
	check("filter Assignee=member:")
}

func TestDesignedFormSectionsLabelsAndReadOnly(t *testing.T) {
	h := open(t)
	contacts := h.tool(t, "Contacts").Clone()
	_, name := col(t, contacts, "Name")
	_, email := col(t, contacts, "Email")
	cityCol, city := col(t, contacts, "City")
	contacts.Forms = []schema.Form{{ID: uuid.New(), Name: "Short", Sections: []schema.FormSection{
		{Title: "Who", Items: []schema.FormItem{{Field: name.ID}, {Field: email.ID, Label: "E-mail address"}}},
		{Title: "Where", Items: []schema.FormItem{{Field: city.ID, ReadOnly: true}}},
	}}}
	if _, err := h.ws.ApplyDesign(contacts); err != nil {
		t.Fatal(err)
	}
	h.settle()
	contacts = h.showTool(t, "Contacts")
	row := h.rowWith(t, 0, "Aisha Khan")
	id := h.s.view.ID(row)
	oldCity := h.s.data.Text(row, cityCol)
	h.s.rowSelected(row)
	h.settle()
	form := h.s.rec.form
	// The form as the panel shows it, on its own (the panel's times vary).
	shown, err := h.ws.Record(id)
	if err != nil {
		t.Fatal(err)
	}
	alone := widgets.NewDesignedForm(contacts)
	alone.SetValues(shown.Values())
	alone.SetReadOnly(false)
	w := test.NewTempWindow(t, alone)
	w.Resize(fyne.NewSize(420, 420))
	test.AssertRendersToMarkup(t, "designed_form.xml", w.Canvas())

	if got := form.Label(email.ID); got != "E-mail address" {
		t.Errorf("Email is labelled %q", got)
	}
	if n := len(form.Editors()); n != 3 {
		t.Errorf("form has %d editors, want the 3 fields of the design", n)
	}
	ce := form.Editor(city.ID)
	if !ce.Entry().Disabled() || !form.FieldReadOnly(city.ID) {
		t.Fatal("the read-only City can be edited")
	}
	test.Type(ce.Entry(), "Atlantis")
	ce.SetText("Atlantis") // even a programmatic change is not saved
	form.Editor(name.ID).Entry().SetText("Aisha Khan Jr")
	h.s.Save()
	h.settle()
	rec, err := h.ws.Record(id)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Value(city.ID).String(); got != oldCity {
		t.Errorf("City became %q through a read-only field, want %q", got, oldCity)
	}
	if got := rec.Value(name.ID).String(); got != "Aisha Khan Jr" {
		t.Errorf("Name = %q after editing the form", got)
	}
	// A manager's role change does not unlock it.
	h.s.rec.applyRole(model.RoleManager)
	if !ce.Entry().Disabled() {
		t.Error("the read-only City became editable")
	}
}
