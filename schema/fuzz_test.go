package schema

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
)

func FuzzDecodeValue(f *testing.F) {
	for _, v := range []Value{{}, TextValue("hi"), TextValue("日本\n"), ChoiceValue("Customer"),
		NumberValue(0), NumberValue(-42), NumberValue(1 << 53), NumberValue(1.5), NumberValue(-1e300),
		DateDays(-719162), DateDays(2932896), BoolValue(true), BoolValue(false),
		DateTimeSeconds(0), DateTimeSeconds(-62135596800), MultiChoiceValue("Red", "Blue"),
		PersonValue(PersonParts{ID: "user:7", Email: "ada@example.org", Name: "Ada"}), PersonValue(PersonParts{Email: "a@b.c"}),
		LookupValue(testID("rec"))} {
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
	for _, tool := range []*Tool{exprTool(f), diffBase(f)} {
		for _, fld := range tool.Fields {
			f.Add(fld.AppendBinary(nil))
		}
	}
	f.Add(Field{ID: testID("x"), Name: "X", Type: Currency, Currency: "EUR", Precision: iptr(2), Default: NumberValue(1.5),
		Description: "d", Hidden: true, Unique: true, Min: ptr(0)}.AppendBinary(nil))
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

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{`a = 1`, `not a or b and c`, `(a or b) and {Due date} >= date("2026-01-01")`,
		`len({a\}b}) > -3.5e2`, `x = "q\"\n"`, `contains(Tags, "x") and days(Start, today()) < 7`,
		`{#5c1f0b0e-6a43-4f1e-9d55-0f6b3c1a7e21} != true`, `((((a))))`, `a < b < c`, `{`, `"`} {
		f.Add(s)
	}
	tool := exprTool(f)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseExpr(src)
		if err != nil {
			return
		}
		canon := e.String()
		again, err := ParseExpr(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, again.String())
		}
		// Compiling and evaluating against a tool must not panic.
		if p, err := tool.CompileExpr(src); err == nil {
			p.Eval(func(uuid.UUID) Value { return Value{} }, time.Time{})
			c, err := tool.canonicalExpr(src)
			if err != nil {
				t.Fatalf("compiled %q but cannot canonicalize: %v", src, err)
			}
			if _, err := tool.CompileExpr(c); err != nil {
				t.Fatalf("canonical %q of %q does not compile: %v", c, src, err)
			}
		}
	})
}

func FuzzDecodeElement(f *testing.F) {
	tool := diffBase(f)
	tool.Views = append(tool.Views, View{ID: testID("v"), Name: "V", Type: CalendarView, DateField: testID("due"),
		Columns: []uuid.UUID{testID("title")}, Sort: []SortKey{{testID("due"), true}}, Filter: "Due > today()", Private: true, Owner: "member:X"})
	for _, v := range tool.Views {
		f.Add(v.AppendBinary(nil))
	}
	for _, fm := range tool.Forms {
		f.Add(fm.AppendBinary(nil))
	}
	for _, r := range tool.Rules {
		f.Add(r.AppendBinary(nil))
	}
	f.Add([]byte{0x10})
	f.Add([]byte{0x12, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := CheckElement(b); err != nil {
			return
		}
		var again []byte
		switch KindOf(b) {
		case ElementView:
			v, _ := DecodeView(b)
			again = v.AppendBinary(nil)
		case ElementForm:
			fm, _ := DecodeForm(b)
			again = fm.AppendBinary(nil)
		case ElementRule:
			r, _ := DecodeRule(b)
			again = r.AppendBinary(nil)
		default:
			fld, _ := DecodeField(b)
			again = fld.AppendBinary(nil)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("element %x re-encodes as %x", b, again)
		}
	})
}

func FuzzParseDesignJSON(f *testing.F) {
	f.Add([]byte(fullToolJSON))
	f.Add([]byte(`{"tools":[{"name":"A","fields":[{"name":"L","type":"lookup","lookup":{"tool":"B"}}]},{"name":"B"}]}`))
	f.Add([]byte(`{"name":"T","fields":[{"name":"N","type":"percent","default":"12%"}],"views":[{"name":"V","type":"table","filter":"N > 0.1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tools, err := ParseDesignJSON(data, nil)
		if err != nil {
			return
		}
		out, err := MarshalDesignJSON(tools)
		if err != nil {
			t.Fatalf("MarshalDesignJSON: %v", err)
		}
		back, err := ParseDesignJSON(out, nil)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		for i := range tools {
			if d := Diff(tools[i], back[i]); !d.Empty() {
				t.Fatalf("round trip differs: %s", d)
			}
			for _, fld := range tools[i].Fields {
				if _, err := DecodeField(fld.AppendBinary(nil)); err != nil {
					t.Fatalf("field %q does not survive the binary codec: %v", fld.Name, err)
				}
			}
		}
	})
}
