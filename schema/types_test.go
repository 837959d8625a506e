package schema

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func iptr(i int) *int { return &i }

// typeCase is one text input for a field of some type: what it parses to
// (or which rule refuses it), whether the parsed value validates, and its
// field-aware text form.
type typeCase struct {
	name      string
	field     Field
	in        string
	want      Value
	parseRule string // rule of the ParseValue error; "" means it parses
	validRule string // rule of the Validate error; "" means valid
	format    string // Field.Format of the parsed value; "" means in
}

func TestFieldTypesParseValidateFormat(t *testing.T) {
	f := func(typ FieldType, mod ...func(*Field)) Field {
		fl := Field{ID: testID(string(typ)), Name: "F", Type: typ}
		if typ.HasChoices() {
			fl.Choices = []string{"Red", "Green", "Blue"}
		}
		if typ == Lookup {
			fl.LookupTool = testID("other")
		}
		for _, m := range mod {
			m(&fl)
		}
		return fl
	}
	rec := uuid.MustParse("01900000-0000-7000-8000-000000000001")
	cases := []typeCase{
		{"text", f(Text), "hello", TextValue("hello"), "", "", ""},
		{"text line break", f(Text), "a\nb", TextValue("a\nb"), "", RuleType, ""},
		{"text max length", f(Text, func(f *Field) { f.MaxLength = 3 }), "abcd", TextValue("abcd"), "", RuleMaxLength, ""},
		{"longtext", f(LongText), "a\nb", TextValue("a\nb"), "", "", ""},
		{"number", f(Number), "12.5", NumberValue(12.5), "", "", ""},
		{"number junk", f(Number), "12a", Value{}, RuleType, "", ""},
		{"number min", f(Number, func(f *Field) { f.Min = ptr(0) }), "-1", NumberValue(-1), "", RuleMin, ""},
		{"number precision rounds", f(Number, func(f *Field) { f.Precision = iptr(1) }), "2.25", NumberValue(2.3), "", "", "2.3"},
		{"number precision pads", f(Number, func(f *Field) { f.Precision = iptr(2) }), "2", NumberValue(2), "", "", "2.00"},
		{"currency default places", f(Currency), "3.456", NumberValue(3.46), "", "", "3.46"},
		{"currency code and separators", f(Currency, func(f *Field) { f.Currency = "EUR" }), "EUR 1,234.5", NumberValue(1234.5), "", "", "1234.50 EUR"},
		{"currency symbol", f(Currency), "$12", NumberValue(12), "", "", "12.00"},
		{"currency junk", f(Currency), "twelve", Value{}, RuleType, "", ""},
		{"percent sign", f(Percent), "12.5%", NumberValue(0.125), "", "", "12.5%"},
		{"percent fraction", f(Percent), "0.07", NumberValue(0.07), "", "", "7%"},
		{"percent negative", f(Percent), "-5%", NumberValue(-0.05), "", "", "-5%"},
		{"percent precision", f(Percent, func(f *Field) { f.Precision = iptr(1) }), "33.333%", NumberValue(0.333), "", "", "33.3%"},
		{"percent max", f(Percent, func(f *Field) { f.Max = ptr(1) }), "150%", NumberValue(1.5), "", RuleMax, ""},
		{"percent junk", f(Percent), "x%", Value{}, RuleType, "", ""},
		{"date", f(Date), "2026-03-01", DateValue(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), "", "", ""},
		{"date bad", f(Date), "2026-02-30", Value{}, RuleType, "", ""},
		{"datetime utc", f(DateTime), "2026-03-01T09:30:00Z", DateTimeValue(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)), "", "", ""},
		{"datetime offset", f(DateTime), "2026-03-01T10:30:00+01:00", DateTimeValue(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)), "", "", "2026-03-01T09:30:00Z"},
		{"datetime short", f(DateTime), "2026-03-01 09:30", DateTimeValue(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)), "", "", "2026-03-01T09:30:00Z"},
		{"datetime bad", f(DateTime), "tomorrow", Value{}, RuleType, "", ""},
		{"checkbox", f(Checkbox), "yes", BoolValue(true), "", "", "true"},
		{"choice", f(Choice), "green", ChoiceValue("Green"), "", "", "Green"},
		{"choice unknown", f(Choice), "Pink", Value{}, RuleChoice, "", ""},
		{"multichoice", f(MultiChoice), "blue; Red;red", MultiChoiceValue("Blue", "Red"), "", "", "Blue; Red"},
		{"multichoice unknown", f(MultiChoice), "Red; Pink", Value{}, RuleChoice, "", ""},
		{"person email", f(Person), "ada@example.org", PersonValue(PersonParts{Email: "ada@example.org"}), "", "", ""},
		{"person member", f(Person), "member:ABCD-EFGH", PersonValue(PersonParts{ID: "member:ABCD-EFGH"}), "", "", ""},
		{"person full", f(Person), "user:7;#ada@example.org;#Ada Lovelace", PersonValue(PersonParts{ID: "user:7", Email: "ada@example.org", Name: "Ada Lovelace"}), "", "", ""},
		{"person name only", f(Person), "Ada", Value{}, RuleType, "", ""},
		{"person bad scheme", f(Person), "group:7;#;#X", Value{}, RuleType, "", ""},
		{"lookup", f(Lookup), rec.String(), LookupValue(rec), "", "", ""},
		{"lookup bad", f(Lookup), "record 7", Value{}, RuleType, "", ""},
		{"url", f(URL), "https://example.org/a?b=c", TextValue("https://example.org/a?b=c"), "", "", ""},
		{"url mailto", f(URL), "mailto:ada@example.org", TextValue("mailto:ada@example.org"), "", "", ""},
		{"url relative", f(URL), "/a/b", TextValue("/a/b"), "", RuleType, ""},
		{"url scheme", f(URL), "javascript:alert(1)", TextValue("javascript:alert(1)"), "", RuleType, ""},
		{"email", f(Email), "ada@example.org", TextValue("ada@example.org"), "", "", ""},
		{"email no domain dot", f(Email), "ada@example", TextValue("ada@example"), "", RuleType, ""},
		{"email two at", f(Email), "a@b@c.org", TextValue("a@b@c.org"), "", RuleType, ""},
		{"phone", f(Phone), "+1 (555) 010-0199", TextValue("+1 (555) 010-0199"), "", "", ""},
		{"phone letters", f(Phone), "call me", TextValue("call me"), "", RuleType, ""},
		{"phone plus inside", f(Phone), "12+34", TextValue("12+34"), "", RuleType, ""},
		{"autonumber", f(AutoNumber), "7", Value{}, RuleComputed, "", ""},
		{"createdat", f(CreatedAt), "2026-01-01T00:00:00Z", Value{}, RuleComputed, "", ""},
		{"createdby empty", f(CreatedBy), "", Value{}, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fl := tc.field
			if err := fl.Check(); err != nil {
				t.Fatalf("field design: %v", err)
			}
			got, err := ParseValue(&fl, tc.in)
			if tc.parseRule != "" {
				assertRule(t, err, fl.Name, tc.parseRule)
				return
			}
			if err != nil {
				t.Fatalf("ParseValue(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("ParseValue(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			err = fl.Validate(got)
			if tc.validRule != "" {
				assertRule(t, err, fl.Name, tc.validRule)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			want := tc.format
			if want == "" {
				want = tc.in
			}
			if s := fl.Format(got); s != want {
				t.Errorf("Format = %q, want %q", s, want)
			}
			for _, s := range []string{fl.Format(got), got.String()} {
				if back, err := ParseValue(&fl, s); err != nil || !back.Equal(got) {
					t.Errorf("ParseValue(%q) = %#v, %v; want %#v", s, back, err, got)
				}
			}
			if back, err := DecodeValue(got.AppendBinary(nil)); err != nil || !back.Equal(got) {
				t.Errorf("binary round trip: %#v, %v", back, err)
			}
			if back, err := ValueFromJSON(&fl, jsonRoundTrip(t, got.JSON())); err != nil || !back.Equal(got) {
				t.Errorf("JSON round trip of %v: %#v, %v", got.JSON(), back, err)
			}
		})
	}
}

func TestComputedValues(t *testing.T) {
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ada := PersonValue(PersonParts{ID: "member:ADA", Name: "Ada"})
	meta := RecordMeta{Number: 7, Created: created, Modified: created.Add(time.Hour), CreatedBy: ada, ModifiedBy: ada}
	tool := &Tool{ID: testID("t"), Name: "T", Fields: []Field{
		{ID: testID("n"), Name: "No", Type: AutoNumber}, {ID: testID("c"), Name: "Created", Type: CreatedAt},
		{ID: testID("m"), Name: "Modified", Type: ModifiedAt}, {ID: testID("cb"), Name: "By", Type: CreatedBy},
		{ID: testID("mb"), Name: "Last by", Type: ModifiedBy}, {ID: testID("x"), Name: "X", Type: Text},
	}}
	vals := tool.WithComputed(map[uuid.UUID]Value{testID("x"): TextValue("x")}, meta)
	want := map[string]Value{"No": NumberValue(7), "Created": DateTimeValue(created), "Modified": DateTimeValue(created.Add(time.Hour)),
		"By": ada, "Last by": ada, "X": TextValue("x")}
	for name, w := range want {
		f, _ := tool.FieldByName(name)
		if !vals[f.ID].Equal(w) {
			t.Errorf("%s = %v, want %v", name, vals[f.ID], w)
		}
	}
	// Computed values are never entered.
	if err := tool.ValidateRecord(map[uuid.UUID]Value{testID("n"): NumberValue(7)}); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), RuleComputed) {
		t.Errorf("stored value for a computed field: %v", err)
	}
}

func TestFieldCheckProperties(t *testing.T) {
	base := func(typ FieldType) Field {
		f := Field{ID: testID("f"), Name: "F", Type: typ}
		if typ.HasChoices() {
			f.Choices = []string{"A", "B"}
		}
		if typ == Lookup {
			f.LookupTool = testID("other")
		}
		return f
	}
	tests := []struct {
		name string
		f    Field
		msg  string // "" means valid
	}{
		{"precision on number", func() Field { f := base(Number); f.Precision = iptr(2); return f }(), ""},
		{"precision on text", func() Field { f := base(Text); f.Precision = iptr(2); return f }(), "precision: only number"},
		{"precision too large", func() Field { f := base(Percent); f.Precision = iptr(11); return f }(), "outside 0..10"},
		{"currency code", func() Field { f := base(Currency); f.Currency = "CHF"; return f }(), ""},
		{"currency lower case", func() Field { f := base(Currency); f.Currency = "chf"; return f }(), "three upper-case letters"},
		{"currency on number", func() Field { f := base(Number); f.Currency = "CHF"; return f }(), "currency"},
		{"lookup without tool", Field{ID: testID("f"), Name: "F", Type: Lookup}, "needs a tool"},
		{"tool on text", func() Field { f := base(Text); f.LookupTool = testID("x"); return f }(), "needs a tool"},
		{"display on text", func() Field { f := base(Text); f.LookupDisplay = testID("x"); return f }(), "display field"},
		{"default ok", func() Field { f := base(Choice); f.Default = ChoiceValue("B"); return f }(), ""},
		{"default not a choice", func() Field { f := base(Choice); f.Default = ChoiceValue("C"); return f }(), "default: choice"},
		{"default wrong kind", func() Field { f := base(Number); f.Default = TextValue("1"); return f }(), "default: type"},
		{"default on person", func() Field { f := base(Person); f.Default = PersonValue(PersonParts{Email: "a@b.c"}); return f }(), "have no default"},
		{"default on computed", func() Field { f := base(CreatedAt); f.Default = NumberValue(1); return f }(), "have no default"},
		{"hidden required", func() Field { f := base(Text); f.Hidden, f.Required = true, true; return f }(), "needs a default"},
		{"hidden required default", func() Field {
			f := base(Text)
			f.Hidden, f.Required, f.Default = true, true, TextValue("x")
			return f
		}(), ""},
		{"unique text", func() Field { f := base(Email); f.Unique = true; return f }(), ""},
		{"unique longtext", func() Field { f := base(LongText); f.Unique = true; return f }(), "unique: not available"},
		{"unique computed", func() Field { f := base(AutoNumber); f.Unique = true; return f }(), "unique: not available"},
		{"required computed", func() Field { f := base(CreatedBy); f.Required = true; return f }(), "cannot be required"},
		{"description", func() Field { f := base(Text); f.Description = "Line one\nline two"; return f }(), ""},
		{"description control", func() Field { f := base(Text); f.Description = "bell\a"; return f }(), "control characters"},
		{"description long", func() Field { f := base(Text); f.Description = strings.Repeat("x", MaxDescriptionRunes+1); return f }(), "longer than"},
		{"multichoice semicolon", func() Field { f := base(MultiChoice); f.Choices = []string{"a;b"}; return f }(), "must not contain ';'"},
		{"choice semicolon", func() Field { f := base(Choice); f.Choices = []string{"a;b"}; return f }(), ""},
		{"bounds on currency", func() Field { f := base(Currency); f.Min = ptr(0); return f }(), ""},
		{"pattern on email", func() Field { f := base(Email); f.Pattern = ".*@example[.]org"; return f }(), ""},
		{"maxLength over email cap", func() Field { f := base(Email); f.MaxLength = 300; return f }(), "outside 0..254"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Check()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				if back, err := DecodeField(tt.f.AppendBinary(nil)); err != nil || back.Default.Compare(tt.f.Default) != 0 {
					t.Fatalf("binary round trip: %+v, %v", back, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidDesign) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Check = %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestFieldTypesList(t *testing.T) {
	types := FieldTypes()
	if len(types) != 20 {
		t.Fatalf("%d field types", len(types))
	}
	codes := map[byte]bool{}
	for _, ft := range types {
		if !ft.Valid() || ft.Label() == "" || codes[typeByName[ft].code] {
			t.Errorf("type %q: invalid, unlabelled or duplicate code", ft)
		}
		codes[typeByName[ft].code] = true
	}
	if FieldType("money").Valid() || FieldType("money").Label() != "money" {
		t.Error("unknown type accepted")
	}
}
