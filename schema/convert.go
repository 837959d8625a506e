package schema

import (
	"strings"
)

// ConvertValue converts a stored value of any kind to a value of field
// `to`, as a design change that retypes a field does for every record,
// then checks it against to's rules (Required aside). Values carry their
// kind, so the old design is not needed.
//
//	to            from                     result
//	computed      anything                 empty: computed fields store nothing
//	text types    any                      the text form (Value.String); a line
//	                                       break fails for single-line types
//	number types  number                   the number, rounded to the precision
//	              text, choice             parsed as ParseValue does, or fails
//	              checkbox                 1 or 0
//	date          date-time                its UTC day
//	              text, choice             parsed as a date or date-time, or fails
//	datetime      date                     midnight UTC
//	              text, choice             parsed as a date-time or date, or fails
//	checkbox      number                   0 false, 1 true, others fail
//	              text, choice             true/false, yes/no, 1/0, or fails
//	choice        text, choice, other      the choice equal case-insensitively to
//	                                       the text form, or fails
//	              multichoice              its only item, or fails
//	multichoice   choice, text             items separated by ';', each a choice
//	person        text                     member:/user: reference or e-mail
//	lookup        text                     a record ID
//
// Any other pair fails. Failures are *RuleError with rule "convert"; rule
// violations of the converted value keep their own rule.
func ConvertValue(v Value, to *Field) (Value, error) {
	if v.IsEmpty() || to.Type.Computed() {
		return Value{}, nil
	}
	out, err := convert(v, to)
	if err != nil {
		return Value{}, err
	}
	if out.IsEmpty() {
		return out, nil
	}
	if err := to.validateValue(out); err != nil {
		return Value{}, err
	}
	return out, nil
}

// convert does the conversion without the final validation.
func convert(v Value, to *Field) (Value, error) {
	if accepts(to.Type, v.kind) {
		switch {
		case v.kind == kindNumber:
			if d := to.decimals(); d >= 0 {
				return NumberValue(roundTo(v.num, d)), nil
			}
		case v.kind == kindChoice || v.kind == kindMulti:
			return canonicalChoices(v, to)
		}
		return v, nil
	}
	fail := func() (Value, error) {
		return Value{}, to.ruleError(RuleConvert, "%s (%s) cannot become %s", quote(v.String()), v.Kind(), to.Type.Label())
	}
	text := v.String()
	switch {
	case to.Type.IsText():
		return TextValue(text), nil
	case v.kind == kindText || v.kind == kindChoice:
		return parseConverted(text, to, fail)
	case to.Type.IsNumber() && v.kind == kindCheckbox:
		return NumberValue(float64(b2i(v.b))), nil
	case to.Type == Date && v.kind == kindDateTime:
		return DateValue(v.Time()), nil
	case to.Type == DateTime && v.kind == kindDate:
		return DateTimeSeconds(int64(v.date) * secondsPerDay), nil
	case to.Type == Checkbox && v.kind == kindNumber && (v.num == 0 || v.num == 1):
		return BoolValue(v.num == 1), nil
	case to.Type == Choice && v.kind == kindMulti:
		if items := v.Items(); len(items) == 1 {
			return parseConverted(items[0], to, fail)
		}
		return fail()
	case to.Type == Choice && (v.kind == kindNumber || v.kind == kindDate || v.kind == kindCheckbox):
		return parseConverted(text, to, fail)
	}
	return fail()
}

// parseConverted parses text as a value of to; dates and date-times also
// accept each other's form.
func parseConverted(text string, to *Field, fail func() (Value, error)) (Value, error) {
	out, err := ParseValue(to, text)
	if err == nil {
		return out, nil
	}
	switch to.Type {
	case Date:
		if dt, err := ParseValue(&Field{Name: to.Name, Type: DateTime}, text); err == nil {
			return DateValue(dt.Time()), nil
		}
	case DateTime:
		if d, err := ParseValue(&Field{Name: to.Name, Type: Date}, text); err == nil {
			return DateTimeSeconds(int64(d.date) * secondsPerDay), nil
		}
	}
	if re, ok := err.(*RuleError); ok && re.Rule == RuleChoice {
		return Value{}, re
	}
	return fail()
}

// canonicalChoices maps choice and multi-choice items to the spelling of
// to's choices (case-insensitively); items that are not choices fail with
// rule "choice".
func canonicalChoices(v Value, to *Field) (Value, error) {
	items := v.Items()
	for i, it := range items {
		found := false
		for _, c := range to.Choices {
			if c == it || strings.EqualFold(c, it) {
				items[i], found = c, true
				break
			}
		}
		if !found {
			return Value{}, to.ruleError(RuleChoice, "%s is not one of %s", quote(it), listChoices(to.Choices))
		}
	}
	if v.kind == kindChoice {
		return ChoiceValue(items[0]), nil
	}
	return MultiChoiceValue(items...), nil
}
