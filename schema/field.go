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

	// Description says what the field is for (help text): at most
	// MaxDescriptionRunes runes, valid UTF-8, line breaks and tabs but no
	// other control characters.
	Description string `json:"description,omitempty"`
	// Hidden keeps the field out of default table columns and generated
	// forms. Its values are kept and validated as usual. A hidden required
	// field needs a Default, or nobody could fill it in.
	Hidden bool `json:"hidden,omitempty"`
	// Unique allows a value at most once among the tool's live records
	// (text compared case-insensitively). Not for longtext, checkbox,
	// multichoice and computed fields. Enforced on every local write and
	// on every design change; concurrent offline writes on two replicas can
	// still meet, as with any rule that spans records.
	Unique bool `json:"unique,omitempty"`
	// Default is the value a new record gets for this field when none is
	// given. It must be a valid value of the field (Required aside). Not
	// for person, lookup and computed fields. The empty Value means none.
	Default Value `json:"-"`
	// Precision is the number of decimal places of number, currency and
	// percent values, 0 to MaxPrecision; nil means any (currency: 2). For
	// percent fields it counts the places of the percentage ("12.5%" is
	// precision 1). Values are rounded to it when parsed or converted.
	Precision *int `json:"precision,omitempty"`
	// Currency is the ISO 4217 code of a currency field ("EUR"), three
	// upper-case letters, or "" for none. Currency fields only.
	Currency string `json:"currency,omitempty"`
	// LookupTool is the tool whose records a lookup field names; it may be
	// the field's own tool. Required for lookup fields, nil otherwise.
	LookupTool uuid.UUID `json:"-"`
	// LookupDisplay is the field of LookupTool whose value shows for the
	// looked-up record; nil shows the target's first field. Lookup fields
	// only. Following display fields from lookup to lookup must end within
	// MaxLookupDepth steps and never come back ([CheckWorkspace]).
	LookupDisplay uuid.UUID `json:"-"`
}

// Further limits of field designs.
const (
	// MaxDescriptionRunes is the longest description of a tool or field.
	MaxDescriptionRunes = 1000
	// MaxPrecision is the largest Precision.
	MaxPrecision = 10
	// MaxLookupDepth bounds chains of lookups displaying lookups.
	MaxLookupDepth = 8
)

// MaxRunes returns the effective rune limit of a text field (text,
// longtext, url, email, phone): MaxLength, or the type's cap when
// MaxLength is 0; and 0 for other types.
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
		errs = append(errs, fmt.Errorf("%w: field %s: %s", ErrInvalidDesign, quote(f.Name), fmt.Sprintf(format, args...)))
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
	for _, msg := range f.extraProblems() {
		fail("%s", msg)
	}
	return errors.Join(errs...)
}

// extraProblems checks the properties beyond the first design format:
// description, hidden, unique, default, precision, currency, lookup.
func (f *Field) extraProblems() []string {
	var p []string
	if err := checkDescription(f.Description); err != nil {
		p = append(p, "description: "+err.Error())
	}
	comp := f.Type.Computed()
	if comp && f.Required {
		p = append(p, "required: a computed field cannot be required")
	}
	if f.Unique && !uniqueAllowed(f.Type) {
		p = append(p, fmt.Sprintf("unique: not available for %s fields", f.Type))
	}
	if f.Precision != nil && !f.Type.IsNumber() {
		p = append(p, "precision: only number, currency and percent fields have a precision")
	} else if f.Precision != nil && (*f.Precision < 0 || *f.Precision > MaxPrecision) {
		p = append(p, fmt.Sprintf("precision: %d is outside 0..%d", *f.Precision, MaxPrecision))
	}
	if f.Currency != "" && (f.Type != Currency || !validCurrency(f.Currency)) {
		p = append(p, fmt.Sprintf("currency: %q must be three upper-case letters on a currency field", f.Currency))
	}
	if (f.LookupTool != uuid.Nil) != (f.Type == Lookup) {
		p = append(p, "lookup: a lookup field needs a tool, and only lookup fields have one")
	}
	if f.LookupDisplay != uuid.Nil && f.Type != Lookup {
		p = append(p, "lookup: only lookup fields have a display field")
	}
	p = append(p, f.defaultProblems()...)
	if f.Hidden && f.Required && f.Default.IsEmpty() {
		p = append(p, "hidden: a hidden required field needs a default")
	}
	return p
}

// defaultProblems checks Default.
func (f *Field) defaultProblems() []string {
	if f.Default.IsEmpty() {
		return nil
	}
	switch {
	case f.Type.Computed(), f.Type == Person, f.Type == Lookup:
		return []string{fmt.Sprintf("default: %s fields have no default", f.Type)}
	case !f.Type.Valid():
		return nil
	}
	if err := f.validateValue(f.Default); err != nil {
		var re *RuleError
		if errors.As(err, &re) {
			return []string{"default: " + re.Rule + ": " + re.Msg}
		}
		return []string{"default: " + err.Error()}
	}
	return nil
}

// uniqueAllowed reports whether fields of type t may be Unique.
func uniqueAllowed(t FieldType) bool {
	switch t {
	case LongText, Checkbox, MultiChoice:
		return false
	}
	return t.Valid() && !t.Computed()
}

// validCurrency reports whether s is three upper-case ASCII letters.
func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkDescription validates a description: valid UTF-8, at most
// MaxDescriptionRunes runes, no control characters but line breaks and
// tabs.
func checkDescription(s string) error {
	switch {
	case s == "":
		return nil
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxDescriptionRunes:
		return fmt.Errorf("longer than %d characters", MaxDescriptionRunes)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		return errors.New("must not contain control characters other than line breaks and tabs")
	}
	return nil
}

// boundsProblems checks Min and Max.
func (f *Field) boundsProblems() []string {
	if f.Min == nil && f.Max == nil {
		return nil
	}
	if !f.Type.IsNumber() {
		return []string{"min/max: only number fields (number, currency, percent) have bounds"}
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
		p = append(p, "maxLength: only text fields (text, longtext, url, email, phone) have a length limit")
	} else if c := f.Type.lengthCap(); f.MaxLength < 0 || f.MaxLength > c {
		p = append(p, fmt.Sprintf("maxLength: %d is outside 0..%d", f.MaxLength, c))
	}
	if f.Pattern == "" {
		return p
	}
	if !f.Type.isText() {
		return append(p, "pattern: only text fields (text, longtext, url, email, phone) have a pattern")
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
	if !f.Type.HasChoices() {
		if len(f.Choices) > 0 {
			return []string{"choices: only choice and multichoice fields have choices"}
		}
		return nil
	}
	if len(f.Choices) == 0 {
		return []string{fmt.Sprintf("choices: a %s field needs at least one choice", f.Type)}
	}
	if len(f.Choices) > MaxChoices {
		return []string{fmt.Sprintf("choices: more than %d", MaxChoices)}
	}
	var p []string
	seen := make(map[string]bool, len(f.Choices))
	for _, c := range f.Choices {
		if err := checkName(c, MaxChoiceRunes); err != nil {
			p = append(p, fmt.Sprintf("choice %s: %v", quote(c), err))
			continue
		}
		if f.Type == MultiChoice && strings.Contains(c, ";") {
			p = append(p, fmt.Sprintf("choice %q: must not contain ';' in a multichoice field", c))
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
	case len(s) > utf8.UTFMax*maxRunes:
		return fmt.Errorf("longer than %d characters", maxRunes) // before any work that grows with s
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
