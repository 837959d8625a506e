package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ParseValue parses the command-line text form of a value of field f (the
// VALUE of "FIELD=VALUE"); it is the inverse of [Value.String] and of
// [Field.Format].
//
//   - "" gives the empty Value; for types other than text and longtext,
//     surrounding space is trimmed first.
//   - text, longtext, url, email, phone: s as is; it must be valid UTF-8
//     (the url/email/phone shape is a rule: [Field.Validate]).
//   - number: a decimal or hexadecimal float (strconv.ParseFloat); NaN,
//     infinities and out-of-range numbers are rejected. Rounded to the
//     field's Precision.
//   - currency: a number, optionally with thousands separators
//     ("1,234.50") and the field's currency code or one of $ € £ ¥ before
//     or after it. Rounded to the precision (2 by default).
//   - percent: "12.5%" is 0.125; a number without '%' is the stored
//     fraction itself ("0.125"). Rounded to the precision.
//   - date: YYYY-MM-DD between 0001-01-01 and 9999-12-31.
//   - datetime: RFC 3339 with any offset ("2026-03-01T09:30:00+01:00"),
//     or "YYYY-MM-DD HH:MM[:SS]" / "YYYY-MM-DDTHH:MM[:SS]" read as UTC;
//     kept in UTC to the second.
//   - checkbox: true/false, yes/no, 1/0 in any case.
//   - choice: one of f.Choices compared case-insensitively; the result holds
//     the canonical spelling from f.Choices.
//   - multichoice: choices separated by ';', each as for choice; repeats
//     are dropped.
//   - person: "member:ID" or "user:ID", an e-mail address, or the full
//     form "ID;#EMAIL;#NAME" (see [PersonParts.String]).
//   - lookup: the looked-up record's ID (canonical UUID).
//   - computed types: only "" (their values are not entered).
//
// Errors are *RuleError (rule "type", "choice" or "computed"). ParseValue
// does not apply the other rules; call [Field.Validate] for those.
func ParseValue(f *Field, s string) (Value, error) {
	if f == nil {
		return Value{}, fmt.Errorf("parse value: %w: nil field", ErrInvalidDesign)
	}
	if f.Type != Text && f.Type != LongText {
		s = strings.TrimSpace(s)
	}
	if s == "" {
		return Value{}, nil
	}
	switch f.Type {
	case Text, LongText, URL, Email, Phone:
		if !utf8.ValidString(s) {
			return Value{}, f.ruleError(RuleType, "text is not valid UTF-8")
		}
		return TextValue(s), nil
	case Number:
		return f.parseNumber(s)
	case Currency:
		return f.parseNumber(f.stripCurrency(s))
	case Percent:
		return f.parsePercent(s)
	case Date:
		return f.parseDate(s)
	case DateTime:
		return f.parseDateTime(s)
	case Checkbox:
		return f.parseCheckbox(s)
	case Choice:
		return f.parseChoice(s)
	case MultiChoice:
		return f.parseMulti(s)
	case Person:
		return f.parsePerson(s)
	case Lookup:
		return f.parseLookup(s)
	}
	if f.Type.Computed() {
		return Value{}, f.ruleError(RuleComputed, "%s values are computed by Grove, not entered", f.Type.Label())
	}
	return Value{}, fmt.Errorf("parse value: %w: field %q: unknown type %q", ErrInvalidDesign, f.Name, f.Type)
}

// parseNumber parses a finite float64.
func (f *Field) parseNumber(s string) (Value, error) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(n) {
		return Value{}, f.ruleError(RuleType, "%s is not a number", quote(s))
	}
	if d := f.decimals(); d >= 0 {
		n = roundTo(n, d)
	}
	return NumberValue(n), nil
}

// stripCurrency removes the field's currency code or a currency symbol
// before or after the number, and thousands separators.
func (f *Field) stripCurrency(s string) string {
	for _, sym := range []string{f.Currency, "$", "€", "£", "¥"} {
		if sym == "" {
			continue
		}
		if t, ok := strings.CutPrefix(s, sym); ok {
			s = strings.TrimSpace(t)
			break
		}
		if t, ok := strings.CutSuffix(s, sym); ok {
			s = strings.TrimSpace(t)
			break
		}
	}
	if thousands.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	return s
}

// thousands matches numbers written with comma thousands separators.
var thousands = regexp.MustCompile(`^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)

// parsePercent parses "12.5%" as 0.125 and a bare number as the fraction.
func (f *Field) parsePercent(s string) (Value, error) {
	t, pct := strings.CutSuffix(s, "%")
	if !pct {
		return f.parseNumber(s)
	}
	t = strings.TrimSpace(t)
	if _, err := strconv.ParseFloat(t, 64); err != nil || strings.ContainsAny(t, "xXpP_") {
		return Value{}, f.ruleError(RuleType, "%s is not a percentage", quote(s))
	}
	return f.parseNumber(shiftDecimal(strings.TrimPrefix(t, "+"), -2))
}

// dateTimeLayouts are the accepted date-time forms besides RFC 3339,
// read as UTC.
var dateTimeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// parseDateTime parses RFC 3339 or one of dateTimeLayouts.
func (f *Field) parseDateTime(s string) (Value, error) {
	t, err := time.Parse(time.RFC3339, s)
	for _, layout := range dateTimeLayouts {
		if err == nil {
			break
		}
		t, err = time.Parse(layout, s)
	}
	if err != nil {
		return Value{}, f.ruleError(RuleType, "%s is not a date-time like 2026-03-01T09:30:00Z", quote(s))
	}
	v := DateTimeValue(t)
	if v.sec < minDateTimeSec || v.sec > maxDateTimeSec {
		return Value{}, f.ruleError(RuleType, "date-time %s is outside 0001-01-01..9999-12-31", quote(s))
	}
	return v, nil
}

// parseMulti parses choices separated by ';'.
func (f *Field) parseMulti(s string) (Value, error) {
	var items []string
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, err := f.parseChoice(part)
		if err != nil {
			return Value{}, err
		}
		items = append(items, c.text)
	}
	return MultiChoiceValue(items...), nil
}

// parsePerson parses a reference, an e-mail address or the full form.
func (f *Field) parsePerson(s string) (Value, error) {
	var p PersonParts
	switch {
	case strings.Contains(s, personSep):
		parts := strings.SplitN(s, personSep, 3)
		p.ID = parts[0]
		if len(parts) > 1 {
			p.Email = parts[1]
		}
		if len(parts) > 2 {
			p.Name = parts[2]
		}
	case strings.HasPrefix(s, "member:") || strings.HasPrefix(s, "user:"):
		p.ID = s
	case strings.Contains(s, "@"):
		p.Email = s
	default:
		return Value{}, f.ruleError(RuleType, "%s is not a person: give member:ID, user:ID or an e-mail address", quote(s))
	}
	v := PersonValue(p)
	if err := v.Person().check(); err != nil {
		return Value{}, f.ruleError(RuleType, "%v", err)
	}
	return v, nil
}

// parseLookup parses a record ID.
func (f *Field) parseLookup(s string) (Value, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 || id == uuid.Nil {
		return Value{}, f.ruleError(RuleType, "%s is not a record ID", quote(s))
	}
	return LookupValue(id), nil
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
