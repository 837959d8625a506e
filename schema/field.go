package schema

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// FieldType names the kind of data a field holds. Its string form is the
// "type" value of the design JSON.
type FieldType string

// The field types. Any other FieldType is rejected by [Field.Check].
const (
	// Text is a single line of text (no line breaks), at most
	// DefaultMaxLength runes unless MaxLength lowers it.
	Text FieldType = "text"
	// LongText is multi-line text, at most DefaultLongTextMaxLength runes
	// unless MaxLength lowers it.
	LongText FieldType = "longtext"
	// Number is a finite float64, optionally bounded by Min and Max.
	Number FieldType = "number"
	// Date is a calendar day (no time of day, no zone) between 0001-01-01
	// and 9999-12-31.
	Date FieldType = "date"
	// Checkbox is a boolean.
	Checkbox FieldType = "checkbox"
	// Choice is one value out of the field's Choices list.
	Choice FieldType = "choice"
)

// Valid reports whether t is one of the known field types.
func (t FieldType) Valid() bool {
	switch t {
	case Text, LongText, Number, Date, Checkbox, Choice:
		return true
	}
	return false
}

// isText reports whether t stores text values (Text or LongText).
func (t FieldType) isText() bool { return t == Text || t == LongText }

// lengthCap returns the default and largest rune limit of a text type, and
// 0 for other types.
func (t FieldType) lengthCap() int {
	switch t {
	case Text:
		return DefaultMaxLength
	case LongText:
		return DefaultLongTextMaxLength
	}
	return 0
}

// Size limits of designs and values. They are part of the storage and wire
// contract: decoders reject anything larger.
const (
	// DefaultMaxLength is the rune limit of a Text field whose MaxLength is
	// 0, and the largest MaxLength a Text field may declare.
	DefaultMaxLength = 10000
	// DefaultLongTextMaxLength is the rune limit of a LongText field whose
	// MaxLength is 0, and the largest MaxLength it may declare.
	DefaultLongTextMaxLength = 100000
	// MaxValueBytes is the largest text payload [DecodeValue] accepts.
	MaxValueBytes = 1 << 20
	// MaxFields is the largest number of fields of a tool.
	MaxFields = 500
	// MaxNameRunes is the longest tool or field name, in runes.
	MaxNameRunes = 100
	// MaxPatternBytes is the longest field Pattern, in bytes.
	MaxPatternBytes = 1000
	// MaxChoices is the largest number of Choices of a field.
	MaxChoices = 1000
	// MaxChoiceRunes is the longest single choice, in runes.
	MaxChoiceRunes = 100
	// MaxDesignJSONBytes is the largest design JSON document
	// [ParseToolJSON] accepts.
	MaxDesignJSONBytes = 4 << 20
)

// Field is the design of one field (column) of a tool. The zero values of
// the optional properties mean "no constraint"; a property that does not
// apply to the field's Type must be left at its zero value.
type Field struct {
	// ID identifies the field for its whole life; renaming keeps it.
	// It must not be uuid.Nil.
	ID uuid.UUID `json:"id"`
	// Name is what users see and type ("Email"): 1 to MaxNameRunes runes,
	// no leading/trailing space, no control characters, no '='.
	// Names are unique within a tool, compared case-insensitively.
	Name string `json:"name"`
	// Type is the kind of value the field holds.
	Type FieldType `json:"type"`
	// Required makes the empty Value invalid for this field.
	Required bool `json:"required,omitempty"`
	// Min and Max bound Number values (inclusive); nil means unbounded.
	// Both must be finite and Min <= Max. Number fields only.
	Min *float64 `json:"min,omitempty"`
	// Max: see Min.
	Max *float64 `json:"max,omitempty"`
	// MaxLength is the largest number of runes of a Text or LongText
	// value; 0 means the type's default cap ([DefaultMaxLength] or
	// [DefaultLongTextMaxLength]), which is also its upper bound.
	MaxLength int `json:"maxLength,omitempty"`
	// Pattern is a Go regexp (RE2 syntax) that a whole Text or LongText
	// value must match; it is anchored at both ends by this package, so
	// "[0-9]+" rejects "a1". Empty means no pattern.
	Pattern string `json:"pattern,omitempty"`
	// Choices lists the allowed values of a Choice field, in display
	// order: 1 to MaxChoices entries, each a valid name of at most
	// MaxChoiceRunes runes, unique case-insensitively.
	Choices []string `json:"choices,omitempty"`
}

// MaxRunes returns the effective rune limit of a Text or LongText field
// (MaxLength, or the type's default cap when MaxLength is 0) and 0 for
// other types.
func (f *Field) MaxRunes() int {
	if f.MaxLength > 0 && f.Type.isText() {
		return f.MaxLength
	}
	return f.Type.lengthCap()
}

// Check reports whether the field design is valid on its own (uniqueness
// within a tool is checked by [Tool.Check]). The error wraps
// [ErrInvalidDesign] and joins every problem found.
func (f *Field) Check() error {
	if f == nil {
		return fmt.Errorf("%w: nil field", ErrInvalidDesign)
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: field %q: %s", ErrInvalidDesign, f.Name, fmt.Sprintf(format, args...)))
	}
	if f.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(f.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	} else if strings.ContainsRune(f.Name, '=') {
		fail("name: must not contain '='")
	}
	if !f.Type.Valid() {
		fail("unknown type %q", f.Type)
	}
	for _, msg := range f.boundsProblems() {
		fail("%s", msg)
	}
	for _, msg := range f.textProblems() {
		fail("%s", msg)
	}
	for _, msg := range f.choiceProblems() {
		fail("%s", msg)
	}
	return errors.Join(errs...)
}

// boundsProblems checks Min and Max.
func (f *Field) boundsProblems() []string {
	if f.Min == nil && f.Max == nil {
		return nil
	}
	if f.Type != Number {
		return []string{"min/max: only number fields have bounds"}
	}
	var p []string
	if f.Min != nil && !finite(*f.Min) {
		p = append(p, "min: must be a finite number")
	}
	if f.Max != nil && !finite(*f.Max) {
		p = append(p, "max: must be a finite number")
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		p = append(p, fmt.Sprintf("min %s is greater than max %s", formatNumber(*f.Min), formatNumber(*f.Max)))
	}
	return p
}

// textProblems checks MaxLength and Pattern.
func (f *Field) textProblems() []string {
	var p []string
	if f.MaxLength != 0 && !f.Type.isText() {
		p = append(p, "maxLength: only text and longtext fields have a length limit")
	} else if c := f.Type.lengthCap(); f.MaxLength < 0 || f.MaxLength > c {
		p = append(p, fmt.Sprintf("maxLength: %d is outside 0..%d", f.MaxLength, c))
	}
	if f.Pattern == "" {
		return p
	}
	if !f.Type.isText() {
		return append(p, "pattern: only text and longtext fields have a pattern")
	}
	if len(f.Pattern) > MaxPatternBytes {
		return append(p, fmt.Sprintf("pattern: longer than %d bytes", MaxPatternBytes))
	}
	if _, err := compilePattern(f.Pattern); err != nil {
		p = append(p, fmt.Sprintf("pattern: %v", err))
	}
	return p
}

// choiceProblems checks Choices.
func (f *Field) choiceProblems() []string {
	if f.Type != Choice {
		if len(f.Choices) > 0 {
			return []string{"choices: only choice fields have choices"}
		}
		return nil
	}
	if len(f.Choices) == 0 {
		return []string{"choices: a choice field needs at least one choice"}
	}
	if len(f.Choices) > MaxChoices {
		return []string{fmt.Sprintf("choices: more than %d", MaxChoices)}
	}
	var p []string
	seen := make(map[string]bool, len(f.Choices))
	for _, c := range f.Choices {
		if err := checkName(c, MaxChoiceRunes); err != nil {
			p = append(p, fmt.Sprintf("choice %q: %v", c, err))
			continue
		}
		k := foldKey(c)
		if seen[k] {
			p = append(p, fmt.Sprintf("choice %q: duplicate (case-insensitive)", c))
		}
		seen[k] = true
	}
	return p
}

// checkName validates a user-visible name: non-empty valid UTF-8 of at
// most maxRunes runes, trimmed, without control characters.
func checkName(s string, maxRunes int) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return errors.New("must not start or end with space")
	case utf8.RuneCountInString(s) > maxRunes:
		return fmt.Errorf("longer than %d characters", maxRunes)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("must not contain control characters")
	}
	return nil
}

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// foldKey maps s to a key that is equal for two strings exactly when
// strings.EqualFold reports them equal: each rune becomes the smallest rune
// of its simple case-folding orbit.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(minFold(r))
	}
	return b.String()
}

// minFold returns the smallest rune of r's simple case-folding orbit.
func minFold(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}
