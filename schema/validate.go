package schema

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The rules a value can break, as reported in [RuleError.Rule].
const (
	RuleRequired  = "required"  // a required field is empty
	RuleMin       = "min"       // a number is below Field.Min
	RuleMax       = "max"       // a number is above Field.Max
	RuleMaxLength = "maxlength" // a text has more runes than Field.MaxRunes
	RulePattern   = "pattern"   // a text does not match Field.Pattern
	RuleChoice    = "choice"    // a choice is not one of Field.Choices
	RuleType      = "type"      // wrong kind, unparsable text, NaN, date out of range, line break in Text
	RuleUnknown   = "unknown"   // a record holds a value for a field the tool does not have
	RulePrecision = "precision" // a number has more decimal places than Field.Precision
	RuleComputed  = "computed"  // a value was given for a computed field
	RuleUnique    = "unique"    // a Unique field's value is already used by another record
	RuleTool      = "rule"      // a tool-level Rule does not hold; Field names the rule
	RuleConvert   = "convert"   // a design change cannot convert a stored value to the new type
)

// RuleError reports one value that breaks one rule of its field. It wraps
// [ErrInvalidValue].
type RuleError struct {
	// Field is the field's name ("" for RuleUnknown).
	Field string
	// FieldID is the field's ID.
	FieldID uuid.UUID
	// Rule is one of the Rule* constants.
	Rule string
	// Msg describes the problem for users, without the field name.
	Msg string
}

// Error returns `field "NAME": RULE: MSG` (the field ID replaces the
// quoted name when Field is empty).
func (e *RuleError) Error() string {
	name := strconv.Quote(e.Field)
	if e.Field == "" {
		name = e.FieldID.String()
	}
	return "field " + name + ": " + e.Rule + ": " + e.Msg
}

// Unwrap returns [ErrInvalidValue].
func (e *RuleError) Unwrap() error { return ErrInvalidValue }

// ValidationError lists every rule a record breaks, in field order, then
// the unknown field IDs in byte order. It is never empty.
type ValidationError struct {
	// Errors are the individual problems, at least one.
	Errors []*RuleError
}

// Error returns the single problem's message, or "N invalid fields: "
// followed by all messages separated by "; ".
func (e *ValidationError) Error() string {
	switch len(e.Errors) {
	case 0:
		return "invalid record"
	case 1:
		return e.Errors[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid fields: ", len(e.Errors))
	for i, re := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(re.Error())
	}
	return b.String()
}

// Unwrap returns the individual *RuleError values, so errors.Is(err,
// ErrInvalidValue) and errors.As(err, &ruleErr) work.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, re := range e.Errors {
		errs[i] = re
	}
	return errs
}

// ruleError builds a *RuleError for f.
func (f *Field) ruleError(rule, format string, args ...any) *RuleError {
	return &RuleError{Field: f.Name, FieldID: f.ID, Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports whether v is a valid value of f. A rule violation is
// returned as a *RuleError; a broken design (a pattern that does not
// compile) as an error wrapping [ErrInvalidDesign]. The empty Value is
// valid unless f is Required. Validate assumes f passed [Field.Check].
func (f *Field) Validate(v Value) error {
	if f == nil {
		return fmt.Errorf("validate: %w: nil field", ErrInvalidDesign)
	}
	if v.IsEmpty() {
		if f.Required {
			return f.ruleError(RuleRequired, "value is required")
		}
		return nil
	}
	return f.validateValue(v)
}

// validateValue checks a non-empty value against every rule of f but
// Required.
func (f *Field) validateValue(v Value) error {
	if f.Type.Computed() {
		return f.ruleError(RuleComputed, "%s values are computed by Grove, not entered", f.Type.Label())
	}
	if !accepts(f.Type, v.kind) {
		return f.ruleError(RuleType, "expected %s, got %s", f.Type, v.Kind())
	}
	switch v.kind {
	case kindText:
		return f.validateText(v.text)
	case kindNumber:
		return f.validateNumber(v.num)
	case kindDate:
		if v.date < int32(minDateDays) || v.date > int32(maxDateDays) {
			return f.ruleError(RuleType, "date %s is outside 0001-01-01..9999-12-31", v)
		}
	case kindDateTime:
		if v.sec < minDateTimeSec || v.sec > maxDateTimeSec {
			return f.ruleError(RuleType, "date-time %d s is outside 0001-01-01..9999-12-31", v.sec)
		}
	case kindChoice:
		if !slices.Contains(f.Choices, v.text) {
			return f.ruleError(RuleChoice, "%s is not one of %s", quote(v.text), listChoices(f.Choices))
		}
	case kindMulti:
		for _, it := range v.Items() {
			if !slices.Contains(f.Choices, it) {
				return f.ruleError(RuleChoice, "%s is not one of %s", quote(it), listChoices(f.Choices))
			}
		}
	case kindPerson:
		if err := v.Person().check(); err != nil {
			return f.ruleError(RuleType, "%v", err)
		}
	}
	return nil
}

// accepts reports whether a field of type t holds values of kind k.
func accepts(t FieldType, k valueKind) bool {
	return k != kindEmpty && t.valueKind() == k
}

// validateText checks line breaks, length and pattern of a text value.
func (f *Field) validateText(s string) error {
	if f.Type.singleLine() && strings.ContainsAny(s, "\r\n") {
		return f.ruleError(RuleType, "line breaks are only allowed in longtext fields")
	}
	if limit := f.MaxRunes(); len(s) > limit {
		if n := utf8.RuneCountInString(s); n > limit {
			return f.ruleError(RuleMaxLength, "%d characters, more than the maximum %d", n, limit)
		}
	}
	if err := f.validateFormat(s); err != nil {
		return err
	}
	if f.Pattern == "" {
		return nil
	}
	re, err := compilePattern(f.Pattern)
	if err != nil {
		return fmt.Errorf("validate: %w: field %q: pattern: %v", ErrInvalidDesign, f.Name, err)
	}
	if !re.MatchString(s) {
		return f.ruleError(RulePattern, "%s does not match %s", quote(s), showPattern(f.Pattern))
	}
	return nil
}

// validateNumber checks finiteness and bounds of a number value.
func (f *Field) validateNumber(n float64) error {
	switch {
	case !finite(n):
		return f.ruleError(RuleType, "%s is not a finite number", formatNumber(n))
	case f.Min != nil && n < *f.Min:
		return f.ruleError(RuleMin, "%s is less than the minimum %s", formatNumber(n), formatNumber(*f.Min))
	case f.Max != nil && n > *f.Max:
		return f.ruleError(RuleMax, "%s is greater than the maximum %s", formatNumber(n), formatNumber(*f.Max))
	}
	if d := f.decimals(); d >= 0 && roundTo(n, d) != n {
		return f.ruleError(RulePrecision, "%s has more than %d decimal places", f.Format(NumberValue(n)), f.places())
	}
	return nil
}

// ValidateRecord reports whether values (keyed by field ID) form a valid
// record of t: every field's value passes [Field.Validate] (absent keys are
// empty values), no key names a field t does not have, and every rule of t
// holds. It returns nil, a *ValidationError listing every problem, or an
// error wrapping [ErrInvalidDesign]. It assumes t passed [Tool.Check]; to
// validate many records, [Tool.NewValidator] compiles the rules once.
func (t *Tool) ValidateRecord(values map[uuid.UUID]Value) error {
	if t == nil {
		return fmt.Errorf("validate record: %w: nil tool", ErrInvalidDesign)
	}
	if len(t.Rules) == 0 {
		return (&Validator{t: t}).Record(values) // no allocation for a valid record
	}
	v, err := t.NewValidator()
	if err != nil {
		return err // a rule that does not compile: a broken design
	}
	return v.Record(values)
}

// Validator validates records of one tool with its rules compiled once.
// It is immutable and safe for concurrent use.
type Validator struct {
	t      *Tool
	rules  []*Predicate // the rules that compiled
	ruleOf []int        // index in t.Rules of each of rules
}

// NewValidator compiles t's rules; t must not change while the Validator
// is used. It always returns a usable Validator. When a rule does not
// compile (t fails [Tool.Check], as a design merged from concurrent edits
// can until a manager fixes it) the error names it, wrapping
// [ErrInvalidDesign], and the Validator does not enforce that rule.
func (t *Tool) NewValidator() (*Validator, error) {
	v := &Validator{t: t}
	var errs []error
	for i := range t.Rules {
		p, err := t.CompileExpr(t.Rules[i].Expr)
		if err != nil {
			errs = append(errs, fmt.Errorf("validate record: rule %s: %w", quote(t.Rules[i].Name), err))
			continue
		}
		v.rules = append(v.rules, p)
		v.ruleOf = append(v.ruleOf, i)
	}
	return v, errors.Join(errs...)
}

// Record validates one record as [Tool.ValidateRecord] does.
func (v *Validator) Record(values map[uuid.UUID]Value) error {
	errs, err := v.problems(values, true)
	if err != nil || len(errs) == 0 {
		return err
	}
	return &ValidationError{Errors: errs}
}

// problems lists the rules values break; required false skips the
// Required rule (design changes do not refuse records that lack a value
// for a newly required field).
func (v *Validator) problems(values map[uuid.UUID]Value, required bool) ([]*RuleError, error) {
	t := v.t
	var errs []*RuleError
	known := 0
	for i := range t.Fields {
		f := &t.Fields[i]
		val, ok := values[f.ID]
		if ok {
			known++
		}
		var err error
		switch {
		case !val.IsEmpty():
			err = f.validateValue(val)
		case required:
			err = f.Validate(val)
		}
		if err != nil {
			re, isRule := err.(*RuleError)
			if !isRule {
				return nil, err
			}
			errs = append(errs, re)
		}
	}
	if known < len(values) {
		errs = append(errs, t.unknownFields(values)...)
	}
	if len(v.rules) > 0 {
		errs = append(errs, v.rulesFailed(func(id uuid.UUID) Value { return values[id] })...)
	}
	return errs, nil
}

// rulesFailed evaluates the tool's rules on a record read through get.
func (v *Validator) rulesFailed(get func(uuid.UUID) Value) []*RuleError {
	var errs []*RuleError
	for i, p := range v.rules {
		if !p.Eval(get, time.Time{}) {
			errs = append(errs, v.t.Rules[v.ruleOf[i]].failure(v.t))
		}
	}
	return errs
}

// unknownFields returns a RuleUnknown error for every key of values that is
// not a field of t, sorted by ID bytes.
func (t *Tool) unknownFields(values map[uuid.UUID]Value) []*RuleError {
	var ids []uuid.UUID
	for id := range values {
		if _, ok := t.FieldByID(id); !ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	errs := make([]*RuleError, len(ids))
	for i, id := range ids {
		errs[i] = &RuleError{FieldID: id, Rule: RuleUnknown, Msg: fmt.Sprintf("tool %q has no such field", t.Name)}
	}
	return errs
}

// quote returns s quoted for a message, cut to 60 runes.
func quote(s string) string {
	const maxRunes = 60
	n := 0
	for i := range s {
		if n == maxRunes {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// listChoices formats choices for a message, at most 10 of them.
func listChoices(choices []string) string {
	const maxShown = 10
	shown := make([]string, 0, min(len(choices), maxShown)+1)
	for i, c := range choices {
		if i == maxShown {
			shown = append(shown, fmt.Sprintf("… (%d more)", len(choices)-maxShown))
			break
		}
		shown = append(shown, strconv.Quote(c))
	}
	return strings.Join(shown, ", ")
}

// showPattern returns the anchored form of p as users should read it.
func showPattern(p string) string {
	if strings.Contains(p, "|") {
		return "^(?:" + p + ")$"
	}
	return "^" + p + "$"
}

// patternCache holds compiled anchored patterns; it is cleared when full.
var patternCache = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: make(map[string]*regexp.Regexp)}

const patternCacheSize = 512

// compilePattern compiles p (RE2 syntax, as regexp.Compile) anchored at
// both ends. The anchors are added to the parsed syntax tree rather than
// the source text, so constructs like "a)|(b" or an unterminated \Q cannot
// escape them.
func compilePattern(p string) (*regexp.Regexp, error) {
	patternCache.RLock()
	re, ok := patternCache.m[p]
	patternCache.RUnlock()
	if ok {
		return re, nil
	}
	tree, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, err
	}
	anchored := &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{
		{Op: syntax.OpBeginText}, tree, {Op: syntax.OpEndText},
	}}
	re, err = regexp.Compile(anchored.String())
	if err != nil {
		return nil, err
	}
	patternCache.Lock()
	if len(patternCache.m) >= patternCacheSize {
		clear(patternCache.m)
	}
	patternCache.m[p] = re
	patternCache.Unlock()
	return re, nil
}
