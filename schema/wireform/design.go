package wireform

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// Field is one field of a server list's design.
type Field struct {
	// Internal is the field's internal name: the key of its values.
	Internal string `json:"internalName"`
	// Title is what people see ("Due Date").
	Title    string `json:"title"`
	Kind     Kind   `json:"type"`
	Required bool   `json:"required,omitempty"`
	// Choices are the allowed values of choice and multichoice fields.
	Choices []string `json:"choices,omitempty"`
	// LookupList names the list a lookup field points into.
	LookupList string `json:"lookupList,omitempty"`
}

// Rules are server-side validation rules the clients do not know.
type Rules struct {
	// EmailDomains, when not empty, is the allow-list of e-mail domains for
	// person fields and for the fields named in EmailFields.
	EmailDomains []string `json:"emailDomains,omitempty"`
	// EmailFields are text fields (internal names) holding e-mail addresses.
	EmailFields []string `json:"emailFields,omitempty"`
	// Unique lists fields (internal names) whose non-empty values must be
	// unique across the list's live items (text compared case-insensitively).
	Unique []string `json:"unique,omitempty"`
	// MaxItemsPerUser bounds the live items one user may have created; 0
	// means no limit.
	MaxItemsPerUser int `json:"maxItemsPerUser,omitempty"`
}

// List is a server list's design: one design version, signed by the
// server that owns it.
type List struct {
	ID     int64   `json:"id"`
	Name   string  `json:"name"`
	Fields []Field `json:"fields"`
	Rules  Rules   `json:"rules"`
	// DesignVersion grows with every design change; Signature is the
	// server's ed25519 signature over SigningBytes (base64 in JSON).
	DesignVersion int64  `json:"designVersion"`
	Signature     []byte `json:"signature,omitempty"`
}

// Field returns a field by internal name.
func (l *List) Field(internal string) (*Field, bool) {
	for i := range l.Fields {
		if l.Fields[i].Internal == internal {
			return &l.Fields[i], true
		}
	}
	return nil, false
}

// SigningBytes is what a server signs for a design version:
// "grove-design-v1\n" followed by the list's JSON without its signature.
func SigningBytes(l List) []byte {
	l.Signature = nil
	b, _ := json.Marshal(l) // a List always marshals
	return append([]byte("grove-design-v1\n"), b...)
}

// VerifyDesign reports whether a design version carries a valid
// signature of the server whose public key is pub.
func VerifyDesign(pub ed25519.PublicKey, l List) bool {
	return len(pub) == ed25519.PublicKeySize && len(l.Signature) == ed25519.SignatureSize &&
		ed25519.Verify(pub, SigningBytes(l), l.Signature)
}

// Mirror is the local tool that mirrors a server list, and how its fields
// map to the list's: every member that mirrors the same design version
// builds exactly the same, so a replica can check a tool against the
// signed design it claims to come from.
type Mirror struct {
	Tool *schema.Tool
	// Fields maps internal names to local field IDs, Names to the local
	// names (NameMap aliases), Kinds to the server kinds.
	Fields map[string]uuid.UUID
	Names  map[string]string
	Kinds  map[string]Kind
}

var mirrorNS = uuid.MustParse("7d0c6f0e-1f7b-4c8e-8a51-3c52a0f0b9d2")

// ToolID is the ID of the local tool mirroring list list of the server
// whose device ID is server.
func ToolID(server []byte, list int64) uuid.UUID {
	return uuid.NewSHA1(mirrorNS, append(append([]byte(nil), server...), strconv.FormatInt(list, 10)...))
}

// LookupTarget returns the ID of the list a lookup field points into when
// its LookupList names it by ID (a positive decimal integer); a lookup
// that names its list otherwise has no typed local field.
func LookupTarget(f Field) (int64, bool) {
	if f.Kind != Lookup {
		return 0, false
	}
	id, err := strconv.ParseInt(f.LookupList, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != f.LookupList {
		return 0, false
	}
	return id, true
}

// MirrorTool builds the mirror of list l of the server whose device ID
// (32 bytes) is server. The tool's ID is derived from the server and the
// list ID (ToolID), field IDs from the tool and the internal names. A
// lookup field with a LookupTarget names the records of that list's
// mirror.
func MirrorTool(server []byte, l List) (Mirror, error) {
	toolID := ToolID(server, l.ID)
	m := Mirror{Tool: &schema.Tool{ID: toolID, Name: l.Name},
		Fields: map[string]uuid.UUID{}, Names: map[string]string{}, Kinds: map[string]Kind{}}
	var names NameMap
	for _, f := range l.Fields {
		local := names.Add(f.Internal, f.Title)
		fid := uuid.NewSHA1(toolID, []byte(f.Internal))
		lf := schema.Field{ID: fid, Name: local, Type: FieldType(f), Required: f.Required}
		if f.Kind == Choice || f.Kind == MultiChoice {
			lf.Choices = append([]string(nil), f.Choices...)
		}
		if target, ok := LookupTarget(f); ok {
			lf.LookupTool = ToolID(server, target)
		}
		m.Tool.Fields = append(m.Tool.Fields, lf)
		m.Fields[f.Internal], m.Names[f.Internal], m.Kinds[f.Internal] = fid, local, f.Kind
	}
	if err := m.Tool.Check(); err != nil {
		return m, fmt.Errorf("list %q: mirror tool: %w", l.Name, err)
	}
	return m, nil
}

// FieldType is the Grove field type of the local field mirroring f: its
// kind's LocalType, except that a lookup without a LookupTarget is kept as
// text holding the exact wire form.
func FieldType(f Field) schema.FieldType {
	if _, ok := LookupTarget(f); f.Kind == Lookup && !ok {
		return schema.Text
	}
	return LocalType(f.Kind)
}

// LocalType is the Grove field type that holds values of server kind k:
// the typed parts of person (schema.PersonParts), lookup (a record),
// multi-choice, URL and date-time values; text and note as text.
func LocalType(k Kind) schema.FieldType {
	switch k {
	case Note:
		return schema.LongText
	case Number:
		return schema.Number
	case Boolean:
		return schema.Checkbox
	case Date:
		return schema.Date
	case DateTime:
		return schema.DateTime
	case Choice:
		return schema.Choice
	case MultiChoice:
		return schema.MultiChoice
	case Person:
		return schema.Person
	case Lookup:
		return schema.Lookup
	case URL:
		return schema.URL
	}
	return schema.Text
}
