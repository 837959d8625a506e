package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// toolJSON and fieldJSON mirror the design JSON format for decoding; ids
// are strings so that missing ids can be told apart from malformed ones.
type toolJSON struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Fields []fieldJSON `json:"fields"`
}

type fieldJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	Min       *float64  `json:"min"`
	Max       *float64  `json:"max"`
	MaxLength int       `json:"maxLength"`
	Pattern   string    `json:"pattern"`
	Choices   []string  `json:"choices"`
}

// objectKeys lists the keys allowed in a JSON object of the design format,
// each mapped to the keys allowed in objects nested under it (directly or
// as array elements); nil means no nested objects are expected.
type objectKeys map[string]objectKeys

var (
	fieldKeys = objectKeys{"id": nil, "name": nil, "type": nil, "required": nil,
		"min": nil, "max": nil, "maxLength": nil, "pattern": nil, "choices": nil}
	toolKeys = objectKeys{"id": nil, "name": nil, "fields": fieldKeys}
)

// maxJSONDepth bounds the nesting the key check walks through.
const maxJSONDepth = 8

// ParseToolJSON parses a tool design in the design JSON format (see the
// package documentation) and checks it with [Tool.Check]. It is strict:
// input larger than MaxDesignJSONBytes, anything but a single JSON object,
// unknown or duplicate keys, and keys in the wrong case are rejected. A
// missing or empty "id" (tool or field) is filled with a fresh random UUID;
// callers that need stable ids must put them in the document. Present ids
// must be in the canonical 36-character form. Errors wrap
// [ErrInvalidDesign].
func ParseToolJSON(data []byte) (*Tool, error) {
	t, err := parseToolJSON(data)
	if err != nil {
		return nil, fmt.Errorf("parse tool json: %w", err)
	}
	return t, nil
}

// parseToolJSON does the work of ParseToolJSON without the error prefix.
func parseToolJSON(data []byte) (*Tool, error) {
	if len(data) > MaxDesignJSONBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrInvalidDesign, MaxDesignJSONBytes)
	}
	if err := checkJSONKeys(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDesign, err)
	}
	var doc toolJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDesign, err)
	}
	t, err := doc.tool()
	if err != nil {
		return nil, err
	}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return t, nil
}

// tool converts the decoded document, filling missing ids.
func (d *toolJSON) tool() (*Tool, error) {
	id, err := parseID(d.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: tool %q: id: %v", ErrInvalidDesign, d.Name, err)
	}
	t := &Tool{ID: id, Name: d.Name, Fields: make([]Field, len(d.Fields))}
	for i, fj := range d.Fields {
		fid, err := parseID(fj.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: id: %v", ErrInvalidDesign, fj.Name, err)
		}
		t.Fields[i] = Field{ID: fid, Name: fj.Name, Type: fj.Type, Required: fj.Required,
			Min: fj.Min, Max: fj.Max, MaxLength: fj.MaxLength, Pattern: fj.Pattern, Choices: fj.Choices}
	}
	return t, nil
}

// parseID parses a canonical 36-character UUID, or returns a new random
// one for "".
func parseID(s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.NewRandom()
	}
	if len(s) != 36 {
		return uuid.Nil, fmt.Errorf("%q is not a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	return uuid.Parse(s)
}

// MarshalJSON encodes t in the design JSON format; [ParseToolJSON] parses
// the result back to an equal Tool when t passes [Tool.Check]. A nil t
// encodes as null.
func (t *Tool) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	type plain Tool // same fields and tags, without the methods
	p := plain(*t)
	if p.Fields == nil {
		p.Fields = []Field{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep patterns like "<" readable
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("marshal tool %q: %w", t.Name, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes the design JSON format with the rules of
// [ParseToolJSON], including its check; on error t is left unchanged.
func (t *Tool) UnmarshalJSON(data []byte) error {
	parsed, err := parseToolJSON(data)
	if err != nil {
		return err
	}
	*t = *parsed
	return nil
}

// checkJSONKeys walks data, which must be a single JSON object, and rejects
// keys not allowed by toolKeys (compared exactly, although encoding/json
// would match them case-insensitively) and duplicate keys.
func checkJSONKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("a design must be a JSON object")
	}
	if err := walkObject(dec, toolKeys, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// walkObject checks the keys of an object whose '{' has been read, up to
// and including its '}'.
func walkObject(dec *json.Decoder, allowed objectKeys, depth int) error {
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if _, ok := allowed[key]; !ok {
			return fmt.Errorf("unknown key %q", key)
		}
		if seen[strings.ToLower(key)] {
			return fmt.Errorf("duplicate key %q", key)
		}
		seen[strings.ToLower(key)] = true
		if err := walkValue(dec, allowed[key], depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// walkValue checks one value; objects in it (directly or in arrays) must
// use the keys of allowed.
func walkValue(dec *json.Decoder, allowed objectKeys, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, allowed, depth+1)
	case json.Delim('['):
		for dec.More() {
			if err := walkValue(dec, allowed, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}
