package schema

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestParseExprCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a = 1`, `a = 1`},
		{`A=1`, `A = 1`},
		{`NOT a OR b AND c`, `not a or b and c`},
		{`(a or b) or c`, `a or b or c`},
		{`a or (b or c)`, `a or b or c`},
		{`(a or b) and c`, `(a or b) and c`},
		{`not (a and b)`, `not (a and b)`},
		{`not not a`, `not not a`},
		{`((((a))))`, `a`},
		{`(a = b) = true`, `(a = b) = true`},
		{`{Due date} >= date("2026-01-01")`, `{Due date} >= date("2026-01-01")`},
		{`{and} = {x}`, `{and} = x`},
		{`{a\}b} = {\#c}`, `{a\}b} = {\#c}`},
		{`x = "q\"\\\n\t"`, `x = "q\"\\\n\t"`},
		{`n > -3.5e2`, `n > -350`},
		{`n = - 0`, `n = 0`},
		{`LEN(Name) <= 10`, `len(Name) <= 10`},
		{`contains( Tags , "x" )`, `contains(Tags, "x")`},
		{`today() > Due`, `today() > Due`},
		{`Ümlaut_1 != "ß"`, `Ümlaut_1 != "ß"`},
		{`{#5c1f0b0e-6a43-4f1e-9d55-0f6b3c1a7e21} = 1`, `{#5c1f0b0e-6a43-4f1e-9d55-0f6b3c1a7e21} = 1`},
		{"a\n=\t1", `a = 1`},
	}
	for _, tt := range tests {
		e, err := ParseExpr(tt.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("ParseExpr(%q) = %q, want %q", tt.in, got, tt.want)
		}
		again, err := ParseExpr(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("reparse of %q: %v, %v", e.String(), again, err)
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{``, "expected a value"},
		{`a =`, "expected a value"},
		{`a < b < c`, "do not chain"},
		{`(a = 1`, "expected )"},
		{`a = 1)`, `unexpected ")"`},
		{`and = 1`, "must be written {and}"},
		{`a = "x`, "unterminated string"},
		{`a = "\q"`, "unknown escape"},
		{"a = \"\x01\"", "control character"},
		{`{a = 1`, "unterminated"},
		{`{} = 1`, "empty {field name}"},
		{`{#nope} = 1`, "needs a field ID"},
		{`frob(a)`, "unknown function frob()"},
		{`len(a, b)`, "takes 1 arguments"},
		{`contains(a)`, "takes 2 arguments"},
		{`a ! b`, "!="},
		{`a = 1e999`, "out of range"},
		{`a = .`, "malformed number"},
		{`a = -b`, "followed by a number"},
		{`a @ b`, "unexpected character"},
		{"a = \xff", "UTF-8"},
		{strings.Repeat("(", MaxExprDepth+1) + "a" + strings.Repeat(")", MaxExprDepth+1), "nested more than"},
		{strings.Repeat("not ", MaxExprDepth+1) + "a", "nested more than"},
		{strings.Repeat("a=1 or ", 280) + "a", "more than 500 terms"},
		{strings.Repeat("x", MaxExprBytes+1), "longer than"},
	}
	for _, tt := range tests {
		_, err := ParseExpr(tt.in)
		if !errors.Is(err, ErrInvalidDesign) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseExpr(%.40q) = %v, want an ErrInvalidDesign containing %q", tt.in, err, tt.msg)
		}
	}
}

// exprTool has one field of each expression type.
func exprTool(t testing.TB) *Tool {
	t.Helper()
	tool := &Tool{ID: testID("et"), Name: "Events", Fields: []Field{
		{ID: testID("title"), Name: "Title", Type: Text},
		{ID: testID("start"), Name: "Start", Type: Date},
		{ID: testID("end"), Name: "End", Type: Date},
		{ID: testID("at"), Name: "At", Type: DateTime},
		{ID: testID("seats"), Name: "Seats", Type: Number},
		{ID: testID("status"), Name: "Status", Type: Choice, Choices: []string{"Open", "Done"}},
		{ID: testID("tags"), Name: "Tags", Type: MultiChoice, Choices: []string{"Red", "Blue"}},
		{ID: testID("who"), Name: "Who", Type: Person},
		{ID: testID("paid"), Name: "Paid", Type: Checkbox},
		{ID: testID("ref"), Name: "Ref", Type: Lookup, LookupTool: testID("et")},
		{ID: testID("created"), Name: "Created", Type: CreatedAt},
		{ID: testID("due date"), Name: "Due date", Type: Date},
	}}
	if err := tool.Check(); err != nil {
		t.Fatal(err)
	}
	return tool
}

func TestCompileExprErrors(t *testing.T) {
	tool := exprTool(t)
	tests := []struct{ in, msg string }{
		{`Nope = 1`, `no field named "Nope"`},
		{`{#5c1f0b0e-6a43-4f1e-9d55-0f6b3c1a7e21} = 1`, "is not in tool"},
		{`Seats`, "gives a number, not true/false"},
		{`Start < 5`, "cannot compare date < number"},
		{`Title > Seats`, "cannot compare text > number"},
		{`Tags < "Red"`, "cannot compare multiple choice < text"},
		{`Who < "x"`, "cannot compare person < text"},
		{`Status = "Dne"`, `"Dne" is not a choice of "Status"`},
		{`contains(Tags, "Green")`, `"Green" is not a choice of "Tags"`},
		{`Start > "yesterday"`, "not a valid date"},
		{`date(Title) = Start`, "takes a string literal"},
		{`len(Seats) = 1`, "len() takes text or multiple choice"},
		{`days(Title, Start) > 1`, "two dates"},
		{`Seats and Paid`, "and needs true/false operands"},
		{`not Title`, "not needs true/false operands"},
	}
	for _, tt := range tests {
		_, err := tool.CompileExpr(tt.in)
		if !errors.Is(err, ErrInvalidDesign) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("CompileExpr(%q) = %v, want %q", tt.in, err, tt.msg)
		}
	}
}

func TestEvalExpr(t *testing.T) {
	tool := exprTool(t)
	d := func(s string) Value { v, _ := ParseValue(&Field{Type: Date}, s); return v }
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	rec := map[string]Value{
		"Title": TextValue("Board meeting"), "Start": d("2026-03-01"), "End": d("2026-03-03"),
		"At": DateTimeValue(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)), "Seats": NumberValue(12),
		"Status": ChoiceValue("Open"), "Tags": MultiChoiceValue("Red", "Blue"),
		"Who": PersonValue(PersonParts{ID: "user:7", Email: "ada@example.org", Name: "Ada"}), "Paid": BoolValue(true),
		"Created": DateTimeValue(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)),
	}
	get := func(id uuid.UUID) Value {
		f, _ := tool.FieldByID(id)
		return rec[f.Name]
	}
	tests := []struct {
		in   string
		want bool
	}{
		{`End >= Start`, true},
		{`End < Start`, false},
		{`empty({Due date})`, true},
		{`{Due date} > Start`, false},      // empty: ordering is false
		{`not ({Due date} > Start)`, true}, // …so its negation is true
		{`{Due date} != Start`, true},      // empty != value
		{`empty({Due date}) or {Due date} >= Start`, true},
		{`Start = "2026-03-01"`, true},
		{`Start = date("2026-03-01")`, true},
		{`At > Start`, true}, // date promoted to midnight
		{`At < date("2026-03-01")`, false},
		{`Seats >= 12 and Seats < 12.5`, true},
		{`Status = "open"`, true}, // case-insensitive
		{`Status != "Done"`, true},
		{`Title = "board MEETING"`, true},
		{`Title < "C"`, true},
		{`len(Title) = 13`, true},
		{`len(Tags) = 2`, true},
		{`contains(Tags, "red")`, true},
		{`contains(Title, "MEET")`, true},
		{`lower(Title) = "board meeting"`, true},
		{`upper(Title) = "BOARD MEETING"`, true},
		{`Who = "Ada"`, true},
		{`Who = "ada@example.org"`, true},
		{`Who = "user:7"`, true},
		{`Who = "Bob"`, false},
		{`Paid`, true},
		{`Paid = false`, false},
		{`not Paid or Seats > 100`, false},
		{`days(Start, End) = 2`, true},
		{`days(Start, today()) = 9`, true},
		{`Start < today()`, true},
		{`Created < now()`, true},
		{`days(Created, now()) > 30`, true},
	}
	for _, tt := range tests {
		p, err := tool.CompileExpr(tt.in)
		if err != nil {
			t.Errorf("CompileExpr(%q): %v", tt.in, err)
			continue
		}
		if got := p.Eval(get, now); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRulesAndCanonicalExpr(t *testing.T) {
	tool := exprTool(t)
	tool.Rules = []Rule{{ID: testID("r1"), Name: "End after start", Expr: "empty(End) or End >= Start", Message: "The end is before the start."}}
	if err := tool.Check(); err != nil {
		t.Fatal(err)
	}
	if err := tool.Canonicalize(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tool.Rules[0].Expr, "{#") || strings.Contains(tool.Rules[0].Expr, "End") {
		t.Fatalf("canonical form %q still uses names", tool.Rules[0].Expr)
	}
	// Renaming a field keeps the rule working, and it reads with the new name.
	end, _ := tool.FieldByName("End")
	end.Name = "Finish"
	if s, _ := tool.FormatExpr(tool.Rules[0].Expr); s != "empty(Finish) or Finish >= Start" {
		t.Errorf("formatted rule %q", s)
	}
	d := func(s string) Value { v, _ := ParseValue(&Field{Type: Date}, s); return v }
	bad := map[uuid.UUID]Value{testID("start"): d("2026-03-02"), testID("end"): d("2026-03-01")}
	err := tool.ValidateRecord(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Rule != RuleTool || ve.Errors[0].Field != "End after start" ||
		ve.Errors[0].Msg != "The end is before the start." {
		t.Fatalf("rule violation: %v", err)
	}
	if err := tool.ValidateRecord(map[uuid.UUID]Value{testID("start"): d("2026-03-02")}); err != nil {
		t.Fatalf("guarded empty end: %v", err)
	}
	// Rules are deterministic: no today(), no computed fields.
	for expr, msg := range map[string]string{"Start < today()": "cannot use today()", "Created > Start": "computed field"} {
		tool.Rules = []Rule{{ID: testID("r2"), Name: "R", Expr: expr}}
		if err := tool.Check(); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("rule %q: %v, want %q", expr, err, msg)
		}
	}
}
