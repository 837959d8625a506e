package schema

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateLayout is the time layout of dates in text form: YYYY-MM-DD.
const DateLayout = "2006-01-02"

const secondsPerDay = 24 * 60 * 60

// The range of valid dates, in days since 1970-01-01 (0001-01-01 and
// 9999-12-31), so that every valid date prints as YYYY-MM-DD.
var (
	minDateDays = civilDays(1, time.January, 1)
	maxDateDays = civilDays(9999, time.December, 31)
)

// valueKind is the in-memory kind of a Value. Its order is the cross-kind
// sort order of Compare.
type valueKind uint8

const (
	kindEmpty valueKind = iota
	kindText
	kindChoice
	kindNumber
	kindDate
	kindCheckbox
	kindDateTime
	kindMulti
	kindPerson
	kindLookup
)

// Value is one field value of a record. The zero Value is the empty value:
// the field is absent. Values are small, immutable and comparable with
// [Value.Equal]; construct them with [TextValue], [NumberValue],
// [DateValue], [DateDays], [DateTimeValue], [BoolValue], [ChoiceValue],
// [MultiChoiceValue], [PersonValue], [LookupValue], [ParseValue] or
// [DecodeValue].
type Value struct {
	// text: kindText, kindChoice: valid UTF-8, never "". kindMulti: the
	// items, sorted bytewise, unique, joined by sep. kindPerson: the
	// reference. kindLookup: the record ID's canonical string.
	text string
	aux  string  // kindPerson: e-mail, sep, display name
	num  float64 // kindNumber: never -0
	sec  int64   // kindDateTime: seconds since 1970-01-01T00:00:00Z
	date int32   // kindDate: days since 1970-01-01
	kind valueKind
	b    bool // kindCheckbox
}

// sep separates the parts of multi-choice and person values in memory.
// It is a control character, which choices, names and e-mail addresses
// never contain.
const sep = "\x1f"

// TextValue returns a text value (for Text and LongText fields). Invalid
// UTF-8 sequences are replaced by U+FFFD; "" gives the empty Value.
func TextValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{kind: kindText, text: validUTF8(s)}
}

// ChoiceValue returns a choice value (for Choice fields) with the same
// normalisation as [TextValue]. It does not check the field's Choices; see
// [ParseValue] and [Field.Validate].
func ChoiceValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{kind: kindChoice, text: validUTF8(s)}
}

// NumberValue returns a number value. Negative zero becomes zero. NaN and
// infinities are kept but fail [Field.Validate] and cannot be encoded in a
// decodable way, so callers should reject them first.
func NumberValue(f float64) Value {
	if f == 0 {
		f = 0 // drop the sign of -0
	}
	return Value{kind: kindNumber, num: f}
}

// DateValue returns the date value of t's calendar day in t's location;
// the time of day is dropped. Days outside the int32 range are clamped
// (they fail validation anyway).
func DateValue(t time.Time) Value {
	y, m, d := t.Date()
	days := civilDays(y, m, d)
	return DateDays(int32(max(math.MinInt32, min(math.MaxInt32, days))))
}

// DateDays returns the date value that is days days after 1970-01-01.
func DateDays(days int32) Value { return Value{kind: kindDate, date: days} }

// BoolValue returns a checkbox value.
func BoolValue(b bool) Value { return Value{kind: kindCheckbox, b: b} }

// IsEmpty reports whether v is the empty (absent) value, the zero Value.
func (v Value) IsEmpty() bool { return v.kind == kindEmpty }

// Kind returns the field type family of v: Text (also accepted by LongText
// fields), Number, Date, Checkbox or Choice, and "" for the empty Value.
func (v Value) Kind() FieldType {
	switch v.kind {
	case kindText:
		return Text
	case kindChoice:
		return Choice
	case kindNumber:
		return Number
	case kindDate:
		return Date
	case kindCheckbox:
		return Checkbox
	case kindDateTime:
		return DateTime
	case kindMulti:
		return MultiChoice
	case kindPerson:
		return Person
	case kindLookup:
		return Lookup
	}
	return ""
}

// Text returns the text of a text or choice value, and "" otherwise.
func (v Value) Text() string { return v.text }

// Number returns the number of a number value, and 0 otherwise.
func (v Value) Number() float64 { return v.num }

// Bool returns the state of a checkbox value, and false otherwise.
func (v Value) Bool() bool { return v.b }

// Days returns a date value as days since 1970-01-01, and 0 otherwise.
func (v Value) Days() int32 { return v.date }

// Date returns a date value as midnight UTC of its day, and the zero
// time.Time otherwise.
func (v Value) Date() time.Time {
	if v.kind != kindDate {
		return time.Time{}
	}
	return time.Unix(int64(v.date)*secondsPerDay, 0).UTC()
}

// String returns the command-line form of v, which [ParseValue] parses
// back to an equal Value for a field of v's type: text as is, numbers in
// shortest form without exponent for magnitudes in [1e-6, 1e21), dates as
// YYYY-MM-DD, date-times as RFC 3339 in UTC (2006-01-02T15:04:05Z),
// checkboxes as "true"/"false", multi-choices as their items joined by
// "; ", persons as described at [PersonParts.String], lookups as the record
// ID, and "" for the empty Value. [Field.Format] is the field-aware form
// (percentages, currency).
func (v Value) String() string {
	switch v.kind {
	case kindText, kindChoice:
		return v.text
	case kindNumber:
		return formatNumber(v.num)
	case kindDate:
		return v.Date().Format(DateLayout)
	case kindCheckbox:
		return strconv.FormatBool(v.b)
	case kindDateTime:
		return v.Time().Format(DateTimeLayout)
	case kindMulti:
		return strings.Join(v.Items(), multiSep)
	case kindPerson:
		return v.Person().String()
	case kindLookup:
		return v.text
	}
	return ""
}

// JSON returns v for encoding/json output: string for text and choice,
// float64 for numbers, bool for checkboxes, "YYYY-MM-DD" for dates, an
// RFC 3339 UTC string for date-times, []string for multi-choice, an object
// {"id", "email", "name"} (empty parts left out) for persons, the record ID
// string for lookups and nil for the empty Value. [ValueFromJSON] is its
// inverse.
func (v Value) JSON() any {
	switch v.kind {
	case kindText, kindChoice:
		return v.text
	case kindNumber:
		return v.num
	case kindDate:
		return v.String()
	case kindCheckbox:
		return v.b
	case kindDateTime, kindLookup:
		return v.String()
	case kindMulti:
		return v.Items()
	case kindPerson:
		return v.Person().jsonMap()
	}
	return nil
}

// Equal reports whether v and o are the same value of the same kind. A
// text value never equals a choice value with the same text.
func (v Value) Equal(o Value) bool { return v.Compare(o) == 0 }

// Compare orders values for sorting and returns -1, 0 or +1; it returns 0
// exactly when [Value.Equal] is true. Values of different kinds order by
// kind (empty first, then text, choice, number, date, checkbox, date-time,
// multi-choice, person, lookup). Text and choices order case-insensitively,
// ties broken bytewise; numbers numerically; dates and date-times
// chronologically; false before true; persons by display name
// (case-insensitively), then e-mail and reference; multi-choices and
// lookups bytewise.
func (v Value) Compare(o Value) int {
	if c := cmp.Compare(v.kind, o.kind); c != 0 {
		return c
	}
	switch v.kind {
	case kindText, kindChoice:
		if c := compareFold(v.text, o.text); c != 0 {
			return c
		}
		return strings.Compare(v.text, o.text)
	case kindNumber:
		return cmp.Compare(v.num, o.num)
	case kindDate:
		return cmp.Compare(v.date, o.date)
	case kindCheckbox:
		return cmp.Compare(b2i(v.b), b2i(o.b))
	case kindDateTime:
		return cmp.Compare(v.sec, o.sec)
	case kindPerson:
		if c := compareFold(v.Person().display(), o.Person().display()); c != 0 {
			return c
		}
		if c := strings.Compare(v.aux, o.aux); c != 0 {
			return c
		}
		return strings.Compare(v.text, o.text)
	case kindMulti, kindLookup:
		return strings.Compare(v.text, o.text)
	}
	return 0
}

// compareFold compares a and b rune by rune after lower-casing.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// b2i converts false/true to 0/1.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formatNumber formats f in shortest round-tripping form, without exponent
// for zero and magnitudes in [1e-6, 1e21).
func formatNumber(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// civilDays returns the number of days from 1970-01-01 to the given day.
func civilDays(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// validUTF8 returns s with invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
