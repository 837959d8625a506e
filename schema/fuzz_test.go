package schema

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
)

func FuzzDecodeValue(f *testing.F) {
	for _, v := range []Value{{}, TextValue("hi"), TextValue("日本\n"), ChoiceValue("Customer"),
		NumberValue(0), NumberValue(-42), NumberValue(1 << 53), NumberValue(1.5), NumberValue(-1e300),
		DateDays(-719162), DateDays(2932896), BoolValue(true), BoolValue(false)} {
		f.Add(v.AppendBinary(nil))
	}
	for _, h := range []string{"", "07", "0100", "0101ff", "038000", "043ff0000000000000", "047ff8000000000001", "0602", "0000"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b)
		if err != nil {
			return
		}
		if got := v.AppendBinary(nil); !bytes.Equal(got, b) {
			t.Fatalf("DecodeValue(%x) = %#v re-encodes as %x", b, v, got)
		}
		if !v.Equal(v) {
			t.Fatalf("%#v does not equal itself", v)
		}
		checkTextForm(t, v)
	})
}

func FuzzDecodeField(f *testing.F) {
	f.Add(fieldBytes())
	for _, fld := range testTool(f).Fields {
		f.Add(fld.AppendBinary(nil))
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		fld, err := DecodeField(b)
		if err != nil {
			return
		}
		if got := fld.AppendBinary(nil); !bytes.Equal(got, b) {
			t.Fatalf("DecodeField(%x) = %#v re-encodes as %x", b, fld, got)
		}
		if err := fld.Check(); err != nil {
			t.Fatalf("decoded field fails Check: %v", err)
		}
	})
}

func FuzzParseToolJSON(f *testing.F) {
	f.Add([]byte(contactsJSON))
	out, err := testTool(f).MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(out)
	f.Add([]byte(`{"name":"T","fields":[{"name":"A","type":"choice","choices":["x","Y"]}]}`))
	f.Add([]byte(`{"name":"T","name":"U"}`))
	f.Add([]byte(`{"name":"T","fields":[{"name":"N","type":"number","min":-0,"max":1e-400}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tool, err := ParseToolJSON(data)
		if err != nil {
			return
		}
		if err := tool.Check(); err != nil {
			t.Fatalf("parsed tool fails Check: %v", err)
		}
		out, err := tool.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		back, err := ParseToolJSON(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !reflect.DeepEqual(normalize(back), normalize(tool)) {
			t.Fatalf("round trip differs:\n%#v\n%#v", back, tool)
		}
		for _, fld := range tool.Fields {
			if _, err := DecodeField(fld.AppendBinary(nil)); err != nil {
				t.Fatalf("field %q does not survive the binary codec: %v", fld.Name, err)
			}
		}
	})
}

// normalize maps empty slices to nil so DeepEqual ignores the difference.
func normalize(t *Tool) *Tool {
	c := *t
	c.Fields = append([]Field(nil), t.Fields...)
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	for i := range c.Fields {
		if len(c.Fields[i].Choices) == 0 {
			c.Fields[i].Choices = nil
		}
	}
	return &c
}

// checkTextForm checks that String and ParseValue round-trip v for a field
// of v's kind (dates only within the valid range, choices not at all since
// they need a field listing them).
func checkTextForm(t *testing.T, v Value) {
	t.Helper()
	var typ FieldType
	switch v.Kind() {
	case Text:
		typ = LongText
	case Number, Checkbox:
		typ = v.Kind()
	case Date:
		if int64(v.Days()) < minDateDays || int64(v.Days()) > maxDateDays {
			return
		}
		typ = Date
	default:
		return
	}
	fld := &Field{ID: testID("f"), Name: "F", Type: typ}
	back, err := ParseValue(fld, v.String())
	if err != nil || !back.Equal(v) {
		t.Fatalf("ParseValue(%q) = %#v, %v; want %#v", v.String(), back, err, v)
	}
}
