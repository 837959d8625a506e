package widgets

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

func TestPersonEditor(t *testing.T) {
	test.NewTempApp(t)
	ed := NewFieldEditor(schema.Field{ID: uuid.New(), Name: "Owner", Type: schema.Person})
	ana := schema.PersonParts{ID: schema.MemberRef("ABCD-1234"), Name: "Ana"}
	ed.SetPeople([]PersonOption{{Label: "Ana", Person: ana}})
	cases := []struct {
		name, text string
		want       schema.PersonParts
		bad        bool
	}{
		{"member by name", "Ana", ana, false},
		{"member any case", "ana", ana, false},
		{"e-mail", "bo@example.org", schema.PersonParts{Email: "bo@example.org"}, false},
		{"empty clears", "", schema.PersonParts{}, false},
		{"unknown name", "Bo", schema.PersonParts{}, true},
		{"bad address", "bo@", schema.PersonParts{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ed.SetText(c.text)
			v, err := ed.Value()
			if (err != nil) != c.bad {
				t.Fatalf("Value() error = %v, want error %v", err, c.bad)
			}
			if !c.bad && v.Person() != c.want {
				t.Errorf("Value() = %#v, want %#v", v.Person(), c.want)
			}
		})
	}
	// A stored value shows by name and maps back unchanged, even when the
	// person is not on offer.
	other := schema.PersonValue(schema.PersonParts{ID: "user:7", Email: "cy@example.org", Name: "Cy"})
	ed.SetValue(other)
	if got := ed.Entry().Text; got != "Cy" {
		t.Errorf("shows %q, want the name", got)
	}
	if v, err := ed.Value(); err != nil || !v.Equal(other) {
		t.Errorf("Value() = %q, %v; want the stored value back", v.String(), err)
	}
}

func TestReadOnlyItemStaysReadOnly(t *testing.T) {
	test.NewTempApp(t)
	a := schema.Field{ID: uuid.New(), Name: "A", Type: schema.Text}
	b := schema.Field{ID: uuid.New(), Name: "B", Type: schema.Text}
	tool := &schema.Tool{ID: uuid.New(), Name: "T", Fields: []schema.Field{a, b},
		Forms: []schema.Form{{ID: uuid.New(), Name: "F", Sections: []schema.FormSection{
			{Items: []schema.FormItem{{Field: b.ID, Label: "Bee", ReadOnly: true}}}}}}}
	f := NewDesignedForm(tool)
	if f.Editor(a.ID) != nil || f.Label(b.ID) != "Bee" {
		t.Fatalf("form does not follow the design: A shown %v, B labelled %q", f.Editor(a.ID) != nil, f.Label(b.ID))
	}
	f.SetValues(map[uuid.UUID]schema.Value{b.ID: schema.TextValue("kept")})
	f.SetReadOnly(false)
	f.Editor(b.ID).SetText("changed")
	if ch, ok := f.Changes(); !ok || len(ch) != 0 || f.Dirty() {
		t.Errorf("a read-only field changed: %v %v", ch, ok)
	}
	if !f.Editor(b.ID).Entry().Disabled() {
		t.Error("read-only editor is enabled")
	}
}

func TestLookupEditorListsMatchesWhileTyping(t *testing.T) {
	test.NewTempApp(t)
	ed := NewFieldEditor(schema.Field{ID: uuid.New(), Name: "Contact", Type: schema.Lookup, LookupTool: uuid.New()})
	w := test.NewTempWindow(t, container.NewVBox(ed))
	w.Resize(fyne.NewSize(400, 400))
	var asked []string
	ed.OnSearch = func(text string) { asked = append(asked, text) }
	aisha := LookupOption{Record: uuid.New(), Title: "Aisha Khan"}
	kai := LookupOption{Record: uuid.New(), Title: "Kai Aiken"}

	w.Canvas().Focus(ed.Focusable())
	test.Type(ed.Entry(), "ai")
	if !slices.Equal(asked, []string{"a", "ai"}) {
		t.Fatalf("OnSearch got %q, want each text typed", asked)
	}
	ed.ShowMatches("a", []LookupOption{{Record: uuid.New(), Title: "Ana"}}) // stale
	if got := ed.MatchList(); got != nil || len(ed.Matches()) != 0 {
		t.Fatalf("an answer for older text is shown: %q", got)
	}
	ed.ShowMatches("ai", []LookupOption{aisha, kai})
	if got := ed.MatchList(); !slices.Equal(got, []string{"Aisha Khan", "Kai Aiken"}) {
		t.Fatalf("list shows %q, want both matches", got)
	}
	if w.Canvas().Overlays().Top() != ed.MatchPopUp() {
		t.Fatal("the list of matches is not shown over the window")
	}
	// Typing goes on to the editor while the list is open.
	focused := w.Canvas().Focused()
	if focused == nil {
		t.Fatal("nothing has the focus with the list open: typing would go nowhere")
	}
	test.Type(focused, "s")
	if got := ed.Entry().Text; got != "ais" || asked[len(asked)-1] != "ais" {
		t.Fatalf("typing with the list open: editor shows %q, searched %q", got, asked)
	}
	ed.ShowMatches("ais", []LookupOption{aisha, kai}) // as if Kai matched too
	ed.ShowMatches("ai", nil)                         // stale again: the list stays
	if got := ed.MatchList(); len(got) != 2 {
		t.Fatalf("a stale answer replaced the list: %q", got)
	}

	var kaiBtn *widget.Button
	for _, o := range ed.ref.list.box.Objects {
		if b, ok := o.(*widget.Button); ok && b.Text == "Kai Aiken" {
			kaiBtn = b
		}
	}
	if kaiBtn == nil {
		t.Fatal("no button for Kai Aiken in the pop-up")
	}
	asked = nil
	test.Tap(kaiBtn)
	if ed.MatchList() != nil {
		t.Error("the list stays open after a choice")
	}
	if len(asked) != 0 {
		t.Errorf("choosing a match searched again: %q", asked)
	}
	v, err := ed.Value()
	if err != nil || v.Record() != kai.Record {
		t.Fatalf("Value() = %q, %v; want Kai Aiken's record", v.String(), err)
	}

	// Blank text closes the list; a value set from outside does too.
	ed.SetText("")
	ed.ShowMatches("", []LookupOption{aisha, kai})
	if ed.MatchList() != nil {
		t.Error("the list is open for blank text")
	}
	test.Type(ed.Entry(), "k")
	ed.ShowMatches("k", []LookupOption{kai})
	if ed.MatchList() == nil {
		t.Fatal("the list does not open for k")
	}
	ed.SetValue(schema.LookupValue(aisha.Record))
	if ed.MatchList() != nil {
		t.Error("the list stays open after SetValue")
	}
}
