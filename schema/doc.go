// Package schema defines the designs of Grove tools (a [Tool] is a named,
// ordered list of typed [Field]s, as built in the schema designer), the
// [Value]s records hold for those fields, the rules that validate them, and
// the encodings used to store and sync them. It is pure Go with no
// dependency on the UI or the store.
//
// # Fields, values and rules
//
// Each field has a [FieldType]: text (single line), longtext, number, date,
// checkbox or choice. A record is a map from field ID to [Value]; the zero
// Value is the empty value and means "absent". [ParseValue] turns the
// command-line text form ("FIELD=VALUE") into a Value and [Value.String]
// turns it back. [Field.Validate] and [Tool.ValidateRecord] apply the
// rules (required, min, max, maxlength in runes, anchored pattern, choice,
// type) and report violations as [*RuleError] / [*ValidationError], both
// matching errors.Is(err, [ErrInvalidValue]). [Tool.Check] validates a
// design itself; its errors wrap [ErrInvalidDesign].
//
// # Design JSON format
//
// Designs are exchanged (templates, import/export) as one JSON object:
//
//	{
//	  "id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01",
//	  "name": "Contacts",
//	  "fields": [
//	    {"id": "…", "name": "Name", "type": "text", "required": true, "maxLength": 200},
//	    {"id": "…", "name": "Email", "type": "text", "pattern": "[^@\\s]+@[^@\\s]+"},
//	    {"id": "…", "name": "Score", "type": "number", "min": 0, "max": 10},
//	    {"id": "…", "name": "Tag", "type": "choice", "choices": ["Customer", "Supplier"]}
//	  ]
//	}
//
// Tool keys: "id" (UUID string), "name" (string), "fields" (array). Field
// keys: "id", "name", "type" (one of the FieldType strings), "required"
// (bool), "min" and "max" (numbers, number fields only), "maxLength"
// (integer, text and longtext only), "pattern" (RE2 regexp, text and
// longtext only, matched against the whole value), "choices" (array of
// strings, choice fields only). Optional keys may be omitted; their zero
// values mean "no constraint".
//
// [ParseToolJSON] is strict: at most [MaxDesignJSONBytes], exactly one
// object, no unknown, duplicate or differently-cased keys, and the result
// must pass [Tool.Check]. Ids: stored designs always carry ids; a missing
// or empty "id" is filled with a fresh random UUID, so files that must
// yield stable ids (templates) contain fixed ids. Present ids must be in
// the canonical 36-character form. [Tool.MarshalJSON] writes the same
// format (optional keys omitted when zero), and parsing it back gives an
// equal Tool. Later versions will add keys (views, forms) to the format.
//
// # Binary value layout
//
// [Value.AppendBinary] / [DecodeValue] use a compact canonical layout: one
// tag byte, then a payload. "uvarint" and "varint" are encoding/binary's
// unsigned and zigzag-signed varints and must be minimal (no trailing 0x00
// continuation bytes).
//
//	tag  kind              payload
//	0x00 empty             none (the encoding is the single byte 0x00)
//	0x01 text              uvarint n (1..MaxValueBytes), n bytes of valid UTF-8
//	0x02 choice            same as text
//	0x03 number, integral  varint i, |i| <= 2^53 (every finite integral
//	                       number in that range, including 0, uses this form)
//	0x04 number, other     8 bytes: IEEE-754 float64 bits, big-endian; finite,
//	                       not integral within ±2^53 (those use 0x03)
//	0x05 date              varint days since 1970-01-01, within int32
//	0x06 checkbox          1 byte: 0x00 false, 0x01 true
//
// Examples: empty = 00; TextValue("hi") = 01 02 68 69; NumberValue(42) =
// 03 54; NumberValue(1.5) = 04 3f f8 00 00 00 00 00 00; DateDays(-1) =
// 05 01; BoolValue(true) = 06 01. The decoder rejects unknown tags,
// truncated or trailing bytes, empty or oversized text, invalid UTF-8,
// non-minimal varints, NaN, infinities and non-canonical number forms, so
// every accepted input re-encodes to the same bytes.
//
// # Binary field layout (format version 1)
//
// [Field.AppendBinary] / [DecodeField] store one field definition as one
// change unit:
//
//	offset  size  content
//	0       1     format version, 0x01
//	1       16    field ID (UUID bytes)
//	17      var   name: uvarint n (<= 400), n bytes UTF-8
//	        1     type code: 1 text, 2 longtext, 3 number, 4 date,
//	              5 checkbox, 6 choice
//	        1     flags: bit 0 required, bit 1 min present, bit 2 max
//	              present; bits 3-7 must be 0
//	        8     min: float64 bits, big-endian (only if bit 1)
//	        8     max: float64 bits, big-endian (only if bit 2)
//	        var   maxLength: uvarint (<= DefaultLongTextMaxLength)
//	        var   pattern: uvarint n (<= MaxPatternBytes), n bytes UTF-8
//	        var   choices: uvarint count (<= MaxChoices), then count times
//	              uvarint n (<= 400), n bytes UTF-8
//
// Nothing may follow the last choice. Beyond the structure, [DecodeField]
// requires the field to pass [Field.Check]. A later format version will
// use a different first byte.
package schema
