package designer

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

func TestEditFormSectionsLabelsAndOrder(t *testing.T) {
	d, ws, q, w := open(t, model.RoleManager)
	d.Tabs().SelectIndex(2)
	d.SelectForm(0)
	fm := d.forms
	title, notes, owner := fieldID(t, d, "Title"), fieldID(t, d, "Notes"), fieldID(t, d, "Assignee")
	fm.labels[owner].SetText("")
	test.Type(fm.labels[owner], "Who does it")
	test.Tap(fm.ro[title])
	fm.moveItem(0, 1, 1) // Notes, last of section 1, moves to the start of section 2
	fm.edit(true, func(f *schema.Form) { f.Sections = append(f.Sections, schema.FormSection{}) })
	fm.titles[2].SetText("")
	test.Type(fm.titles[2], "Extra")
	fm.moveItem(1, 0, -1) // and back to the end of section 1
	test.AssertRendersToMarkup(t, "designer_form.xml", w.Canvas())
	d.Save()
	q.Settle(d.Loop())
	if !strings.Contains(d.Status(), "Saved the design of Tasks") {
		t.Fatalf("status = %q", d.Status())
	}
	f := storedTool(t, ws, "Tasks").Forms[0]
	if len(f.Sections) != 3 || f.Sections[2].Title != "Extra" {
		t.Fatalf("sections = %+v", f.Sections)
	}
	if got := f.Sections[0].Items; len(got) != 2 || got[0] != (schema.FormItem{Field: title, ReadOnly: true}) || got[1].Field != notes {
		t.Errorf("first section = %+v", got)
	}
	i := slices.IndexFunc(f.Sections[1].Items, func(it schema.FormItem) bool { return it.Field == owner })
	if i < 0 || f.Sections[1].Items[i].Label != "Who does it" {
		t.Errorf("second section = %+v", f.Sections[1].Items)
	}
}

func TestAddFormHoldsVisibleFieldsAndNewFieldsJoinForms(t *testing.T) {
	d, _, _, _ := open(t, model.RoleManager)
	d.AddForm()
	f := d.Tool().Forms[len(d.Tool().Forms)-1]
	if len(f.Sections) != 1 || len(f.Fields()) != len(d.Tool().Fields) {
		t.Fatalf("new form = %+v", f)
	}
	d.AddField()
	added := d.Tool().Fields[d.fields.selected].ID
	for _, f := range d.Tool().Forms {
		if !slices.Contains(f.Fields(), added) {
			t.Errorf("form %q lacks the new field", f.Name)
		}
	}
	d.RemoveForm()
	if d.Problems() != "" || slices.ContainsFunc(d.Tool().Forms, func(x schema.Form) bool { return x.ID == f.ID }) {
		t.Errorf("remove form: problems %q", d.Problems())
	}
}
