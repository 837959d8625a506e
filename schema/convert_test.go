package schema

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestConvertValue(t *testing.T) {
	to := func(typ FieldType, mod ...func(*Field)) *Field {
		f := &Field{ID: testID("to"), Name: "To", Type: typ}
		if typ.HasChoices() {
			f.Choices = []string{"Open", "Done", "Waiting"}
		}
		if typ == Lookup {
			f.LookupTool = testID("other")
		}
		for _, m := range mod {
			m(f)
		}
		return f
	}
	day := DateValue(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	noon := DateTimeValue(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	rec := uuid.MustParse("01900000-0000-7000-8000-000000000001")
	tests := []struct {
		name string
		v    Value
		to   *Field
		want Value
		rule string // "" means it converts
	}{
		{"empty stays empty", Value{}, to(Number), Value{}, ""},
		{"text to number", TextValue(" 42 "), to(Number), NumberValue(42), ""},
		{"text to number fails", TextValue("forty-two"), to(Number), Value{}, RuleConvert},
		{"text to number breaks max", TextValue("42"), to(Number, func(f *Field) { f.Max = ptr(10) }), Value{}, RuleMax},
		{"text to percent", TextValue("12.5%"), to(Percent), NumberValue(0.125), ""},
		{"text to currency", TextValue("$1,200.50"), to(Currency), NumberValue(1200.5), ""},
		{"number to text", NumberValue(1.5), to(Text), TextValue("1.5"), ""},
		{"number to currency rounds", NumberValue(1.005), to(Currency), NumberValue(1.01), ""},
		{"number to precision 0", NumberValue(2.5), to(Number, func(f *Field) { f.Precision = iptr(0) }), NumberValue(3), ""},
		{"number to checkbox 1", NumberValue(1), to(Checkbox), BoolValue(true), ""},
		{"number to checkbox 2 fails", NumberValue(2), to(Checkbox), Value{}, RuleConvert},
		{"number to date fails", NumberValue(2), to(Date), Value{}, RuleConvert},
		{"checkbox to number", BoolValue(true), to(Number), NumberValue(1), ""},
		{"checkbox to text", BoolValue(false), to(Text), TextValue("false"), ""},
		{"text to checkbox", TextValue("Yes"), to(Checkbox), BoolValue(true), ""},
		{"text to checkbox fails", TextValue("maybe"), to(Checkbox), Value{}, RuleConvert},
		{"date to datetime", day, to(DateTime), DateTimeValue(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), ""},
		{"datetime to date", noon, to(Date), day, ""},
		{"text to date", TextValue("2026-03-01"), to(Date), day, ""},
		{"text datetime to date", TextValue("2026-03-01T12:00:00Z"), to(Date), day, ""},
		{"text date to datetime", TextValue("2026-03-01"), to(DateTime), DateTimeValue(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), ""},
		{"date to text", day, to(Text), TextValue("2026-03-01"), ""},
		{"text to choice", TextValue("done"), to(Choice), ChoiceValue("Done"), ""},
		{"text to choice fails", TextValue("Later"), to(Choice), Value{}, RuleChoice},
		{"choice kept", ChoiceValue("Open"), to(Choice), ChoiceValue("Open"), ""},
		{"choice removed", ChoiceValue("Blocked"), to(Choice), Value{}, RuleChoice},
		{"choice case renamed", ChoiceValue("open"), to(Choice), ChoiceValue("Open"), ""},
		{"choice to multichoice", ChoiceValue("Open"), to(MultiChoice), MultiChoiceValue("Open"), ""},
		{"text to multichoice", TextValue("open; waiting"), to(MultiChoice), MultiChoiceValue("Open", "Waiting"), ""},
		{"multichoice one to choice", MultiChoiceValue("Done"), to(Choice), ChoiceValue("Done"), ""},
		{"multichoice two to choice fails", MultiChoiceValue("Done", "Open"), to(Choice), Value{}, RuleConvert},
		{"multichoice to text", MultiChoiceValue("Done", "Open"), to(Text), TextValue("Done; Open"), ""},
		{"multichoice loses item", MultiChoiceValue("Done", "Gone"), to(MultiChoice), Value{}, RuleChoice},
		{"longtext to text fails", TextValue("a\nb"), to(Text), Value{}, RuleType},
		{"text too long", TextValue("abcdef"), to(Text, func(f *Field) { f.MaxLength = 3 }), Value{}, RuleMaxLength},
		{"text to email", TextValue("ada@example.org"), to(Email), TextValue("ada@example.org"), ""},
		{"text to email fails", TextValue("Ada"), to(Email), Value{}, RuleType},
		{"text to person", TextValue("ada@example.org"), to(Person), PersonValue(PersonParts{Email: "ada@example.org"}), ""},
		{"person to text", PersonValue(PersonParts{ID: "user:7", Name: "Ada"}), to(Text), TextValue("user:7;#;#Ada"), ""},
		{"text to lookup", TextValue(rec.String()), to(Lookup), LookupValue(rec), ""},
		{"number to lookup fails", NumberValue(7), to(Lookup), Value{}, RuleConvert},
		{"anything to computed", TextValue("x"), to(CreatedAt), Value{}, ""},
		{"number to choice", NumberValue(3), to(Choice, func(f *Field) { f.Choices = []string{"1", "2", "3"} }), ChoiceValue("3"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.to.Check(); err != nil {
				t.Fatalf("target design: %v", err)
			}
			got, err := ConvertValue(tt.v, tt.to)
			if tt.rule != "" {
				assertRule(t, err, "To", tt.rule)
				return
			}
			if err != nil {
				t.Fatalf("ConvertValue: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("ConvertValue(%#v) = %#v, want %#v", tt.v, got, tt.want)
			}
		})
	}
}
