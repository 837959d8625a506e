package widgets

import (
	"testing"

	"fyne.io/fyne/v2/test"

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
