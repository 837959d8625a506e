package schema

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/google/uuid"
)

// Field format versions: the first byte of a field encoding.
const (
	fieldFormatV1 = 0x01
	fieldFormatV2 = 0x02
)

// Flag bits of the binary field layout. Version 1 knows the first three.
const (
	flagRequired = 1 << 0
	flagMin      = 1 << 1
	flagMax      = 1 << 2
	flagHidden   = 1 << 3
	flagUnique   = 1 << 4
	flagPrec     = 1 << 5
	flagDefault  = 1 << 6
	flagDisplay  = 1 << 7
	flagsKnown   = flagRequired | flagMin | flagMax
	flagsKnownV2 = flagsKnown | flagHidden | flagUnique | flagPrec | flagDefault | flagDisplay
)

// maxDescriptionBytes bounds an encoded description (4 bytes per rune).
const maxDescriptionBytes = 4 * MaxDescriptionRunes

// Byte limits of the strings of an encoded field (4 bytes per rune).
const (
	maxNameBytes   = 4 * MaxNameRunes
	maxChoiceBytes = 4 * MaxChoiceRunes
)

// AppendBinary appends the binary encoding of the field definition to b
// and returns the extended slice; see the package documentation for the
// layouts. Fields that only use the properties of format version 1 are
// written in version 1, others in version 2. The encoding is canonical:
// [DecodeField] accepts exactly the encodings of fields that pass
// [Field.Check], and re-encoding a decoded field gives the same bytes. A
// field of unknown type is written with type code 0, which DecodeField
// rejects.
func (f Field) AppendBinary(b []byte) []byte {
	v2 := f.needsV2()
	if v2 {
		b = append(b, fieldFormatV2)
	} else {
		b = append(b, fieldFormatV1)
	}
	b = append(b, f.ID[:]...)
	b = appendString(b, f.Name)
	b = append(b, typeByName[f.Type].code)
	flags := f.flags()
	if v2 {
		b = binary.AppendUvarint(b, uint64(flags))
	} else {
		b = append(b, byte(flags))
	}
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
	if !v2 {
		return b
	}
	b = appendString(b, f.Description)
	if f.Precision != nil {
		b = append(b, byte(*f.Precision))
	}
	b = appendString(b, f.Currency)
	if !f.Default.IsEmpty() {
		b = appendBytes(b, f.Default.AppendBinary(nil))
	}
	if f.Type == Lookup {
		b = append(b, f.LookupTool[:]...)
	}
	if f.LookupDisplay != uuid.Nil {
		b = append(b, f.LookupDisplay[:]...)
	}
	return b
}

// needsV2 reports whether f uses properties format version 1 cannot hold.
func (f *Field) needsV2() bool {
	return typeByName[f.Type].code > 6 || f.Hidden || f.Unique || f.Precision != nil ||
		!f.Default.IsEmpty() || f.Description != "" || f.Currency != "" ||
		f.LookupTool != uuid.Nil || f.LookupDisplay != uuid.Nil
}

// flags returns the flag bits of f.
func (f *Field) flags() uint {
	var flags uint
	for _, fl := range []struct {
		on  bool
		bit uint
	}{{f.Required, flagRequired}, {f.Min != nil, flagMin}, {f.Max != nil, flagMax}, {f.Hidden, flagHidden},
		{f.Unique, flagUnique}, {f.Precision != nil, flagPrec}, {!f.Default.IsEmpty(), flagDefault},
		{f.LookupDisplay != uuid.Nil, flagDisplay}} {
		if fl.on {
			flags |= fl.bit
		}
	}
	return flags
}

// appendBytes appends p with a uvarint length prefix.
func appendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
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
	version := b[0]
	if version != fieldFormatV1 && version != fieldFormatV2 {
		return f, fmt.Errorf("%w: unknown format version %d", ErrMalformed, b[0])
	}
	copy(f.ID[:], b[1:])
	p := b[1+len(f.ID):]
	var err error
	if f.Name, p, err = readString(p, maxNameBytes); err != nil {
		return f, fmt.Errorf("name: %w", err)
	}
	var flags uint
	if p, flags, err = readTypeAndBounds(&f, p, version); err != nil {
		return f, err
	}
	if p, err = readTextRules(&f, p); err != nil {
		return f, err
	}
	if f.Choices, p, err = readChoices(p); err != nil {
		return f, fmt.Errorf("choices: %w", err)
	}
	if version == fieldFormatV2 {
		if p, err = readV2(&f, p, flags); err != nil {
			return f, err
		}
		if !f.needsV2() {
			return f, fmt.Errorf("%w: field fits format version 1 and must use it", ErrMalformed)
		}
	}
	if len(p) != 0 {
		return f, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(p))
	}
	return f, nil
}

// readV2 reads the part of a version 2 encoding after the choices.
func readV2(f *Field, p []byte, flags uint) ([]byte, error) {
	var err error
	if f.Description, p, err = readString(p, maxDescriptionBytes); err != nil {
		return nil, fmt.Errorf("description: %w", err)
	}
	if flags&flagPrec != 0 {
		if len(p) < 1 || p[0] > MaxPrecision {
			return nil, fmt.Errorf("%w: precision missing or too large", ErrMalformed)
		}
		prec := int(p[0])
		f.Precision, p = &prec, p[1:]
	}
	if f.Currency, p, err = readString(p, 3); err != nil {
		return nil, fmt.Errorf("currency: %w", err)
	}
	if flags&flagDefault != 0 {
		n, rest, err := readUvarint(p)
		if err != nil {
			return nil, fmt.Errorf("default: %w", err)
		}
		if n > uint64(len(rest)) || n > MaxValueBytes+16 {
			return nil, fmt.Errorf("%w: default: truncated", ErrMalformed)
		}
		if f.Default, err = DecodeValue(rest[:n]); err != nil {
			return nil, fmt.Errorf("default: %w", err)
		}
		if f.Default.IsEmpty() {
			return nil, fmt.Errorf("%w: default: empty value with the default flag", ErrMalformed)
		}
		p = rest[n:]
	}
	if f.Type == Lookup {
		if len(p) < 16 {
			return nil, fmt.Errorf("%w: lookup tool: truncated", ErrMalformed)
		}
		f.LookupTool, p = uuid.UUID(p[:16]), p[16:]
	}
	if flags&flagDisplay != 0 {
		if len(p) < 16 {
			return nil, fmt.Errorf("%w: lookup display: truncated", ErrMalformed)
		}
		f.LookupDisplay, p = uuid.UUID(p[:16]), p[16:]
		if f.LookupDisplay == uuid.Nil {
			return nil, fmt.Errorf("%w: lookup display: nil with the display flag", ErrMalformed)
		}
	}
	return p, nil
}

// readTypeAndBounds reads the type code, the flags and the bounds.
func readTypeAndBounds(f *Field, p []byte, version byte) ([]byte, uint, error) {
	if len(p) < 2 {
		return nil, 0, fmt.Errorf("%w: truncated type and flags", ErrMalformed)
	}
	t, ok := typeByCode[p[0]]
	if !ok || (version == fieldFormatV1 && p[0] > 6) {
		return nil, 0, fmt.Errorf("%w: unknown type code %d", ErrMalformed, p[0])
	}
	f.Type = t
	var flags uint
	if version == fieldFormatV1 {
		flags, p = uint(p[1]), p[2:]
		if flags&^flagsKnown != 0 {
			return nil, 0, fmt.Errorf("%w: unknown flags 0x%02x", ErrMalformed, flags)
		}
	} else {
		n, rest, err := readUvarint(p[1:])
		if err != nil {
			return nil, 0, fmt.Errorf("flags: %w", err)
		}
		if n&^flagsKnownV2 != 0 {
			return nil, 0, fmt.Errorf("%w: unknown flags 0x%x", ErrMalformed, n)
		}
		flags, p = uint(n), rest
	}
	f.Required = flags&flagRequired != 0
	f.Hidden = flags&flagHidden != 0
	f.Unique = flags&flagUnique != 0
	var err error
	if flags&flagMin != 0 {
		if f.Min, p, err = readFloat(p); err != nil {
			return nil, 0, fmt.Errorf("min: %w", err)
		}
	}
	if flags&flagMax != 0 {
		if f.Max, p, err = readFloat(p); err != nil {
			return nil, 0, fmt.Errorf("max: %w", err)
		}
	}
	return p, flags, nil
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
