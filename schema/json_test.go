package schema

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

const contactsJSON = `{"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01","name":"Contacts","fields":[
 {"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e02","name":"Name","type":"text","required":true,"maxLength":200},
 {"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e03","name":"Email","type":"text","pattern":"[^@\\s]+@[^@\\s]+"},
 {"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e04","name":"Score","type":"number","min":0,"max":10.5},
 {"id":"6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e05","name":"Tag","type":"choice","choices":["Customer","Supplier","Partner","Friend"]}]}`

func TestParseToolJSON(t *testing.T) {
	tool, err := ParseToolJSON([]byte(contactsJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := &Tool{ID: uuid.MustParse("6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01"), Name: "Contacts", Fields: []Field{
		{ID: uuid.MustParse("6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e02"), Name: "Name", Type: Text, Required: true, MaxLength: 200},
		{ID: uuid.MustParse("6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e03"), Name: "Email", Type: Text, Pattern: `[^@\s]+@[^@\s]+`},
		{ID: uuid.MustParse("6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e04"), Name: "Score", Type: Number, Min: ptr(0), Max: ptr(10.5)},
		{ID: uuid.MustParse("6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e05"), Name: "Tag", Type: Choice, Choices: []string{"Customer", "Supplier", "Partner", "Friend"}},
	}}
	if !reflect.DeepEqual(tool, want) {
		t.Fatalf("ParseToolJSON =\n%#v\nwant\n%#v", tool, want)
	}
	out, err := tool.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseToolJSON(out)
	if err != nil || !reflect.DeepEqual(back, tool) {
		t.Fatalf("round trip of %s: %#v, %v", out, back, err)
	}
	if !strings.Contains(string(out), `"maxLength":200`) || strings.Contains(string(out), `"pattern":""`) {
		t.Errorf("MarshalJSON output %s", out)
	}
}

func TestParseToolJSONMissingIDs(t *testing.T) {
	doc := `{"name":"T","fields":[{"name":"A","type":"text"},{"id":"","name":"B","type":"date"}]}`
	a, err := ParseToolJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseToolJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == uuid.Nil || a.Fields[0].ID == uuid.Nil || a.Fields[1].ID == uuid.Nil {
		t.Errorf("missing ids not filled: %+v", a)
	}
	if a.ID == b.ID || a.Fields[0].ID == b.Fields[0].ID {
		t.Error("filled ids are not fresh per parse")
	}
}

func TestParseToolJSONRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		msg  string
	}{
		{"not json", `{`, ""},
		{"array", `[]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"trailing object", `{"name":"T"}{}`, "trailing data"},
		{"trailing junk", `{"name":"T"} x`, "trailing data"},
		{"unknown tool key", `{"name":"T","widgets":[]}`, `unknown key "widgets"`},
		{"unknown field key", `{"name":"T","fields":[{"name":"A","type":"text","size":3}]}`, `unknown key "size"`},
		{"wrong case key", `{"Name":"T"}`, `unknown key "Name"`},
		{"wrong case field key", `{"name":"T","fields":[{"name":"A","type":"text","maxlength":3}]}`, `unknown key "maxlength"`},
		{"duplicate key", `{"name":"T","name":"U"}`, `duplicate key "name"`},
		{"object in choices", `{"name":"T","fields":[{"name":"A","type":"choice","choices":[{"x":1}]}]}`, "unknown key"},
		{"deep nesting", `{"name":"T","fields":[[[[[[[[[[1]]]]]]]]]]}`, "nested too deeply"},
		{"wrong value type", `{"name":"T","fields":[{"name":"A","type":"text","required":"yes"}]}`, "cannot unmarshal"},
		{"fractional maxLength", `{"name":"T","fields":[{"name":"A","type":"text","maxLength":1.5}]}`, "cannot unmarshal"},
		{"bad id", `{"id":"nope","name":"T"}`, "not a UUID"},
		{"braced id", `{"id":"{6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01}","name":"T"}`, "not a UUID"},
		{"nil id", `{"id":"00000000-0000-0000-0000-000000000000","name":"T"}`, "missing id"},
		{"check runs", `{"name":"T","fields":[{"name":"A","type":"choice"}]}`, "needs at least one choice"},
		{"duplicate field names", `{"name":"T","fields":[{"name":"A","type":"text"},{"name":"a","type":"text"}]}`, "duplicate name"},
		{"too large", `{"name":"` + strings.Repeat("x", MaxDesignJSONBytes) + `"}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, err := ParseToolJSON([]byte(tt.doc))
			if !errors.Is(err, ErrInvalidDesign) {
				t.Fatalf("ParseToolJSON = %+v, %v; want ErrInvalidDesign", tool, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestToolJSONWithEncodingJSON(t *testing.T) {
	tool := testTool(t)
	// Both a Tool value and a *Tool marshal to the design format.
	byValue, err := json.Marshal(*tool)
	if err != nil {
		t.Fatal(err)
	}
	byPtr, err := json.Marshal(tool)
	if err != nil {
		t.Fatal(err)
	}
	if string(byValue) != string(byPtr) {
		t.Errorf("value and pointer encodings differ:\n%s\n%s", byValue, byPtr)
	}
	var wrapper struct{ Tool *Tool }
	if err := json.Unmarshal([]byte(`{"Tool":`+string(byPtr)+`}`), &wrapper); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wrapper.Tool, tool) {
		t.Errorf("UnmarshalJSON = %#v, want %#v", wrapper.Tool, tool)
	}
	var bad Tool
	if err := json.Unmarshal([]byte(`{"name":""}`), &bad); !errors.Is(err, ErrInvalidDesign) {
		t.Errorf("UnmarshalJSON of invalid design: %v", err)
	}
	if out, _ := (&Tool{ID: testID("e"), Name: "E"}).MarshalJSON(); !strings.Contains(string(out), `"fields":[]`) {
		t.Errorf("nil fields marshal as %s", out)
	}
	if out, _ := (&Tool{ID: testID("p"), Name: "P", Fields: []Field{{ID: testID("q"), Name: "Q", Type: Text, Pattern: "<a&b>"}}}).MarshalJSON(); !strings.Contains(string(out), `"<a&b>"`) {
		t.Errorf("pattern HTML-escaped: %s", out)
	}
}
