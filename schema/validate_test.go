package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		name    string
		field   string
		in      string
		want    Value
		errRule string // "" means no error
	}{
		{"text as is", "Name", " Bob ", TextValue(" Bob "), ""},
		{"text empty", "Name", "", Value{}, ""},
		{"text invalid utf8", "Name", "a\xff", Value{}, RuleType},
		{"longtext newline", "Notes", "a\nb", TextValue("a\nb"), ""},
		{"number int", "Age", "42", NumberValue(42), ""},
		{"number trimmed", "Age", "  -1.5 ", NumberValue(-1.5), ""},
		{"number exponent", "Age", "1e3", NumberValue(1000), ""},
		{"number blank", "Age", "   ", Value{}, ""},
		{"number junk", "Age", "12abc", Value{}, RuleType},
		{"number NaN", "Age", "NaN", Value{}, RuleType},
		{"number Inf", "Age", "+Inf", Value{}, RuleType},
		{"number overflow", "Age", "1e400", Value{}, RuleType},
		{"date", "Born", "1990-05-17", DateDays(7441), ""},
		{"date leap day", "Born", "2024-02-29", DateDays(19782), ""},
		{"date not leap", "Born", "2023-02-29", Value{}, RuleType},
		{"date wrong layout", "Born", "17/05/1990", Value{}, RuleType},
		{"date short month", "Born", "1990-5-17", Value{}, RuleType},
		{"date year zero", "Born", "0000-01-01", Value{}, RuleType},
		{"checkbox true", "VIP", "TRUE", BoolValue(true), ""},
		{"checkbox yes", "VIP", "yes", BoolValue(true), ""},
		{"checkbox 1", "VIP", "1", BoolValue(true), ""},
		{"checkbox false", "VIP", "False", BoolValue(false), ""},
		{"checkbox no", "VIP", "NO", BoolValue(false), ""},
		{"checkbox 0", "VIP", "0", BoolValue(false), ""},
		{"checkbox junk", "VIP", "maybe", Value{}, RuleType},
		{"choice canonical", "Tag", "Customer", ChoiceValue("Customer"), ""},
		{"choice case-insensitive", "Tag", "sUPPLIER", ChoiceValue("Supplier"), ""},
		{"choice unicode fold", "Tag", "STRASSE", Value{}, RuleChoice},
		{"choice unicode case", "Tag", "straße", ChoiceValue("Straße"), ""},
		{"choice unknown", "Tag", "Partner", Value{}, RuleChoice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := field(t, tt.field)
			got, err := ParseValue(f, tt.in)
			if tt.errRule != "" {
				assertRule(t, err, f.Name, tt.errRule)
				return
			}
			if err != nil {
				t.Fatalf("ParseValue(%q) error: %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("ParseValue(%q) = %v (%s), want %v (%s)", tt.in, got, got.Kind(), tt.want, tt.want.Kind())
			}
			if back, err := ParseValue(f, got.String()); err != nil || !back.Equal(got) {
				t.Errorf("String round trip: %q -> %v, %v", got.String(), back, err)
			}
		})
	}
	if _, err := ParseValue(nil, "x"); !errors.Is(err, ErrInvalidDesign) {
		t.Errorf("nil field: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		field   string
		v       Value
		errRule string
		msg     string // substring of the error message
	}{
		{"required missing", "Name", Value{}, RuleRequired, `field "Name": required: value is required`},
		{"required present", "Name", TextValue("Bob"), "", ""},
		{"optional empty", "Age", Value{}, "", ""},
		{"maxlength runes not bytes", "Name", TextValue("ééééé"), "", ""},
		{"maxlength exceeded", "Name", TextValue("éééééé"), RuleMaxLength, "6 characters, more than the maximum 5"},
		{"default maxlength", "email", TextValue(strings.Repeat("a", DefaultMaxLength) + "@b"), RuleMaxLength, "maximum 10000"},
		{"longtext default cap", "Notes", TextValue(strings.Repeat("x", DefaultMaxLength+1)), "", ""},
		{"longtext over cap", "Notes", TextValue(strings.Repeat("x", DefaultLongTextMaxLength+1)), RuleMaxLength, ""},
		{"text line break", "Name", TextValue("a\nb"), RuleType, "line breaks"},
		{"longtext line break", "Notes", TextValue("a\r\nb"), "", ""},
		{"pattern match", "email", TextValue("bob@y.z"), "", ""},
		{"pattern mismatch", "email", TextValue("bob"), RulePattern, `field "email": pattern: "bob" does not match ^[^@]+@[^@]+$`},
		{"min ok", "Age", NumberValue(0), "", ""},
		{"below min", "Age", NumberValue(-0.5), RuleMin, "-0.5 is less than the minimum 0"},
		{"max ok", "Age", NumberValue(150), "", ""},
		{"above max", "Age", NumberValue(151), RuleMax, "151 is greater than the maximum 150"},
		{"NaN", "Age", NumberValue(nan()), RuleType, "not a finite number"},
		{"date ok", "Born", DateDays(0), "", ""},
		{"date out of range", "Born", DateDays(-800000), RuleType, "outside"},
		{"checkbox false is present", "VIP", BoolValue(false), "", ""},
		{"choice ok", "Tag", ChoiceValue("Supplier"), "", ""},
		{"choice wrong case", "Tag", ChoiceValue("supplier"), RuleChoice, `"supplier" is not one of "Customer", "Supplier", "Straße"`},
		{"choice unknown", "Tag", ChoiceValue("Partner"), RuleChoice, ""},
		{"type text for number", "Age", TextValue("12"), RuleType, "expected number, got text"},
		{"type number for text", "Name", NumberValue(1), RuleType, ""},
		{"type text for choice", "Tag", TextValue("Customer"), RuleType, "expected choice, got text"},
		{"type choice for text", "Notes", ChoiceValue("x"), RuleType, ""},
		{"type bool for date", "Born", BoolValue(true), RuleType, ""},
		{"type date for checkbox", "VIP", DateDays(1), RuleType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := field(t, tt.field)
			err := f.Validate(tt.v)
			if tt.errRule == "" {
				if err != nil {
					t.Fatalf("Validate(%v) = %v, want nil", tt.v, err)
				}
				return
			}
			assertRule(t, err, f.Name, tt.errRule)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestPatternAnchored checks that patterns must match the whole value and
// that the anchoring cannot be escaped by the pattern text.
func TestPatternAnchored(t *testing.T) {
	tests := []struct {
		pattern string
		in      string
		ok      bool
	}{
		{`bob@y\.z`, "bob@y.z", true},
		{`bob@y\.z`, "xbob@y.zx", false},
		{`bob@y\.z`, "xbob@y.z", false},
		{`bob@y\.z`, "bob@y.zx", false},
		{`a|b`, "a", true},
		{`a|b`, "ab", false},
		{`a|ab`, "ab", true},
		{`a)|(b`, "", false}, // does not compile on its own
		{`\Qa.b`, "a.b", true},
		{`\Qa.b`, "axb", false},
		{`(?i)abc`, "ABC", true},
		{`(?m)^a$`, "a\na", false},
		{`(?s)a.*`, "a\nb", true},
		{`[0-9]+`, "12\n", false},
	}
	for _, tt := range tests {
		f := &Field{ID: testID("p"), Name: "P", Type: LongText, Pattern: tt.pattern}
		checkErr := f.Check()
		if tt.pattern == `a)|(b` {
			if !errors.Is(checkErr, ErrInvalidDesign) {
				t.Errorf("pattern %q: Check = %v, want invalid design", tt.pattern, checkErr)
			}
			continue
		}
		if checkErr != nil {
			t.Fatalf("pattern %q: %v", tt.pattern, checkErr)
		}
		err := f.Validate(TextValue(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("pattern %q on %q: err = %v, want ok=%v", tt.pattern, tt.in, err, tt.ok)
		}
	}
}

func TestValidateRecord(t *testing.T) {
	tool := testTool(t)
	id := func(name string) uuid.UUID { f, _ := tool.FieldByName(name); return f.ID }
	valid := map[uuid.UUID]Value{
		id("name"):  TextValue("Ann"),
		id("email"): TextValue("ann@example.com"),
		id("age"):   NumberValue(30),
		id("tag"):   ChoiceValue("Customer"),
		id("notes"): {}, // explicit empty value is the same as absent
	}
	if err := tool.ValidateRecord(valid); err != nil {
		t.Fatalf("valid record: %v", err)
	}

	stray := uuid.MustParse("00000000-0000-4000-8000-000000000001")
	bad := map[uuid.UUID]Value{
		id("email"): TextValue("nope"),
		id("age"):   NumberValue(-3),
		stray:       TextValue("x"),
	}
	err := tool.ValidateRecord(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("ValidateRecord = %v (%T), want *ValidationError", err, err)
	}
	var rules []string
	for _, re := range ve.Errors {
		rules = append(rules, re.Field+"/"+re.Rule)
	}
	want := "Name/required email/pattern Age/min /unknown"
	if got := strings.Join(rules, " "); got != want {
		t.Errorf("errors = %s, want %s", got, want)
	}
	if ve.Errors[3].FieldID != stray {
		t.Errorf("unknown field id = %s", ve.Errors[3].FieldID)
	}
	if !errors.Is(err, ErrInvalidValue) {
		t.Error("errors.Is(err, ErrInvalidValue) = false")
	}
	var re *RuleError
	if !errors.As(err, &re) || re.Rule != RuleRequired {
		t.Errorf("errors.As first RuleError = %v", re)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "4 invalid fields: ") || !strings.Contains(msg, stray.String()) {
		t.Errorf("message = %q", msg)
	}

	single := tool.ValidateRecord(map[uuid.UUID]Value{})
	if single == nil || single.Error() != `field "Name": required: value is required` {
		t.Errorf("single error message = %v", single)
	}
}

func TestValidateRecordBrokenDesign(t *testing.T) {
	tool := &Tool{ID: testID("t"), Name: "T", Fields: []Field{{ID: testID("f"), Name: "F", Type: Text, Pattern: "("}}}
	err := tool.ValidateRecord(map[uuid.UUID]Value{testID("f"): TextValue("x")})
	if !errors.Is(err, ErrInvalidDesign) || errors.Is(err, ErrInvalidValue) {
		t.Errorf("err = %v, want invalid design only", err)
	}
}

// assertRule fails unless err is a *RuleError for field with rule.
func assertRule(t *testing.T, err error, fieldName, rule string) {
	t.Helper()
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want *RuleError", err, err)
	}
	if re.Rule != rule || re.Field != fieldName {
		t.Errorf("RuleError field %q rule %q, want %q %q", re.Field, re.Rule, fieldName, rule)
	}
	if !errors.Is(err, ErrInvalidValue) {
		t.Error("errors.Is(err, ErrInvalidValue) = false")
	}
	if !strings.HasPrefix(err.Error(), `field "`+fieldName+`": `+rule+": ") {
		t.Errorf("message %q does not name the field and rule", err)
	}
}
