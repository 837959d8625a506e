package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestToolCheck(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Tool)
		msg    string // substring of the error; "" means valid
	}{
		{"valid", func(*Tool) {}, ""},
		{"no fields", func(t *Tool) { t.Fields = nil }, ""},
		{"missing tool id", func(t *Tool) { t.ID = uuid.Nil }, "missing id"},
		{"empty tool name", func(t *Tool) { t.Name = "" }, "name: must not be empty"},
		{"untrimmed tool name", func(t *Tool) { t.Name = " People" }, "start or end with space"},
		{"long tool name", func(t *Tool) { t.Name = strings.Repeat("é", MaxNameRunes+1) }, "longer than 100"},
		{"tool name 100 runes", func(t *Tool) { t.Name = strings.Repeat("é", MaxNameRunes) }, ""},
		{"control char", func(t *Tool) { t.Fields[0].Name = "Na\tme" }, "control characters"},
		{"invalid utf8 name", func(t *Tool) { t.Fields[0].Name = "N\xff" }, "UTF-8"},
		{"equals in field name", func(t *Tool) { t.Fields[0].Name = "a=b" }, "'='"},
		{"too many fields", func(t *Tool) {
			t.Fields = make([]Field, MaxFields+1)
		}, "more than 500"},
		{"missing field id", func(t *Tool) { t.Fields[1].ID = uuid.Nil }, "missing id"},
		{"duplicate id", func(t *Tool) { t.Fields[1].ID = t.Fields[0].ID }, "duplicate id"},
		{"duplicate name", func(t *Tool) { t.Fields[1].Name = "NAME" }, `field "NAME": duplicate name`},
		{"duplicate name fold", func(t *Tool) { t.Fields[0].Name = "K"; t.Fields[1].Name = "\u212a" }, "duplicate name"},
		{"unknown type", func(t *Tool) { t.Fields[0].Type = "money" }, `unknown type "money"`},
		{"empty type", func(t *Tool) { t.Fields[0].Type = "" }, `unknown type ""`},
		{"bad pattern", func(t *Tool) { t.Fields[1].Pattern = "[a-" }, "pattern: error parsing regexp"},
		{"long pattern", func(t *Tool) { t.Fields[1].Pattern = strings.Repeat("a", MaxPatternBytes+1) }, "pattern: longer"},
		{"pattern on number", func(t *Tool) { t.Fields[3].Pattern = "[0-9]+" }, "only text fields (text, longtext, url, email, phone) have a pattern"},
		{"choice without choices", func(t *Tool) { t.Fields[6].Choices = nil }, "needs at least one choice"},
		{"empty choice", func(t *Tool) { t.Fields[6].Choices = []string{"A", ""} }, `choice "": must not be empty`},
		{"duplicate choice", func(t *Tool) { t.Fields[6].Choices = []string{"A", "a"} }, `choice "a": duplicate`},
		{"too many choices", func(t *Tool) { t.Fields[6].Choices = make([]string, MaxChoices+1) }, "more than 1000"},
		{"choices on text", func(t *Tool) { t.Fields[0].Choices = []string{"A"} }, "only choice and multichoice fields have choices"},
		{"min > max", func(t *Tool) { t.Fields[3].Min, t.Fields[3].Max = ptr(10), ptr(1) }, "min 10 is greater than max 1"},
		{"min == max", func(t *Tool) { t.Fields[3].Min, t.Fields[3].Max = ptr(1), ptr(1) }, ""},
		{"NaN min", func(t *Tool) { t.Fields[3].Min = ptr(nan()) }, "min: must be a finite number"},
		{"min on text", func(t *Tool) { t.Fields[0].Min = ptr(1) }, "only number fields (number, currency, percent) have bounds"},
		{"negative maxLength", func(t *Tool) { t.Fields[0].MaxLength = -1 }, "maxLength: -1 is outside 0..10000"},
		{"text maxLength over cap", func(t *Tool) { t.Fields[0].MaxLength = DefaultMaxLength + 1 }, "outside 0..10000"},
		{"longtext maxLength at cap", func(t *Tool) { t.Fields[2].MaxLength = DefaultLongTextMaxLength }, ""},
		{"maxLength on date", func(t *Tool) { t.Fields[4].MaxLength = 3 }, "only text fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool := testTool(t)
			tt.modify(tool)
			err := tool.Check()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidDesign) {
				t.Fatalf("Check = %v, want an ErrInvalidDesign", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Check = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
	var nilTool *Tool
	if err := nilTool.Check(); !errors.Is(err, ErrInvalidDesign) {
		t.Errorf("nil tool: %v", err)
	}
}

func TestCheckReportsAllProblems(t *testing.T) {
	tool := testTool(t)
	tool.Name = ""
	tool.Fields[0].Type = "money"
	tool.Fields[1].Pattern = "("
	err := tool.Check()
	for _, want := range []string{"tool \"\": name", "unknown type", "pattern"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check = %v, missing %q", err, want)
		}
	}
}

func TestFieldLookup(t *testing.T) {
	tool := testTool(t)
	f, ok := tool.FieldByName("EMAIL")
	if !ok || f.Name != "email" {
		t.Fatalf("FieldByName(EMAIL) = %v, %v", f, ok)
	}
	if _, ok := tool.FieldByName("mail"); ok {
		t.Error("FieldByName(mail) found a field")
	}
	g, ok := tool.FieldByID(f.ID)
	if !ok || g != f {
		t.Errorf("FieldByID = %p, want %p (aliasing tool.Fields)", g, f)
	}
	if _, ok := tool.FieldByID(uuid.Nil); ok {
		t.Error("FieldByID(Nil) found a field")
	}
	if got := (&Field{Type: Number, MaxLength: 3}).MaxRunes(); got != 0 {
		t.Errorf("MaxRunes of number = %d", got)
	}
}
