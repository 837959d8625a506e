package widgets

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

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

// NoMatch is what a lookup editor's list of matches says when no record
// matches the text typed.
const NoMatch = "No record matches"

// matchRows is how many matches the list under a lookup editor shows
// before it scrolls.
const matchRows = 8

// refState is what a person or lookup editor knows beyond its text: the
// value last shown (kept while its text is unchanged, so a value whose
// parts are not on offer survives an edit of other fields), the options,
// the titles of records and the list of matches shown under a lookup
// editor while the person types.
type refState struct {
	shown     schema.Value
	shownText string
	people    []PersonOption
	matches   []LookupOption
	titles    map[uuid.UUID]string
	pop       *widget.PopUp
	list      *matchList
}

// matchList is the list of matches under a lookup editor. While it is
// open it holds the keyboard focus of the pop-up layer and hands what is
// typed on to the editor, so the person types on with the list open:
// Escape closes it, Return chooses the first match.
type matchList struct {
	widget.BaseWidget
	ed  *FieldEditor
	box *fyne.Container
}

func newMatchList(ed *FieldEditor) *matchList {
	l := &matchList{ed: ed, box: container.NewVBox()}
	l.ExtendBaseWidget(l)
	return l
}

// CreateRenderer implements fyne.Widget.
func (l *matchList) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewVScroll(l.box))
}

// FocusGained implements fyne.Focusable.
func (l *matchList) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (l *matchList) FocusLost() {}

// TypedRune implements fyne.Focusable: the rune goes to the editor.
func (l *matchList) TypedRune(r rune) { l.ed.choose.TypedRune(r) }

// TypedKey implements fyne.Focusable.
func (l *matchList) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		l.ed.hideMatches()
	case fyne.KeyReturn, fyne.KeyEnter:
		if len(l.ed.ref.matches) > 0 {
			l.ed.pickMatch(l.ed.ref.matches[0])
		}
	default:
		l.ed.choose.TypedKey(k)
	}
}

// TypedShortcut implements fyne.Shortcutable: copy, paste and the like
// go to the editor.
func (l *matchList) TypedShortcut(s fyne.Shortcut) { l.ed.choose.TypedShortcut(s) }

// ShowMatches answers a lookup editor's search for text (see OnSearch):
// it sets the records listed, as SetMatches does, and opens (or
// refreshes) the list of matches under the editor, from which the person
// chooses one. An answer for text the editor no longer shows is ignored,
// so a late answer for older text never replaces a newer one; blank text,
// or text that is already the title of the only match, closes the list.
func (e *FieldEditor) ShowMatches(text string, matches []LookupOption) {
	if e.field.Type != schema.Lookup || e.choose.Text != text {
		return
	}
	e.SetMatches(matches)
	chosen := len(matches) == 1 && matches[0].Title == text // nothing left to choose
	if strings.TrimSpace(text) == "" || e.disabled || chosen {
		e.hideMatches()
		return
	}
	e.showMatches()
}

// MatchList returns what the open list of matches shows, in order (nil
// when it is closed): the titles of the matches, or NoMatch.
func (e *FieldEditor) MatchList() []string {
	if e.ref.pop == nil || !e.ref.pop.Visible() {
		return nil
	}
	var out []string
	for _, o := range e.ref.list.box.Objects {
		switch o := o.(type) {
		case *widget.Button:
			out = append(out, o.Text)
		case *widget.Label:
			out = append(out, o.Text)
		}
	}
	return out
}

// MatchPopUp returns the pop-up that lists the matches, nil before it
// was first opened (for tests).
func (e *FieldEditor) MatchPopUp() *widget.PopUp { return e.ref.pop }

// showMatches opens or refreshes the list of matches under the editor.
func (e *FieldEditor) showMatches() {
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	if c == nil {
		return
	}
	if e.ref.list == nil {
		e.ref.list = newMatchList(e)
	}
	objs := make([]fyne.CanvasObject, 0, max(len(e.ref.matches), 1))
	for _, m := range e.ref.matches {
		b := widget.NewButton(m.Title, func() { e.pickMatch(m) })
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		objs = append(objs, b)
	}
	if len(objs) == 0 {
		l := widget.NewLabel(NoMatch)
		l.Importance = widget.LowImportance
		objs = append(objs, l)
	}
	box := e.ref.list.box
	box.Objects = objs
	box.Refresh()
	if e.ref.pop == nil {
		e.ref.pop = widget.NewPopUp(e.ref.list, c)
	}
	row := objs[0].MinSize().Height + e.Theme().Size(theme.SizeNamePadding)
	h := min(box.MinSize().Height, row*matchRows)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(e)
	e.ref.pop.ShowAtPosition(pos.Add(fyne.NewPos(0, e.Size().Height)))
	e.ref.pop.Resize(fyne.NewSize(max(e.Size().Width, box.MinSize().Width), h))
	c.Focus(e.ref.list) // the pop-up layer's focus; typing goes on to the editor
}

// hideMatches closes the list of matches.
func (e *FieldEditor) hideMatches() {
	if e.ref.pop != nil {
		e.ref.pop.Hide()
	}
}

// pickMatch sets the editor to a match chosen from the list.
func (e *FieldEditor) pickMatch(m LookupOption) {
	e.hideMatches()
	e.picking = true
	defer func() { e.picking = false }()
	e.choose.SetText(m.Title)
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
		c.Focus(e.choose)
	}
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
	if o, ok := findByLabel(e.ref.people, text, func(o PersonOption) string { return o.Label }); ok {
		return schema.PersonValue(o.Person), nil
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
	if m, ok := findByLabel(e.ref.matches, text, func(m LookupOption) string { return m.Title }); ok {
		return schema.LookupValue(m.Record), nil
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

// findByLabel returns the first item whose label is text, else the first
// whose label is text ignoring case.
func findByLabel[T any](items []T, text string, label func(T) string) (T, bool) {
	for _, exact := range []bool{true, false} {
		for _, it := range items {
			if l := label(it); exact && l == text || !exact && strings.EqualFold(l, text) {
				return it, true
			}
		}
	}
	var zero T
	return zero, false
}
