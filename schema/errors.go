package schema

import "errors"

// ErrInvalidDesign is wrapped by every error that reports a broken tool or
// field design: [Tool.Check], [Field.Check], [ParseToolJSON] and the design
// checks of [DecodeField].
var ErrInvalidDesign = errors.New("invalid design")

// ErrInvalidValue is wrapped by every [RuleError], so
// errors.Is(err, ErrInvalidValue) tells a rejected value apart from other
// failures.
var ErrInvalidValue = errors.New("invalid value")

// ErrMalformed is wrapped by the errors of the binary decoders
// ([DecodeValue], [DecodeField]) when the input is not a canonical encoding:
// truncated, oversized, unknown tags, non-minimal varints, trailing bytes.
var ErrMalformed = errors.New("malformed encoding")
