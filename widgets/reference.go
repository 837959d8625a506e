package widgets

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// PersonOption is a person a person editor offers by name: a workspace
// member or a server user.
type PersonOption struct {
	// Label is what the list shows; unique among the options.
	Label string
	// Person is the value stored when the option is chosen.
	Person schema.PersonParts
}

// LookupOption is a record a lookup editor offers by its title.
type LookupOption struct {
	// Record is the record stored when the option is chosen.
	Record uuid.UUID
	// Title is what the list shows; unique among the options.
	Title string
}

// MaxMatches is how many records a lookup editor lists at most; the
// person narrows the list by typing.
const MaxMatches = 50

// refState is what a person or lookup editor knows beyond its text: the
// value last shown (kept while its text is unchanged, so a value whose
// parts are not on offer survives an edit of other fields), the options
// and the titles of records.
type refState struct {
	shown     schema.Value
	shownText string
	people    []PersonOption
	matches   []LookupOption
	titles    map[uuid.UUID]string
}

// SetPeople sets the people a person editor offers (ignored by other
// editors). The text shown is refreshed when it names a listed member.
func (e *FieldEditor) SetPeople(people []PersonOption) {
	if e.field.Type != schema.Person {
		return
	}
	e.ref.people = append([]PersonOption(nil), people...)
	labels := make([]string, len(people))
	for i, p := range people {
		labels[i] = p.Label
	}
	e.choose.SetOptions(labels)
	e.refreshShown()
}

// SetMatches sets the records a lookup editor lists (ignored by other
// editors); at most MaxMatches are kept.
func (e *FieldEditor) SetMatches(matches []LookupOption) {
	if e.field.Type != schema.Lookup {
		return
	}
	if len(matches) > MaxMatches {
		matches = matches[:MaxMatches]
	}
	e.ref.matches = append([]LookupOption(nil), matches...)
	titles := make([]string, len(matches))
	for i, m := range matches {
		titles[i] = m.Title
	}
	e.choose.SetOptions(titles)
}

// Matches returns the records a lookup editor lists now.
func (e *FieldEditor) Matches() []LookupOption {
	return append([]LookupOption(nil), e.ref.matches...)
}

// People returns the people a person editor offers.
func (e *FieldEditor) People() []PersonOption {
	return append([]PersonOption(nil), e.ref.people...)
}

// SetTitles tells a lookup editor the titles of records it may show
// (those of the values it is given); the text shown is refreshed.
func (e *FieldEditor) SetTitles(titles map[uuid.UUID]string) {
	if e.field.Type != schema.Lookup {
		return
	}
	if e.ref.titles == nil {
		e.ref.titles = map[uuid.UUID]string{}
	}
	for id, t := range titles {
		e.ref.titles[id] = t
	}
	e.refreshShown()
}

// refreshShown re-renders the value last shown when its text is still
// the one shown (nothing typed over it).
func (e *FieldEditor) refreshShown() {
	if e.ref.shown.IsEmpty() || e.choose.Text != e.ref.shownText {
		return
	}
	e.setting = true
	defer func() { e.setting = false }()
	e.ref.shownText = e.display(e.ref.shown)
	e.choose.SetText(e.ref.shownText)
}

// display is the text a person or lookup value is shown as.
func (e *FieldEditor) display(v schema.Value) string {
	if v.IsEmpty() {
		return ""
	}
	switch e.field.Type {
	case schema.Person:
		p := v.Person()
		if p.ID != "" {
			for _, o := range e.ref.people {
				if o.Person.ID == p.ID {
					return o.Label
				}
			}
		}
		return p.Display()
	case schema.Lookup:
		return e.title(v.Record())
	}
	return v.String()
}

// title names a record for a lookup editor.
func (e *FieldEditor) title(id uuid.UUID) string {
	if t := e.ref.titles[id]; t != "" {
		return t
	}
	for _, m := range e.ref.matches {
		if m.Record == id {
			return m.Title
		}
	}
	return ShortRecord(id)
}

// ShortRecord names a record whose title is not known.
func ShortRecord(id uuid.UUID) string { return "Record " + id.String()[:8] }

// personValue turns a person editor's text into a value: a listed
// member's label gives the member, an e-mail address the address.
func (e *FieldEditor) personValue() (schema.Value, error) {
	text := strings.TrimSpace(e.choose.Text)
	switch {
	case text == "":
		return schema.Value{}, nil
	case !e.ref.shown.IsEmpty() && text == strings.TrimSpace(e.ref.shownText):
		return e.ref.shown, nil
	}
	for _, exact := range []bool{true, false} {
		for _, o := range e.ref.people {
			if exact && o.Label == text || !exact && strings.EqualFold(o.Label, text) {
				return schema.PersonValue(o.Person), nil
			}
		}
	}
	if strings.Contains(text, "@") {
		return schema.ParseValue(&e.field, text)
	}
	return schema.Value{}, e.rule("%s is not a member of this workspace: choose a member from the list or type an e-mail address", quote(text))
}

// lookupValue turns a lookup editor's text into the record it names.
func (e *FieldEditor) lookupValue() (schema.Value, error) {
	text := strings.TrimSpace(e.choose.Text)
	switch {
	case text == "":
		return schema.Value{}, nil
	case !e.ref.shown.IsEmpty() && text == strings.TrimSpace(e.ref.shownText):
		return e.ref.shown, nil
	}
	for _, exact := range []bool{true, false} {
		for _, m := range e.ref.matches {
			if exact && m.Title == text || !exact && strings.EqualFold(m.Title, text) {
				return schema.LookupValue(m.Record), nil
			}
		}
	}
	return schema.Value{}, e.rule("no record is titled %s: type part of a title, then choose a record from the list", quote(text))
}

func (e *FieldEditor) rule(format string, args ...any) error {
	return &schema.RuleError{Field: e.field.Name, FieldID: e.field.ID, Rule: schema.RuleType, Msg: fmt.Sprintf(format, args...)}
}

func quote(s string) string {
	if len([]rune(s)) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return "\u201c" + s + "\u201d"
}
