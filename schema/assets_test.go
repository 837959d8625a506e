package schema_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/schema"
)

// contactsTool parses the built-in contacts template.
func contactsTool(tb testing.TB) *schema.Tool {
	tb.Helper()
	data, err := assets.Template("contacts")
	if err != nil {
		tb.Fatal(err)
	}
	tool, err := schema.ParseToolJSON(data)
	if err != nil {
		tb.Fatalf("contacts template: %v", err)
	}
	return tool
}

// record converts a sample contact (field name -> text) into a record.
func record(tb testing.TB, tool *schema.Tool, contact map[string]string) map[uuid.UUID]schema.Value {
	tb.Helper()
	rec := make(map[uuid.UUID]schema.Value, len(contact))
	for name, text := range contact {
		f, ok := tool.FieldByName(name)
		if !ok {
			tb.Fatalf("contact %q: unknown field %q", contact["Name"], name)
		}
		v, err := schema.ParseValue(f, text)
		if err != nil {
			tb.Fatalf("contact %q: %v", contact["Name"], err)
		}
		rec[f.ID] = v
	}
	return rec
}

func TestContactsTemplate(t *testing.T) {
	tool := contactsTool(t)
	again := contactsTool(t)
	if !reflect.DeepEqual(tool, again) {
		t.Error("template ids are not stable across parses")
	}
	want := map[string]schema.FieldType{
		"Name": schema.Text, "Email": schema.Text, "Phone": schema.Text, "Company": schema.Text,
		"Title": schema.Text, "City": schema.Text, "Notes": schema.LongText, "Tag": schema.Choice,
	}
	if len(tool.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(tool.Fields), len(want))
	}
	for name, typ := range want {
		f, ok := tool.FieldByName(name)
		if !ok || f.Type != typ {
			t.Errorf("field %q: %+v", name, f)
		}
	}
	if name, _ := tool.FieldByName("name"); !name.Required || name.MaxLength != 200 {
		t.Errorf("Name field = %+v, want required with maxLength 200", name)
	}
	tag, _ := tool.FieldByName("Tag")
	if !reflect.DeepEqual(tag.Choices, []string{"Customer", "Supplier", "Partner", "Colleague", "Friend"}) {
		t.Errorf("Tag choices = %v", tag.Choices)
	}

	rules := []struct {
		field, value string
		ok           bool
	}{
		{"Email", "ada@example.com", true},
		{"Email", "ada@example", false},
		{"Email", "ada example.com", false},
		{"Email", "a@b@c.d", false},
		{"Phone", "+1 (555) 010-0199", true},
		{"Phone", "020.7946.0321", true},
		{"Phone", "call me", false},
		{"Phone", "12+34", false},
		{"Phone", "()", false},
	}
	for _, r := range rules {
		f, _ := tool.FieldByName(r.field)
		v, err := schema.ParseValue(f, r.value)
		if err == nil {
			err = f.Validate(v)
		}
		if (err == nil) != r.ok {
			t.Errorf("%s=%q: err = %v, want ok=%v", r.field, r.value, err, r.ok)
		}
		if err != nil && !errors.Is(err, schema.ErrInvalidValue) {
			t.Errorf("%s=%q: error does not wrap ErrInvalidValue: %v", r.field, r.value, err)
		}
	}
}

func TestSampleContactsValidate(t *testing.T) {
	tool := contactsTool(t)
	for _, c := range assets.SampleContacts() {
		if err := tool.ValidateRecord(record(t, tool, c)); err != nil {
			t.Errorf("sample contact %q: %v", c["Name"], err)
		}
	}
}

func BenchmarkValidateRecordContacts(b *testing.B) {
	tool := contactsTool(b)
	rec := record(b, tool, assets.SampleContacts()[0])
	b.ReportAllocs()
	for b.Loop() {
		if err := tool.ValidateRecord(rec); err != nil {
			b.Fatal(err)
		}
	}
}
