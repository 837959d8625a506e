package schema

import (
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
)

// ElementKind tells the design elements apart in their binary encodings:
// it is the first byte (format) of the encoding.
type ElementKind byte

// The element kinds and their format bytes.
const (
	// ElementField is a field definition, format version 1.
	ElementField ElementKind = fieldFormatV1
	// ElementFieldV2 is a field definition, format version 2.
	ElementFieldV2 ElementKind = fieldFormatV2
	// ElementView is a view, format version 1.
	ElementView ElementKind = 0x10
	// ElementForm is a form, format version 1.
	ElementForm ElementKind = 0x11
	// ElementRule is a tool rule, format version 1.
	ElementRule ElementKind = 0x12
)

// KindOf returns the element kind of an encoding (its first byte), or 0
// for an empty one.
func KindOf(b []byte) ElementKind {
	if len(b) == 0 {
		return 0
	}
	return ElementKind(b[0])
}

// IsField reports whether k is a field format.
func (k ElementKind) IsField() bool { return k == ElementField || k == ElementFieldV2 }

// CheckElement reports whether b is a canonical encoding of a design
// element of any kind that passes the checks possible without its tool
// (names, sizes, types, expression syntax). Errors wrap [ErrMalformed] or
// [ErrInvalidDesign].
func CheckElement(b []byte) error {
	var err error
	switch k := KindOf(b); {
	case k.IsField():
		_, err = DecodeField(b)
	case k == ElementView:
		_, err = DecodeView(b)
	case k == ElementForm:
		_, err = DecodeForm(b)
	case k == ElementRule:
		_, err = DecodeRule(b)
	default:
		err = fmt.Errorf("decode design element: %w: unknown element format 0x%02x", ErrMalformed, byte(k))
	}
	return err
}

// View type codes of the binary view layout.
var viewCodes = map[ViewType]byte{TableView: 1, CalendarView: 2, BoardView: 3}

// AppendBinary appends the binary encoding of the view (see the package
// documentation) to b. [DecodeView] accepts it back when the view passes
// its checks.
func (v View) AppendBinary(b []byte) []byte {
	b = append(b, byte(ElementView))
	b = append(b, v.ID[:]...)
	b = appendString(b, v.Name)
	b = append(b, viewCodes[v.Type], byte(b2i(v.Private)))
	b = appendString(b, v.Owner)
	b = binary.AppendUvarint(b, uint64(len(v.Columns)))
	for _, c := range v.Columns {
		b = append(b, c[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(v.Sort)))
	for _, k := range v.Sort {
		b = append(append(b, k.Field[:]...), byte(b2i(k.Desc)))
	}
	b = appendString(b, v.Filter)
	for _, id := range []uuid.UUID{v.Group, v.DateField, v.EndField, v.BoardField} {
		b = append(b, id[:]...)
	}
	return b
}

// DecodeView decodes a view encoded by [View.AppendBinary]. The whole of b
// must be one canonical encoding (errors wrap [ErrMalformed]) with a valid
// name and type and a filter that parses (errors wrap [ErrInvalidDesign]);
// field references are checked when the view is part of a tool.
func DecodeView(b []byte) (View, error) {
	v, err := readView(b)
	if err != nil {
		return View{}, fmt.Errorf("decode view: %w", err)
	}
	return v, nil
}

func readView(b []byte) (View, error) {
	var v View
	r := reader{p: b}
	if r.byte() != byte(ElementView) {
		return v, fmt.Errorf("%w: not a view", ErrMalformed)
	}
	v.ID = r.uuid()
	v.Name = r.str(maxNameBytes)
	code, flags := r.byte(), r.byte()
	for t, c := range viewCodes {
		if c == code {
			v.Type = t
		}
	}
	if v.Type == "" && r.err == nil {
		r.fail("unknown view type %d", code)
	}
	if flags > 1 {
		r.fail("unknown view flags 0x%02x", flags)
	}
	v.Private = flags == 1
	v.Owner = r.str(MaxOwnerBytes)
	v.Columns = r.ids(MaxFields)
	if n := r.count(MaxSortKeys, 17); n > 0 {
		v.Sort = make([]SortKey, n)
		for i := range v.Sort {
			v.Sort[i].Field = r.uuid()
			switch d := r.byte(); d {
			case 0, 1:
				v.Sort[i].Desc = d == 1
			default:
				r.fail("sort direction %d", d)
			}
		}
	}
	v.Filter = r.str(MaxExprBytes)
	v.Group, v.DateField, v.EndField, v.BoardField = r.uuid(), r.uuid(), r.uuid(), r.uuid()
	if err := r.done(); err != nil {
		return View{}, err
	}
	return v, v.checkAlone()
}

// checkAlone checks what can be checked without the tool.
func (v *View) checkAlone() error {
	if v.ID == uuid.Nil {
		return fmt.Errorf("%w: view %q: missing id", ErrInvalidDesign, v.Name)
	}
	if err := checkName(v.Name, MaxNameRunes); err != nil {
		return fmt.Errorf("%w: view %q: name: %v", ErrInvalidDesign, v.Name, err)
	}
	if v.Private != (v.Owner != "") || (v.Owner != "" && checkPersonID(v.Owner) != nil) {
		return fmt.Errorf("%w: view %q: bad owner", ErrInvalidDesign, v.Name)
	}
	if v.Filter != "" {
		if _, err := ParseExpr(v.Filter); err != nil {
			return fmt.Errorf("view %q filter: %w", v.Name, err)
		}
	}
	return nil
}

// AppendBinary appends the binary encoding of the form to b.
func (fm Form) AppendBinary(b []byte) []byte {
	b = append(b, byte(ElementForm))
	b = append(b, fm.ID[:]...)
	b = appendString(b, fm.Name)
	b = binary.AppendUvarint(b, uint64(len(fm.Sections)))
	for _, s := range fm.Sections {
		b = appendString(b, s.Title)
		b = binary.AppendUvarint(b, uint64(len(s.Items)))
		for _, it := range s.Items {
			b = append(b, it.Field[:]...)
			b = appendString(b, it.Label)
			b = append(b, byte(b2i(it.ReadOnly)))
		}
	}
	return b
}

// DecodeForm decodes a form encoded by [Form.AppendBinary], strictly, as
// DecodeView does.
func DecodeForm(b []byte) (Form, error) {
	fm, err := readForm(b)
	if err != nil {
		return Form{}, fmt.Errorf("decode form: %w", err)
	}
	return fm, nil
}

func readForm(b []byte) (Form, error) {
	var fm Form
	r := reader{p: b}
	if r.byte() != byte(ElementForm) {
		return fm, fmt.Errorf("%w: not a form", ErrMalformed)
	}
	fm.ID = r.uuid()
	fm.Name = r.str(maxNameBytes)
	n := r.count(MaxSections, 2)
	if n == 0 && r.err == nil {
		r.fail("a form needs a section")
	}
	fm.Sections = make([]FormSection, n)
	for i := range fm.Sections {
		s := &fm.Sections[i]
		s.Title = r.str(maxNameBytes)
		if m := r.count(MaxFields, 18); m > 0 {
			s.Items = make([]FormItem, m)
			for j := range s.Items {
				it := &s.Items[j]
				it.Field, it.Label = r.uuid(), r.str(maxNameBytes)
				switch ro := r.byte(); ro {
				case 0, 1:
					it.ReadOnly = ro == 1
				default:
					r.fail("read-only flag %d", ro)
				}
			}
		}
	}
	if err := r.done(); err != nil {
		return Form{}, err
	}
	if fm.ID == uuid.Nil {
		return Form{}, fmt.Errorf("%w: form %q: missing id", ErrInvalidDesign, fm.Name)
	}
	if err := checkName(fm.Name, MaxNameRunes); err != nil {
		return Form{}, fmt.Errorf("%w: form %q: name: %v", ErrInvalidDesign, fm.Name, err)
	}
	return fm, nil
}

// AppendBinary appends the binary encoding of the rule to b.
func (r Rule) AppendBinary(b []byte) []byte {
	b = append(b, byte(ElementRule))
	b = append(b, r.ID[:]...)
	b = appendString(b, r.Name)
	b = appendString(b, r.Expr)
	return appendString(b, r.Message)
}

// DecodeRule decodes a rule encoded by [Rule.AppendBinary], strictly, as
// DecodeView does; the expression must parse.
func DecodeRule(b []byte) (Rule, error) {
	var ru Rule
	r := reader{p: b}
	if r.byte() != byte(ElementRule) {
		return ru, fmt.Errorf("decode rule: %w: not a rule", ErrMalformed)
	}
	ru.ID = r.uuid()
	ru.Name = r.str(maxNameBytes)
	ru.Expr = r.str(MaxExprBytes)
	ru.Message = r.str(4 * MaxMessageRunes)
	if err := r.done(); err != nil {
		return Rule{}, fmt.Errorf("decode rule: %w", err)
	}
	if ru.ID == uuid.Nil {
		return Rule{}, fmt.Errorf("decode rule: %w: rule %q: missing id", ErrInvalidDesign, ru.Name)
	}
	if err := checkName(ru.Name, MaxNameRunes); err != nil {
		return Rule{}, fmt.Errorf("decode rule: %w: rule %q: name: %v", ErrInvalidDesign, ru.Name, err)
	}
	if _, err := ParseExpr(ru.Expr); err != nil {
		return Rule{}, fmt.Errorf("decode rule %q: %w", ru.Name, err)
	}
	return ru, nil
}

// reader decodes the element layouts with a sticky error.
type reader struct {
	p   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.p) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.p[0]
	r.p = r.p[1:]
	return c
}

func (r *reader) uuid() uuid.UUID {
	var id uuid.UUID
	if r.err != nil {
		return id
	}
	if len(r.p) < 16 {
		r.fail("truncated ID")
		return id
	}
	copy(id[:], r.p)
	r.p = r.p[16:]
	return id
}

func (r *reader) str(maxBytes int) string {
	if r.err != nil {
		return ""
	}
	s, rest, err := readString(r.p, maxBytes)
	if err != nil {
		r.err = err
		return ""
	}
	r.p = rest
	return s
}

// count reads a count of at most limit items, each at least minSize
// bytes, checked against the remaining input before anything is
// allocated.
func (r *reader) count(limit, minSize int) int {
	if r.err != nil {
		return 0
	}
	n, rest, err := readUvarint(r.p)
	if err != nil {
		r.err = err
		return 0
	}
	if n > uint64(limit) || n*uint64(minSize) > uint64(len(rest)) {
		r.fail("count %d too large", n)
		return 0
	}
	r.p = rest
	return int(n)
}

// ids reads a count and that many IDs; nil when there are none.
func (r *reader) ids(limit int) []uuid.UUID {
	n := r.count(limit, 16)
	if n == 0 {
		return nil
	}
	out := make([]uuid.UUID, n)
	for i := range out {
		out[i] = r.uuid()
	}
	return out
}

func (r *reader) done() error {
	if r.err == nil && len(r.p) != 0 {
		r.fail("%d trailing bytes", len(r.p))
	}
	return r.err
}
