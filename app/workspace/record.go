package workspace

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// recordPanel is the side panel with the form of the selected record:
// title, the generated form, who created and changed it when, the
// field history, and Save, Revert and Delete.
type recordPanel struct {
	s         *Screen
	title     *widget.Label
	meta      *widget.Label
	note      *widget.Label
	formBox   *fyne.Container
	form      *widgets.RecordForm
	history   *widget.Label
	histItem  *widget.AccordionItem
	saveBtn   *widget.Button
	revertBtn *widget.Button
	delBtn    *widget.Button
	role      model.Role
	people    []widgets.PersonOption
	content   fyne.CanvasObject
	// searches waits for pauses in the typing of the lookup fields.
	searches lookupSearches
}

func newRecordPanel(s *Screen) *recordPanel {
	p := &recordPanel{s: s}
	p.title = widget.NewLabelWithStyle("No record selected", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.title.Wrapping = fyne.TextWrapWord
	p.meta = widget.NewLabel("")
	p.meta.Wrapping = fyne.TextWrapWord
	p.meta.SizeName = theme.SizeNameCaptionText
	p.note = widget.NewLabel("Choose a record in the table, or press Ctrl+N for a new one.")
	p.note.Wrapping = fyne.TextWrapWord
	p.formBox = container.NewStack()
	p.history = widget.NewLabel("")
	p.history.Wrapping = fyne.TextWrapWord
	p.histItem = widget.NewAccordionItem("Field history", p.history)
	p.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), p.save)
	p.saveBtn.Importance = widget.HighImportance
	p.revertBtn = widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), p.revertForm)
	p.delBtn = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.delete)
	p.delBtn.Importance = widget.DangerImportance
	buttons := container.NewHBox(p.saveBtn, p.revertBtn, p.delBtn)
	body := container.NewVBox(p.title, p.note, p.formBox, p.meta, widget.NewAccordion(p.histItem))
	p.content = container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(body))
	p.clear()
	return p
}

func (p *recordPanel) applyRole(r model.Role) {
	p.role = r
	if p.form != nil {
		p.form.SetReadOnly(!r.CanEdit())
	}
	p.updateButtons()
}

// setPeople sets the people the person fields offer: the members.
func (p *recordPanel) setPeople(people []widgets.PersonOption) {
	p.people = people
	if p.form != nil {
		p.form.SetPeople(people)
	}
}

// setTool builds the form for a tool's design: its designed form when it
// has one, else one generated from its fields.
func (p *recordPanel) setTool(t *schema.Tool) {
	p.form = widgets.NewDesignedForm(t)
	p.form.OnChanged = func(bool) { p.updateButtons() }
	p.form.SetPeople(p.people)
	form := p.form
	p.searches.stop()
	p.form.OnSearch = func(f schema.Field, text string) {
		p.searches.after(f.ID, func() {
			s := p.s
			s.loop.Post(func(ctx context.Context) {
				matches := s.searchTitles(ctx, t, f, text)
				s.loop.UI(func() {
					if p.form == form {
						form.ShowMatches(f.ID, text, matches)
					}
				})
			})
		})
	}
	p.form.SetReadOnly(!p.role.CanEdit())
	p.formBox.Objects = []fyne.CanvasObject{p.form}
	p.formBox.Refresh()
	p.s.form.Next()
	p.s.record, p.s.creating = nil, false
	p.clear()
}

// clear shows no record.
func (p *recordPanel) clear() {
	p.title.SetText("No record selected")
	p.note.SetText("Choose a record in the table, or press Ctrl+N for a new one.")
	if !p.role.CanEdit() && p.role != 0 {
		p.note.SetText("You can read this workspace; your role (" + p.role.String() + ") does not allow changes.")
	}
	p.note.Show()
	p.formBox.Hide()
	p.meta.SetText("")
	p.history.SetText("")
	p.updateButtons()
}

func (p *recordPanel) dirty() bool {
	return p.form != nil && p.formBox.Visible() && p.form.Dirty()
}

// showNew shows an empty form for a new record.
func (p *recordPanel) showNew() {
	p.title.SetText("New " + singular(p.form.Tool().Name))
	p.note.Hide()
	p.form.SetValues(nil)
	p.formBox.Show()
	p.meta.SetText("Not saved yet. Fields marked * are required. Ctrl+S saves.")
	p.history.SetText("")
	p.updateButtons()
}

func singular(name string) string {
	if strings.HasSuffix(name, "s") && len(name) > 3 {
		return strings.ToLower(name[:len(name)-1])
	}
	return "record"
}

// show displays a record read from the store.
func (p *recordPanel) show(r *model.Record, hist []model.Change) {
	s := p.s
	if s.tool == nil || r.Tool != s.tool.ID {
		return
	}
	s.record, s.creating = r, false
	p.title.SetText(recordLabel(s.tool, r))
	p.note.Hide()
	if n := conflictFields(s.tool, r); len(n) > 0 {
		p.note.SetText("Conflict in " + strings.Join(n, ", ") + ": two people changed it at the same time. Open the conflicts inbox in the header to choose.")
		p.note.Importance = widget.WarningImportance
		p.note.Show()
	} else {
		p.note.Importance = widget.MediumImportance
	}
	p.setTitles(r)
	p.form.SetValues(r.Values())
	p.formBox.Show()
	p.meta.SetText(fmt.Sprintf("Created by %s, %s.\nLast changed by %s, %s.",
		s.person(r.CreatedBy), when(r.Created), s.person(r.ModifiedBy), when(r.Modified)))
	var l lookups
	if s.view != nil {
		l = s.view.lookups
	}
	p.history.SetText(historyText(s.tool, hist, s.person, l))
	p.updateButtons()
}

// setTitles tells the form the titles of the records r's lookup fields
// name, as far as the table knows them.
func (p *recordPanel) setTitles(r *model.Record) {
	s := p.s
	if s.view == nil || s.view.lookups == nil {
		return
	}
	titles := map[uuid.UUID]string{}
	for _, f := range s.tool.Fields {
		if v := r.Value(f.ID); f.Type == schema.Lookup && !v.IsEmpty() {
			titles[v.Record()] = s.view.lookups.title(f.LookupTool, v.Record())
		}
	}
	p.form.SetTitles(titles)
}

// sameForm reports whether a and b show the same record form: the first
// designed form (or none) with the same sections, labels and read-only
// fields.
func sameForm(a, b *schema.Tool) bool {
	if len(a.Forms) == 0 || len(b.Forms) == 0 {
		return len(a.Forms) == len(b.Forms)
	}
	fa, fb := a.Forms[0], b.Forms[0]
	if len(fa.Sections) != len(fb.Sections) {
		return false
	}
	for i, sa := range fa.Sections {
		sb := fb.Sections[i]
		if sa.Title != sb.Title || !slices.Equal(sa.Items, sb.Items) {
			return false
		}
	}
	return true
}

func conflictFields(t *schema.Tool, r *model.Record) []string {
	var out []string
	for _, f := range r.Fields {
		if len(f.Losers) > 0 {
			if fd, ok := t.FieldByID(f.Field); ok {
				out = append(out, fd.Name)
			}
		}
	}
	return out
}

func recordLabel(t *schema.Tool, r *model.Record) string {
	for _, f := range t.Fields {
		if v := r.Value(f.ID); !v.IsEmpty() && (f.Type == schema.Text || f.Type == schema.Choice) {
			return v.String()
		}
	}
	return "Record " + r.ID.String()[:8]
}

// person names a device's owner.
func (s *Screen) person(device string) string {
	if device == s.info.Me {
		return "you"
	}
	if n := s.names[device]; n != "" {
		return n
	}
	return "device " + model.ShortID(device)
}

func historyText(t *schema.Tool, hist []model.Change, person func(string) string, l lookups) string {
	if len(hist) == 0 {
		return "No changes recorded yet."
	}
	var b strings.Builder
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Version.Time.After(hist[j].Version.Time) })
	for _, c := range hist {
		name := "a removed field"
		val := c.Version.Value.String()
		if f, ok := t.FieldByID(c.Field); ok {
			name = f.Name
			val = displayText(f, c.Version.Value, l)
		}
		if val == "" {
			val = "(empty)"
		}
		state := ""
		if !c.Version.Won {
			state = " — not shown (conflict)"
		}
		fmt.Fprintf(&b, "%s: %s — %s, %s%s\n", name, val, person(c.Version.Author), when(c.Version.Time), state)
	}
	b.WriteString("Older changes are not kept on this device yet.")
	return b.String()
}

func (p *recordPanel) updateButtons() {
	editing := p.form != nil && p.formBox.Visible() && p.role.CanEdit()
	dirty := editing && p.form.Dirty()
	setEnabled(p.saveBtn, dirty || editing && p.s.creating)
	setEnabled(p.revertBtn, dirty)
	setEnabled(p.delBtn, editing && p.s.record != nil)
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// save validates every field (messages appear under the fields), then
// writes the changes.
func (p *recordPanel) save() {
	s := p.s
	if p.form == nil || !p.formBox.Visible() || !p.role.CanEdit() {
		return
	}
	changes, ok := p.form.Changes()
	if ok {
		s.addResubmits(changes)
	}
	if !ok {
		s.say("Some fields need attention; the message under each says what to fix.")
		s.status.Importance = widget.WarningImportance
		s.status.Refresh()
		return
	}
	if len(changes) == 0 && !s.creating {
		s.say("Nothing to save.")
		return
	}
	id := uuid.Nil
	if s.record != nil {
		id = s.record.ID
	}
	t, gen := s.tool, s.form.Now()
	s.say("Saving…")
	setEnabled(p.saveBtn, false)
	s.loop.Post(func(context.Context) { s.put(gen, t, id, changes) })
}

// saveFailed shows why the store refused the record.
func (p *recordPanel) saveFailed(err error) {
	p.updateButtons()
	if p.form.ShowError(err) {
		p.s.say("Not saved: some fields need attention; the message under each says what to fix.")
		p.s.status.Importance = widget.WarningImportance
		p.s.status.Refresh()
		return
	}
	p.s.fail("Could not save", err)
}

// saved shows the record as stored.
func (p *recordPanel) saved(r *model.Record, hist []model.Change, created bool) {
	p.show(r, hist)
	p.s.seen[r.ID] = true
	if created {
		p.s.say("Created %s.", recordLabel(p.s.tool, r))
	} else {
		p.s.say("Saved %s.", recordLabel(p.s.tool, r))
	}
}

func (p *recordPanel) revertForm() {
	if p.s.creating && p.s.record == nil {
		p.form.SetValues(nil)
	} else {
		p.form.Revert()
	}
	p.updateButtons()
	p.s.say("Changes reverted.")
}

func (p *recordPanel) delete() {
	s := p.s
	if s.record == nil || !p.role.CanEdit() {
		return
	}
	id, what, gen := s.record.ID, recordLabel(s.tool, s.record), s.form.Now()
	s.loop.Post(func(context.Context) { s.remove(gen, id, what) })
}
