package schema_test

import (
	"testing"

	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/schema"
)

// TestTemplatesParse checks every built-in template: strict parse, check,
// stable ids, a JSON round trip, the binary codec for every element, and
// the workspace check with all templates together.
func TestTemplatesParse(t *testing.T) {
	var all []*schema.Tool
	for _, name := range assets.TemplateNames() {
		data, err := assets.Template(name)
		if err != nil {
			t.Fatal(err)
		}
		tool, err := schema.ParseToolJSON(data)
		if err != nil {
			t.Fatalf("template %s: %v", name, err)
		}
		out, err := tool.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := schema.ParseToolJSON(out)
		if err != nil {
			t.Fatalf("template %s round trip: %v\n%s", name, err, out)
		}
		if d := schema.Diff(tool, back); !d.Empty() {
			t.Errorf("template %s: round trip differs: %s", name, d)
		}
		for _, f := range tool.Fields {
			if _, err := schema.DecodeField(f.AppendBinary(nil)); err != nil {
				t.Errorf("template %s field %q: %v", name, f.Name, err)
			}
		}
		for _, v := range tool.Views {
			if _, err := schema.DecodeView(v.AppendBinary(nil)); err != nil {
				t.Errorf("template %s view %q: %v", name, v.Name, err)
			}
		}
		if len(tool.Views) == 0 || len(tool.Forms) == 0 {
			t.Errorf("template %s: %d views, %d forms; want some of each", name, len(tool.Views), len(tool.Forms))
		}
		all = append(all, tool)
	}
	if len(all) != 5 {
		t.Errorf("%d templates, want contacts, events, inventory, issues, tasks", len(all))
	}
	if err := schema.CheckWorkspace(all); err != nil {
		t.Error(err)
	}
}
