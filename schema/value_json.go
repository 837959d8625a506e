package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ValueFromJSON converts a value decoded by encoding/json (nil, bool,
// float64 or json.Number, string, []any, map[string]any) into a Value of
// field f; it is the inverse of [Value.JSON]. Strings are parsed with
// [ParseValue] (so "12.5%" and "2026-03-01" work); numbers go to number
// fields as they are (a percent field takes the fraction: 0.125) and are
// formatted for other fields; booleans go to checkboxes; arrays of strings
// to multi-choice fields; objects {"id", "email", "name"} to person
// fields. Errors are *RuleError (rule "type", "choice", "computed"); the
// other rules are [Field.Validate]'s.
func ValueFromJSON(f *Field, x any) (Value, error) {
	if f == nil {
		return Value{}, fmt.Errorf("value from json: %w: nil field", ErrInvalidDesign)
	}
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case string:
		return ParseValue(f, x)
	case bool:
		return ParseValue(f, strconv.FormatBool(x))
	case float64:
		return numberFromJSON(f, x)
	case json.Number:
		n, err := x.Float64()
		if err != nil || !finite(n) {
			return Value{}, f.ruleError(RuleType, "%s is not a number", quote(x.String()))
		}
		return numberFromJSON(f, n)
	case []any:
		return multiFromJSON(f, x)
	case map[string]any:
		return personFromJSON(f, x)
	}
	return Value{}, f.ruleError(RuleType, "unexpected JSON %T", x)
}

// numberFromJSON converts a JSON number.
func numberFromJSON(f *Field, n float64) (Value, error) {
	if !finite(n) {
		return Value{}, f.ruleError(RuleType, "not a finite number")
	}
	if f.Type.IsNumber() {
		if d := f.decimals(); d >= 0 {
			n = roundTo(n, d)
		}
		return NumberValue(n), nil
	}
	return ParseValue(f, formatNumber(n))
}

// multiFromJSON converts a JSON array of strings.
func multiFromJSON(f *Field, items []any) (Value, error) {
	if f.Type != MultiChoice {
		return Value{}, f.ruleError(RuleType, "a list is only a value of a multichoice field")
	}
	if len(items) > MaxChoices {
		return Value{}, f.ruleError(RuleType, "more than %d items", MaxChoices)
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return Value{}, f.ruleError(RuleType, "list items must be strings")
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		c, err := f.parseChoice(strings.TrimSpace(s))
		if err != nil {
			return Value{}, err
		}
		out = append(out, c.text)
	}
	return MultiChoiceValue(out...), nil
}

// personFromJSON converts a JSON object {"id", "email", "name"}.
func personFromJSON(f *Field, m map[string]any) (Value, error) {
	if f.Type != Person {
		return Value{}, f.ruleError(RuleType, "an object is only a value of a person field")
	}
	var p PersonParts
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return Value{}, f.ruleError(RuleType, "person %q must be a string", k)
		}
		switch k {
		case "id":
			p.ID = s
		case "email":
			p.Email = s
		case "name":
			p.Name = s
		default:
			return Value{}, f.ruleError(RuleType, "unknown person key %q (want id, email, name)", k)
		}
	}
	v := PersonValue(p)
	if v.IsEmpty() {
		return v, nil
	}
	if err := v.Person().check(); err != nil {
		return Value{}, f.ruleError(RuleType, "%v", err)
	}
	return v, nil
}
