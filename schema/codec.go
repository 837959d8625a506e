package schema

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Value tags: the first byte of an encoded Value. See the package
// documentation for the layout.
const (
	tagEmpty    = 0x00
	tagText     = 0x01
	tagChoice   = 0x02
	tagInt      = 0x03
	tagFloat    = 0x04
	tagDate     = 0x05
	tagCheckbox = 0x06
	tagDateTime = 0x07
	tagMulti    = 0x08
	tagPerson   = 0x09
	tagLookup   = 0x0a
)

// maxExactInt is 2^53, the bound of the integers float64 represents
// exactly; numbers that are integers within ±maxExactInt use tagInt.
const maxExactInt = 1 << 53

// AppendBinary appends the canonical binary encoding of v to b and returns
// the extended slice. Every Value has exactly one encoding; [DecodeValue]
// accepts it back unless v holds NaN, an infinity or more than
// MaxValueBytes of text (values [Field.Validate] rejects). Unlike
// encoding.BinaryAppender it cannot fail.
func (v Value) AppendBinary(b []byte) []byte {
	switch v.kind {
	case kindText:
		return appendString(append(b, tagText), v.text)
	case kindChoice:
		return appendString(append(b, tagChoice), v.text)
	case kindNumber:
		if i, ok := exactInt(v.num); ok {
			return binary.AppendVarint(append(b, tagInt), i)
		}
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v.num))
	case kindDate:
		return binary.AppendVarint(append(b, tagDate), int64(v.date))
	case kindCheckbox:
		return append(b, tagCheckbox, byte(b2i(v.b)))
	case kindDateTime:
		return binary.AppendVarint(append(b, tagDateTime), v.sec)
	case kindMulti:
		items := v.Items()
		b = binary.AppendUvarint(append(b, tagMulti), uint64(len(items)))
		for _, it := range items {
			b = appendString(b, it)
		}
		return b
	case kindPerson:
		p := v.Person()
		return appendString(appendString(appendString(append(b, tagPerson), p.ID), p.Email), p.Name)
	case kindLookup:
		id := v.Record()
		return append(append(b, tagLookup), id[:]...)
	}
	return append(b, tagEmpty)
}

// DecodeValue decodes a Value encoded by [Value.AppendBinary]. It is strict:
// the whole of b must be one canonical encoding (known tag, minimal
// varints, non-empty valid UTF-8 text of at most MaxValueBytes, finite
// numbers in their canonical form, dates within int32, checkbox byte 0 or
// 1, no trailing bytes); otherwise the error wraps [ErrMalformed]. The
// result does not alias b.
func DecodeValue(b []byte) (Value, error) {
	v, rest, err := readValue(b)
	if err != nil {
		return Value{}, fmt.Errorf("decode value: %w", err)
	}
	if len(rest) != 0 {
		return Value{}, fmt.Errorf("decode value: %w: %d trailing bytes", ErrMalformed, len(rest))
	}
	return v, nil
}

// readValue decodes one Value from the front of b and returns the rest.
func readValue(b []byte) (Value, []byte, error) {
	if len(b) == 0 {
		return Value{}, nil, fmt.Errorf("%w: no data", ErrMalformed)
	}
	tag, p := b[0], b[1:]
	switch tag {
	case tagEmpty:
		return Value{}, p, nil
	case tagText, tagChoice:
		return readTextValue(tag, p)
	case tagInt:
		return readIntValue(p)
	case tagFloat:
		return readFloatValue(p)
	case tagDate:
		d, rest, err := readVarint(p)
		if err != nil || d < math.MinInt32 || d > math.MaxInt32 {
			return Value{}, nil, malformed(err, "date out of range")
		}
		return DateDays(int32(d)), rest, nil
	case tagCheckbox:
		if len(p) == 0 || p[0] > 1 {
			return Value{}, nil, fmt.Errorf("%w: checkbox byte missing or not 0/1", ErrMalformed)
		}
		return BoolValue(p[0] == 1), p[1:], nil
	case tagDateTime:
		s, rest, err := readVarint(p)
		if err != nil || s < minDateTimeSec || s > maxDateTimeSec {
			return Value{}, nil, malformed(err, "date-time out of range")
		}
		return DateTimeSeconds(s), rest, nil
	case tagMulti:
		return readMultiValue(p)
	case tagPerson:
		return readPersonValue(p)
	case tagLookup:
		if len(p) < 16 {
			return Value{}, nil, fmt.Errorf("%w: truncated record ID", ErrMalformed)
		}
		id := uuid.UUID(p[:16])
		if id == uuid.Nil {
			return Value{}, nil, fmt.Errorf("%w: nil record ID", ErrMalformed)
		}
		return LookupValue(id), p[16:], nil
	}
	return Value{}, nil, fmt.Errorf("%w: unknown value kind 0x%02x", ErrMalformed, tag)
}

// readMultiValue decodes the payload of a multi-choice value: a count of
// 1..MaxChoices, then that many distinct non-empty items in ascending
// byte order.
func readMultiValue(p []byte) (Value, []byte, error) {
	n, p, err := readUvarint(p)
	if err != nil {
		return Value{}, nil, err
	}
	if n == 0 || n > MaxChoices || n > uint64(len(p)) {
		return Value{}, nil, fmt.Errorf("%w: multi-choice count %d", ErrMalformed, n)
	}
	items := make([]string, n)
	for i := range items {
		if items[i], p, err = readString(p, maxChoiceBytes); err != nil {
			return Value{}, nil, err
		}
		if items[i] == "" || strings.Contains(items[i], sep) || (i > 0 && items[i-1] >= items[i]) {
			return Value{}, nil, fmt.Errorf("%w: multi-choice items empty, unsorted or repeated", ErrMalformed)
		}
	}
	return Value{kind: kindMulti, text: strings.Join(items, sep)}, p, nil
}

// readPersonValue decodes the payload of a person value: reference,
// e-mail and name, which must pass the person check.
func readPersonValue(p []byte) (Value, []byte, error) {
	var parts PersonParts
	var err error
	if parts.ID, p, err = readString(p, maxPersonIDBytes); err != nil {
		return Value{}, nil, err
	}
	if parts.Email, p, err = readString(p, maxPersonEmailBytes); err != nil {
		return Value{}, nil, err
	}
	if parts.Name, p, err = readString(p, 4*maxPersonNameRunes); err != nil {
		return Value{}, nil, err
	}
	if err := parts.check(); err != nil {
		return Value{}, nil, fmt.Errorf("%w: person: %v", ErrMalformed, err)
	}
	v := PersonValue(parts)
	if v.Person() != parts {
		return Value{}, nil, fmt.Errorf("%w: person parts not in canonical form", ErrMalformed)
	}
	return v, p, nil
}

// readTextValue decodes the payload of a text or choice value.
func readTextValue(tag byte, p []byte) (Value, []byte, error) {
	s, rest, err := readString(p, MaxValueBytes)
	if err != nil {
		return Value{}, nil, err
	}
	if s == "" {
		return Value{}, nil, fmt.Errorf("%w: empty text must be encoded as the empty value", ErrMalformed)
	}
	if tag == tagChoice {
		return Value{kind: kindChoice, text: s}, rest, nil
	}
	return Value{kind: kindText, text: s}, rest, nil
}

// readIntValue decodes the payload of an integral number.
func readIntValue(p []byte) (Value, []byte, error) {
	i, rest, err := readVarint(p)
	if err != nil || i < -maxExactInt || i > maxExactInt {
		return Value{}, nil, malformed(err, "integer out of the exact float64 range")
	}
	return NumberValue(float64(i)), rest, nil
}

// readFloatValue decodes the payload of a non-integral number.
func readFloatValue(p []byte) (Value, []byte, error) {
	if len(p) < 8 {
		return Value{}, nil, fmt.Errorf("%w: truncated number", ErrMalformed)
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(p))
	if !finite(f) {
		return Value{}, nil, fmt.Errorf("%w: number is not finite", ErrMalformed)
	}
	if _, ok := exactInt(f); ok {
		return Value{}, nil, fmt.Errorf("%w: integral number must use the integer form", ErrMalformed)
	}
	return NumberValue(f), p[8:], nil
}

// exactInt returns f as an int64 when f is an integer within ±2^53
// (including -0, as 0).
func exactInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || math.Abs(f) > maxExactInt {
		return 0, false
	}
	return int64(f), true
}

// malformed returns err if non-nil, else an ErrMalformed error with msg.
func malformed(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", ErrMalformed, msg)
}

// appendString appends s with a uvarint length prefix.
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// readUvarint reads a minimally encoded uvarint from the front of p.
func readUvarint(p []byte) (uint64, []byte, error) {
	x, n := binary.Uvarint(p)
	switch {
	case n == 0:
		return 0, nil, fmt.Errorf("%w: truncated varint", ErrMalformed)
	case n < 0:
		return 0, nil, fmt.Errorf("%w: varint overflows 64 bits", ErrMalformed)
	case n > 1 && p[n-1] == 0:
		return 0, nil, fmt.Errorf("%w: non-minimal varint", ErrMalformed)
	}
	return x, p[n:], nil
}

// readVarint reads a minimally encoded zigzag varint from the front of p.
func readVarint(p []byte) (int64, []byte, error) {
	ux, rest, err := readUvarint(p)
	if err != nil {
		return 0, nil, err
	}
	return int64(ux>>1) ^ -int64(ux&1), rest, nil
}

// readString reads a uvarint-length-prefixed UTF-8 string of at most
// maxBytes bytes. The length is checked before anything is allocated.
func readString(p []byte, maxBytes int) (string, []byte, error) {
	n, rest, err := readUvarint(p)
	if err != nil {
		return "", nil, err
	}
	if n > uint64(maxBytes) {
		return "", nil, fmt.Errorf("%w: string of %d bytes exceeds %d", ErrMalformed, n, maxBytes)
	}
	if n > uint64(len(rest)) {
		return "", nil, fmt.Errorf("%w: truncated string", ErrMalformed)
	}
	if !utf8.Valid(rest[:n]) {
		return "", nil, fmt.Errorf("%w: string is not valid UTF-8", ErrMalformed)
	}
	return string(rest[:n]), rest[n:], nil
}
