package schema

import (
	"encoding/binary"
	"fmt"
	"math"
)

// fieldFormatV1 is the first byte of a version 1 field encoding.
const fieldFormatV1 = 0x01

// Field type codes of the binary field layout.
var (
	typeCodes = map[FieldType]byte{Text: 1, LongText: 2, Number: 3, Date: 4, Checkbox: 5, Choice: 6}
	codeTypes = map[byte]FieldType{1: Text, 2: LongText, 3: Number, 4: Date, 5: Checkbox, 6: Choice}
)

// Flag bits of the binary field layout.
const (
	flagRequired = 1 << 0
	flagMin      = 1 << 1
	flagMax      = 1 << 2
	flagsKnown   = flagRequired | flagMin | flagMax
)

// Byte limits of the strings of an encoded field (4 bytes per rune).
const (
	maxNameBytes   = 4 * MaxNameRunes
	maxChoiceBytes = 4 * MaxChoiceRunes
)

// AppendBinary appends the version 1 binary encoding of the field
// definition to b and returns the extended slice; see the package
// documentation for the layout. The encoding is canonical: [DecodeField]
// accepts exactly the encodings of fields that pass [Field.Check], and
// re-encoding a decoded field gives the same bytes. A field of unknown
// type is written with type code 0, which DecodeField rejects.
func (f Field) AppendBinary(b []byte) []byte {
	b = append(b, fieldFormatV1)
	b = append(b, f.ID[:]...)
	b = appendString(b, f.Name)
	b = append(b, typeCodes[f.Type])
	var flags byte
	if f.Required {
		flags |= flagRequired
	}
	if f.Min != nil {
		flags |= flagMin
	}
	if f.Max != nil {
		flags |= flagMax
	}
	b = append(b, flags)
	if f.Min != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(*f.Min))
	}
	if f.Max != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(*f.Max))
	}
	b = binary.AppendUvarint(b, uint64(max(f.MaxLength, 0)))
	b = appendString(b, f.Pattern)
	b = binary.AppendUvarint(b, uint64(len(f.Choices)))
	for _, c := range f.Choices {
		b = appendString(b, c)
	}
	return b
}

// DecodeField decodes a field definition encoded by [Field.AppendBinary].
// The whole of b must be one canonical encoding (errors wrap
// [ErrMalformed]) of a field that passes [Field.Check] (errors wrap
// [ErrInvalidDesign]). Sizes are checked before allocating; the result does
// not alias b; Choices is nil when there are none.
func DecodeField(b []byte) (Field, error) {
	f, err := readField(b)
	if err != nil {
		return Field{}, fmt.Errorf("decode field: %w", err)
	}
	if err := f.Check(); err != nil {
		return Field{}, fmt.Errorf("decode field: %w", err)
	}
	return f, nil
}

// readField decodes the structure of a field encoding.
func readField(b []byte) (Field, error) {
	var f Field
	if len(b) < 1+len(f.ID) {
		return f, fmt.Errorf("%w: truncated header", ErrMalformed)
	}
	if b[0] != fieldFormatV1 {
		return f, fmt.Errorf("%w: unknown format version %d", ErrMalformed, b[0])
	}
	copy(f.ID[:], b[1:])
	p := b[1+len(f.ID):]
	var err error
	if f.Name, p, err = readString(p, maxNameBytes); err != nil {
		return f, fmt.Errorf("name: %w", err)
	}
	if p, err = readTypeAndBounds(&f, p); err != nil {
		return f, err
	}
	if p, err = readTextRules(&f, p); err != nil {
		return f, err
	}
	if f.Choices, p, err = readChoices(p); err != nil {
		return f, fmt.Errorf("choices: %w", err)
	}
	if len(p) != 0 {
		return f, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(p))
	}
	return f, nil
}

// readTypeAndBounds reads the type code, the flags and the bounds.
func readTypeAndBounds(f *Field, p []byte) ([]byte, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("%w: truncated type and flags", ErrMalformed)
	}
	t, ok := codeTypes[p[0]]
	if !ok {
		return nil, fmt.Errorf("%w: unknown type code %d", ErrMalformed, p[0])
	}
	f.Type = t
	flags := p[1]
	if flags&^flagsKnown != 0 {
		return nil, fmt.Errorf("%w: unknown flags 0x%02x", ErrMalformed, flags)
	}
	f.Required = flags&flagRequired != 0
	p = p[2:]
	var err error
	if flags&flagMin != 0 {
		if f.Min, p, err = readFloat(p); err != nil {
			return nil, fmt.Errorf("min: %w", err)
		}
	}
	if flags&flagMax != 0 {
		if f.Max, p, err = readFloat(p); err != nil {
			return nil, fmt.Errorf("max: %w", err)
		}
	}
	return p, nil
}

// readTextRules reads MaxLength and Pattern.
func readTextRules(f *Field, p []byte) ([]byte, error) {
	n, p, err := readUvarint(p)
	if err != nil {
		return nil, fmt.Errorf("maxLength: %w", err)
	}
	if n > DefaultLongTextMaxLength {
		return nil, fmt.Errorf("%w: maxLength %d too large", ErrMalformed, n)
	}
	f.MaxLength = int(n)
	if f.Pattern, p, err = readString(p, MaxPatternBytes); err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	return p, nil
}

// readFloat reads 8 bytes of big-endian float64 bits.
func readFloat(p []byte) (*float64, []byte, error) {
	if len(p) < 8 {
		return nil, nil, fmt.Errorf("%w: truncated number", ErrMalformed)
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(p))
	return &f, p[8:], nil
}

// readChoices reads the choice count and the choices. The count is checked
// against MaxChoices and the remaining input before allocating.
func readChoices(p []byte) ([]string, []byte, error) {
	n, p, err := readUvarint(p)
	if err != nil {
		return nil, nil, err
	}
	if n > MaxChoices || n > uint64(len(p)) {
		return nil, nil, fmt.Errorf("%w: choice count %d too large", ErrMalformed, n)
	}
	if n == 0 {
		return nil, p, nil
	}
	choices := make([]string, n)
	for i := range choices {
		if choices[i], p, err = readString(p, maxChoiceBytes); err != nil {
			return nil, nil, err
		}
	}
	return choices, p, nil
}
