package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fullToolJSON uses every key of the design format.
const fullToolJSON = `{
 "id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01", "name": "Events", "description": "What happens when.",
 "fields": [
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e02", "name": "Title", "type": "text", "required": true, "maxLength": 80, "unique": true, "description": "Short."},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e03", "name": "Starts", "type": "datetime", "required": true},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e04", "name": "Ends", "type": "datetime"},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e05", "name": "Kind", "type": "choice", "choices": ["Talk", "Party"], "default": "Talk"},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e06", "name": "Tags", "type": "multichoice", "choices": ["A", "B"], "default": ["B", "A"]},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e07", "name": "Fee", "type": "currency", "currency": "EUR", "min": 0, "default": 10},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e08", "name": "Share", "type": "percent", "precision": 1, "default": 0.125},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e09", "name": "Host", "type": "person", "hidden": true},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e0a", "name": "Parent", "type": "lookup", "lookup": {"tool": "Events", "display": "Title"}},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e0b", "name": "Open", "type": "checkbox", "default": true},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e0c", "name": "Day", "type": "date", "default": "2026-01-01"},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e0d", "name": "No", "type": "autonumber"}
 ],
 "views": [
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e10", "name": "Calendar", "type": "calendar", "date": "Starts", "end": "Ends"},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e11", "name": "Talks", "type": "table", "columns": ["No", "Title", "Starts"],
   "sort": [{"field": "Starts", "desc": true}, {"field": "title"}], "filter": "Kind = \"Talk\" and Starts >= now()", "group": "Kind"},
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e12", "name": "Board", "type": "board", "board": "Kind", "private": true, "owner": "member:ABCD"}
 ],
 "forms": [
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e13", "name": "Event", "sections": [
   {"title": "When", "fields": [{"field": "Title", "label": "Name"}, {"field": "Starts"}, {"field": "Ends"}]},
   {"fields": [{"field": "No", "readOnly": true}]}]}
 ],
 "rules": [
  {"id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e14", "name": "Ends after start", "expr": "empty(Ends) or Ends >= Starts", "message": "It cannot end before it starts."}
 ]
}`

func TestFullDesignJSON(t *testing.T) {
	tools, err := ParseDesignJSON([]byte(fullToolJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	tool := tools[0]
	fee, _ := tool.FieldByName("Fee")
	tags, _ := tool.FieldByName("Tags")
	share, _ := tool.FieldByName("Share")
	parent, _ := tool.FieldByName("Parent")
	day, _ := tool.FieldByName("Day")
	switch {
	case !fee.Default.Equal(NumberValue(10)) || fee.Currency != "EUR":
		t.Errorf("fee: %+v", fee)
	case !tags.Default.Equal(MultiChoiceValue("A", "B")):
		t.Errorf("tags: %+v", tags)
	case !share.Default.Equal(NumberValue(0.125)) || *share.Precision != 1:
		t.Errorf("share: %+v", share)
	case parent.LookupTool != tool.ID || parent.LookupDisplay != tool.Fields[0].ID:
		t.Errorf("parent: %+v", parent)
	case !day.Default.Equal(DateValue(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))):
		t.Errorf("day: %+v", day)
	case len(tool.Views) != 3 || tool.Views[1].Sort[1].Field != tool.Fields[0].ID || !tool.Views[2].Private:
		t.Errorf("views: %+v", tool.Views)
	case len(tool.Forms[0].Sections) != 2 || !tool.Forms[0].Sections[1].Items[0].ReadOnly:
		t.Errorf("forms: %+v", tool.Forms)
	case !strings.Contains(tool.Rules[0].Expr, "{#6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e04}"):
		t.Errorf("rule not canonical: %q", tool.Rules[0].Expr)
	}
	out, err := tool.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"expr":"empty(Ends) or Ends >= Starts"`) || !strings.Contains(string(out), `"filter":"Kind = \"Talk\" and Starts >= now()"`) {
		t.Errorf("expressions not written by name: %s", out)
	}
	back, err := ParseToolJSON(out)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(normalizeTool(back), normalizeTool(tool)) {
		t.Errorf("round trip differs:\n%#v\n%#v", back, tool)
	}
	// Every element survives its binary form.
	for _, f := range tool.Fields {
		if g, err := DecodeField(f.AppendBinary(nil)); err != nil || !reflect.DeepEqual(normalizeField(g), normalizeField(f)) {
			t.Errorf("field %q: %+v, %v", f.Name, g, err)
		}
	}
	for _, v := range tool.Views {
		if g, err := DecodeView(v.AppendBinary(nil)); err != nil || !reflect.DeepEqual(g, v) {
			t.Errorf("view %q: %+v, %v", v.Name, g, err)
		}
	}
	for _, fm := range tool.Forms {
		if g, err := DecodeForm(fm.AppendBinary(nil)); err != nil || !reflect.DeepEqual(g, fm) {
			t.Errorf("form %q: %+v, %v", fm.Name, g, err)
		}
	}
	for _, r := range tool.Rules {
		if g, err := DecodeRule(r.AppendBinary(nil)); err != nil || g != r {
			t.Errorf("rule %q: %+v, %v", r.Name, g, err)
		}
	}
	doc, err := MarshalDesignJSON(tools)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ParseDesignJSON(doc, nil); err != nil || len(again) != 1 || !Diff(tool, again[0]).Empty() {
		t.Errorf("design document round trip: %v", err)
	}
}

// normalizeTool maps empty slices to nil for DeepEqual.
func normalizeTool(t *Tool) *Tool {
	c := t.Clone()
	for i := range c.Fields {
		c.Fields[i] = normalizeField(c.Fields[i])
	}
	for i := range c.Forms {
		for j := range c.Forms[i].Sections {
			if len(c.Forms[i].Sections[j].Items) == 0 {
				c.Forms[i].Sections[j].Items = nil
			}
		}
	}
	if len(c.Views) == 0 {
		c.Views = nil
	}
	if len(c.Forms) == 0 {
		c.Forms = nil
	}
	if len(c.Rules) == 0 {
		c.Rules = nil
	}
	return c
}

func normalizeField(f Field) Field {
	if len(f.Choices) == 0 {
		f.Choices = nil
	}
	return f
}

func TestDesignJSONErrors(t *testing.T) {
	tool := func(extra string) string {
		return `{"name":"T","fields":[{"name":"A","type":"text"},{"name":"S","type":"choice","choices":["x"]}]` + extra + `}`
	}
	tests := []struct{ name, doc, msg string }{
		{"unknown view key", tool(`,"views":[{"name":"V","type":"table","colums":["A"]}]`), `unknown key "colums"`},
		{"view column", tool(`,"views":[{"name":"V","type":"table","columns":["B"]}]`), `column: no field "B"`},
		{"view type", tool(`,"views":[{"name":"V","type":"gantt"}]`), `unknown type "gantt"`},
		{"board on text", tool(`,"views":[{"name":"V","type":"board","board":"A"}]`), "a board view needs a choice field"},
		{"calendar without date", tool(`,"views":[{"name":"V","type":"calendar"}]`), "needs a date field"},
		{"group on board", tool(`,"views":[{"name":"V","type":"board","board":"S","group":"A"}]`), "only table views group"},
		{"private without owner", tool(`,"views":[{"name":"V","type":"table","private":true}]`), "needs an owner"},
		{"bad filter", tool(`,"views":[{"name":"V","type":"table","filter":"A >"}]`), "expected a value"},
		{"filter type", tool(`,"views":[{"name":"V","type":"table","filter":"A"}]`), "not true/false"},
		{"duplicate view names", tool(`,"views":[{"name":"V","type":"table"},{"name":"v","type":"table"}]`), "duplicate name"},
		{"form field twice", tool(`,"forms":[{"name":"F","sections":[{"fields":[{"field":"A"},{"field":"a"}]}]}]`), "appears twice"},
		{"form no sections", tool(`,"forms":[{"name":"F","sections":[]}]`), "needs 1 to 50 sections"},
		{"rule bad field", tool(`,"rules":[{"name":"R","expr":"Nope = 1"}]`), `no field named "Nope"`},
		{"rule uses now", tool(`,"rules":[{"name":"R","expr":"now() > now()"}]`), "cannot use today() or now()"},
		{"default wrong", `{"name":"T","fields":[{"name":"N","type":"number","default":"ten"}]}`, `default: type: "ten" is not a number`},
		{"default null", `{"name":"T","fields":[{"name":"N","type":"number","default":null}]}`, "leave the key out"},
		{"lookup unknown tool", `{"name":"T","fields":[{"name":"L","type":"lookup","lookup":{"tool":"Other"}}]}`, `no tool "Other"`},
		{"lookup unknown display", `{"name":"T","fields":[{"name":"L","type":"lookup","lookup":{"tool":"T","display":"Nope"}}]}`, `display field "Nope"`},
		{"duplicate element ids", `{"name":"T","fields":[{"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e02","name":"A","type":"text"}],` +
			`"views":[{"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e02","name":"V","type":"table"}]}`, "duplicate id"},
		{"reserved id", `{"name":"T","fields":[{"id":"00000000-0000-0000-0000-000000000005","name":"A","type":"text"}]}`, "is reserved"},
		{"empty design", `{"tools":[]}`, "no tools"},
		{"same tool twice", `{"tools":[{"name":"T"},{"name":"t"}]}`, "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDesignJSON([]byte(tt.doc), nil)
			if !errors.Is(err, ErrInvalidDesign) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ParseDesignJSON = %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestLookupsAcrossTools(t *testing.T) {
	doc := `{"tools":[
	 {"id":"11111111-0000-4000-8000-000000000001","name":"Orders","fields":[
	  {"id":"11111111-0000-4000-8000-000000000002","name":"Ref","type":"text"},
	  {"id":"11111111-0000-4000-8000-000000000003","name":"Customer","type":"lookup","lookup":{"tool":"Customers","display":"Name"}}]},
	 {"id":"11111111-0000-4000-8000-000000000011","name":"Customers","fields":[
	  {"id":"11111111-0000-4000-8000-000000000012","name":"Name","type":"text"},
	  {"id":"11111111-0000-4000-8000-000000000013","name":"Last order","type":"lookup","lookup":{"tool":"Orders"}}]}]}`
	tools, err := ParseDesignJSON([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckWorkspace(tools); err != nil {
		t.Fatalf("mutual lookups with plain display fields: %v", err)
	}
	// Display fields that lead back to themselves: a cyclic lookup.
	orders, customers := tools[0], tools[1]
	orders.Fields[1].LookupDisplay = customers.Fields[1].ID // Customer shows Last order
	customers.Fields[1].LookupDisplay = orders.Fields[1].ID // Last order shows Customer
	err = CheckWorkspace(tools)
	if !errors.Is(err, ErrInvalidDesign) || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("cyclic lookup: %v", err)
	}
	// A lookup to a tool the workspace does not have.
	customers.Fields[1].LookupTool = uuid.MustParse("99999999-0000-4000-8000-000000000000")
	customers.Fields[1].LookupDisplay = uuid.Nil
	if err := CheckWorkspace(tools); err == nil || !strings.Contains(err.Error(), "not in the workspace") {
		t.Fatalf("missing target: %v", err)
	}
	// Names resolve against known tools too.
	single := `{"name":"Invoices","fields":[{"name":"Order","type":"lookup","lookup":{"tool":"orders","display":"Ref"}}]}`
	got, err := ParseDesignJSON([]byte(single), tools)
	if err != nil || got[0].Fields[0].LookupTool != orders.ID || got[0].Fields[0].LookupDisplay != orders.Fields[0].ID {
		t.Fatalf("known tools: %+v, %v", got, err)
	}
}

func TestElementDecodersReject(t *testing.T) {
	v := View{ID: testID("v"), Name: "V", Type: TableView, Columns: []uuid.UUID{testID("a")}, Filter: "a = 1"}
	good := v.AppendBinary(nil)
	if _, err := DecodeView(good); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":        nil,
		"truncated":    good[:len(good)-1],
		"trailing":     append(append([]byte(nil), good...), 0),
		"not a view":   append([]byte{0x11}, good[1:]...),
		"bad filter":   View{ID: testID("v"), Name: "V", Type: TableView, Filter: "a ="}.AppendBinary(nil),
		"huge count":   append(append([]byte{0x10}, make([]byte, 16)...), 1, 'V', 1, 0, 0, 0xff, 0xff, 0x03),
		"nil id":       View{Name: "V", Type: TableView}.AppendBinary(nil),
		"unknown type": View{ID: testID("v"), Name: "V", Type: "gantt"}.AppendBinary(nil),
	}
	for name, b := range cases {
		if _, err := DecodeView(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if err := CheckElement(b); err == nil {
			t.Errorf("%s: CheckElement accepted", name)
		}
	}
	// A field that fits version 1 must not use version 2.
	f := Field{ID: testID("f"), Name: "F", Type: Text}
	v2 := f.AppendBinary(nil)
	v2[0] = fieldFormatV2
	v2 = append(v2[:len(v2)-1:len(v2)-1], 0, 0, 0, 0) // flags uvarint, …, description, currency
	if _, err := DecodeField(v2); err == nil {
		t.Error("non-canonical version 2 field accepted")
	}
}

func TestHostileDesigns(t *testing.T) {
	// Each is refused with a clear error; none takes long (the limits are
	// checked before the work that grows with the input).
	huge := strings.Repeat("x", 100<<20)
	manyFields := &Tool{ID: testID("h"), Name: "H", Fields: make([]Field, 100_000)}
	for i := range manyFields.Fields {
		manyFields.Fields[i] = Field{ID: uuid.New(), Name: "F" + uuid.NewString()[:8], Type: Text}
	}
	deep := `{"name":"T","rules":[{"name":"R","expr":"` + strings.Repeat("(", 500) + `a` + strings.Repeat(")", 500) + `"}]}`
	cases := []struct {
		name string
		run  func() error
		msg  string
	}{
		{"100 MB document", func() error { _, err := ParseToolJSON([]byte(`{"name":"` + huge + `"}`)); return err }, "larger than"},
		{"100 MB name", func() error { return (&Tool{ID: testID("h"), Name: huge}).Check() }, "longer than 100"},
		{"100 MB pattern", func() error {
			return (&Field{ID: testID("h"), Name: "F", Type: Text, Pattern: huge}).Check()
		}, "pattern: longer"},
		{"100 MB expression", func() error { _, err := ParseExpr(huge); return err }, "longer than"},
		{"100,000 fields", manyFields.Check, "more than 500"},
		{"100,000 fields JSON", func() error {
			var b strings.Builder
			b.WriteString(`{"name":"T","fields":[`)
			for i := range 100_000 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"name":"F","type":"text"}`)
			}
			b.WriteString(`]}`)
			_, err := ParseToolJSON([]byte(b.String()))
			return err
		}, "more than 1000 elements"},
		{"deep JSON", func() error {
			_, err := ParseToolJSON([]byte(`{"name":"T","fields":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`))
			return err
		}, "nested too deeply"},
		{"deep expression", func() error { _, err := ParseToolJSON([]byte(deep)); return err }, "nested more than"},
		{"100 MB field encoding", func() error {
			_, err := DecodeField(append([]byte{1}, append(make([]byte, 16), appendUvarint(nil, uint64(len(huge)))...)...))
			return err
		}, "exceeds"},
	}
	for _, c := range cases {
		start := time.Now()
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.name, err, c.msg)
		}
		t.Logf("%s refused in %v", c.name, time.Since(start))
	}
}

func TestRenameInDocumentKeepsReferences(t *testing.T) {
	current, err := ParseToolJSON([]byte(fullToolJSON))
	if err != nil {
		t.Fatal(err)
	}
	// The exported file with "Starts" renamed to "Begins" everywhere the
	// field itself is defined, but not in the references.
	edited := strings.Replace(fullToolJSON, `"name": "Starts"`, `"name": "Begins"`, 1)
	tools, err := ParseDesignJSON([]byte(edited), []*Tool{current})
	if err != nil {
		t.Fatalf("rename in the file: %v", err)
	}
	got := tools[0]
	begins, _ := got.FieldByName("Begins")
	if got.Views[0].DateField != begins.ID || got.Views[1].Sort[0].Field != begins.ID {
		t.Errorf("view references lost: %+v", got.Views)
	}
	if s, _ := got.FormatExpr(got.Rules[0].Expr); s != "empty(Ends) or Ends >= Begins" {
		t.Errorf("rule reads %q", s)
	}
	if d := Diff(current, got); len(d.Changes) != 1 || d.Changes[0].Kind != Renamed {
		t.Errorf("diff %s", d)
	}
	// Without the current design the old name does not resolve.
	if _, err := ParseDesignJSON([]byte(edited), nil); err == nil || !strings.Contains(err.Error(), `no field "Starts"`) {
		t.Errorf("without known tools: %v", err)
	}
}
