package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseValue parses the command-line text form of a value of field f (the
// VALUE of "FIELD=VALUE"); it is the inverse of [Value.String].
//
//   - "" gives the empty Value; for types other than text, surrounding
//     space is trimmed first.
//   - text and longtext: s as is; it must be valid UTF-8.
//   - number: a decimal or hexadecimal float (strconv.ParseFloat); NaN,
//     infinities and out-of-range numbers are rejected.
//   - date: YYYY-MM-DD between 0001-01-01 and 9999-12-31.
//   - checkbox: true/false, yes/no, 1/0 in any case.
//   - choice: one of f.Choices compared case-insensitively; the result holds
//     the canonical spelling from f.Choices.
//
// Errors are *RuleError (rule "type" or "choice"). ParseValue does not apply
// the other rules; call [Field.Validate] for those.
func ParseValue(f *Field, s string) (Value, error) {
	if f == nil {
		return Value{}, fmt.Errorf("parse value: %w: nil field", ErrInvalidDesign)
	}
	if !f.Type.isText() {
		s = strings.TrimSpace(s)
	}
	if s == "" {
		return Value{}, nil
	}
	switch f.Type {
	case Text, LongText:
		if !utf8.ValidString(s) {
			return Value{}, f.ruleError(RuleType, "text is not valid UTF-8")
		}
		return TextValue(s), nil
	case Number:
		return f.parseNumber(s)
	case Date:
		return f.parseDate(s)
	case Checkbox:
		return f.parseCheckbox(s)
	case Choice:
		return f.parseChoice(s)
	}
	return Value{}, fmt.Errorf("parse value: %w: field %q: unknown type %q", ErrInvalidDesign, f.Name, f.Type)
}

// parseNumber parses a finite float64.
func (f *Field) parseNumber(s string) (Value, error) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(n) {
		return Value{}, f.ruleError(RuleType, "%s is not a number", quote(s))
	}
	return NumberValue(n), nil
}

// parseDate parses YYYY-MM-DD within the valid date range.
func (f *Field) parseDate(s string) (Value, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Value{}, f.ruleError(RuleType, "%s is not a date of the form YYYY-MM-DD", quote(s))
	}
	v := DateValue(t)
	if int64(v.date) < minDateDays {
		return Value{}, f.ruleError(RuleType, "date %s is outside 0001-01-01..9999-12-31", quote(s))
	}
	return v, nil
}

// parseCheckbox parses true/false, yes/no and 1/0, case-insensitively.
func (f *Field) parseCheckbox(s string) (Value, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "1":
		return BoolValue(true), nil
	case "false", "no", "0":
		return BoolValue(false), nil
	}
	return Value{}, f.ruleError(RuleType, "%s is not one of true/false, yes/no, 1/0", quote(s))
}

// parseChoice returns the choice of f equal to s case-insensitively.
func (f *Field) parseChoice(s string) (Value, error) {
	for _, c := range f.Choices {
		if strings.EqualFold(c, s) {
			return ChoiceValue(c), nil
		}
	}
	return Value{}, f.ruleError(RuleChoice, "%s is not one of %s", quote(s), listChoices(f.Choices))
}
