package assets

import (
	"bytes"
	"encoding/json"
	"image/png"
	"slices"
	"strings"
	"testing"
)

func TestIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon))
	if err != nil {
		t.Fatalf("icon is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("icon is %dx%d, want 512x512", b.Dx(), b.Dy())
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("corner pixel alpha = %d, want transparent", a)
	}
	if _, _, _, a := img.At(256, 256).RGBA(); a != 0xffff {
		t.Errorf("centre pixel alpha = %d, want opaque", a)
	}
	// Anti-aliased edges: some pixels are partially transparent.
	partial := 0
	for x := range 512 {
		if _, _, _, a := img.At(x, 20).RGBA(); a > 0 && a < 0xffff {
			partial++
		}
	}
	if partial == 0 {
		t.Error("no partially transparent pixels along the top edge; edges are not anti-aliased")
	}
}

// templateDoc is the part of the design JSON format these tests look at
// (package assets must not import package schema).
type templateDoc struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Fields []struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Type    string   `json:"type"`
		Choices []string `json:"choices"`
	} `json:"fields"`
}

func TestTemplates(t *testing.T) {
	if got := TemplateNames(); !slices.Equal(got, []string{"contacts", "events", "inventory", "issues", "tasks"}) {
		t.Fatalf("TemplateNames = %v", got)
	}
	for _, name := range []string{"contacts", "Contacts", "CONTACTS"} {
		data, err := Template(name)
		if err != nil {
			t.Fatalf("Template(%q): %v", name, err)
		}
		var doc templateDoc
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("Template(%q) is not JSON: %v", name, err)
		}
		if doc.Name != "Contacts" || doc.ID == "" || len(doc.Fields) != 8 {
			t.Errorf("Template(%q) = %+v", name, doc)
		}
		for _, f := range doc.Fields {
			if f.ID == "" {
				t.Errorf("field %q has no fixed id", f.Name)
			}
		}
	}
	data, _ := Template("contacts")
	data[0] = 'X'
	if again, _ := Template("contacts"); again[0] == 'X' {
		t.Error("Template returns shared memory")
	}
	_, err := Template("invoices")
	if err == nil || !strings.Contains(err.Error(), `"invoices"`) || !strings.Contains(err.Error(), "contacts") {
		t.Errorf("Template(invoices) error = %v, want it to name the input and the known templates", err)
	}
}

func TestSampleContacts(t *testing.T) {
	data, err := Template("contacts")
	if err != nil {
		t.Fatal(err)
	}
	var doc templateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{}
	for _, f := range doc.Fields {
		fields[f.Name] = f.Choices
	}
	contacts := SampleContacts()
	if len(contacts) != 25 {
		t.Fatalf("%d sample contacts, want 25", len(contacts))
	}
	seen := map[string]bool{}
	for i, c := range contacts {
		if c["Name"] == "" || seen[c["Name"]] {
			t.Errorf("contact %d: missing or duplicate name %q", i, c["Name"])
		}
		seen[c["Name"]] = true
		for k := range c {
			if _, ok := fields[k]; !ok {
				t.Errorf("contact %q: key %q is not a template field", c["Name"], k)
			}
		}
		if !slices.Contains(fields["Tag"], c["Tag"]) {
			t.Errorf("contact %q: tag %q not a template choice", c["Name"], c["Tag"])
		}
		if e := c["Email"]; e != "" && !strings.HasSuffix(e, ".example") && !strings.Contains(e, "@example.") {
			t.Errorf("contact %q: e-mail %q is not on a reserved example domain", c["Name"], e)
		}
	}
	contacts[0]["Name"] = "changed"
	if SampleContacts()[0]["Name"] == "changed" {
		t.Error("SampleContacts returns shared maps")
	}
}

// TestTemplateFiles checks what every template must have without parsing
// it as a design (package schema's tests do that): fixed ids on the tool
// and every field, view and form, and a unique name.
func TestTemplateFiles(t *testing.T) {
	var doc struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Fields []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"fields"`
		Views []struct {
			ID string `json:"id"`
		} `json:"views"`
		Forms []struct {
			ID string `json:"id"`
		} `json:"forms"`
	}
	names := map[string]bool{}
	ids := map[string]bool{}
	for _, name := range TemplateNames() {
		data, err := Template(name)
		if err != nil {
			t.Fatal(err)
		}
		doc.Fields, doc.Views, doc.Forms = nil, nil, nil
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("template %s: %v", name, err)
		}
		if !strings.EqualFold(doc.Name, name) || names[doc.Name] {
			t.Errorf("template %s is named %q", name, doc.Name)
		}
		names[doc.Name] = true
		all := []string{doc.ID}
		for _, f := range doc.Fields {
			all = append(all, f.ID)
		}
		for _, v := range doc.Views {
			all = append(all, v.ID)
		}
		for _, f := range doc.Forms {
			all = append(all, f.ID)
		}
		for _, id := range all {
			if len(id) != 36 || ids[id] {
				t.Errorf("template %s: id %q missing, malformed or used twice", name, id)
			}
			ids[id] = true
		}
		if len(doc.Views) == 0 || len(doc.Forms) == 0 {
			t.Errorf("template %s has no views or no forms", name)
		}
	}
}
