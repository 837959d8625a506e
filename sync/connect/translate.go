package connect

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
)

// ErrUntranslatable is returned (wrapped) by ToWire for a local value that
// has no wire form yet: a lookup of a record the server does not have, a
// person who is not a server user.
var ErrUntranslatable = errors.New("value has no server wire form")

// Directory is a workspace's local copy of what translating values needs,
// kept in the binding (replica.Binding.Directory) and refreshed by every
// Sync: the server's users (to resolve a person's display name), the
// server items that records are (to translate lookups both ways), and the
// spellings of wire forms whose typed local value does not fix them (a
// multi-choice's order, a URL's description), so that ToWire gives back
// exactly what ToLocal read. The zero value is empty and ready to use.
type Directory struct {
	// Users maps server user IDs to their names and e-mail addresses.
	Users map[int64]DirectoryUser `json:"users,omitempty"`
	// Items maps record IDs to the server items they are.
	Items map[uuid.UUID]ItemRef `json:"items,omitempty"`
	// Spellings maps a kind and local value (spellingKey) to the wire form
	// last read for it, when that differs from the default spelling.
	Spellings map[string]string `json:"spellings,omitempty"`

	byItem map[[2]int64]uuid.UUID // (list, item) -> record, from Items
}

// DirectoryUser is a server user as the directory keeps it.
type DirectoryUser struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// ItemRef names a server item and the display text lookups show for it.
type ItemRef struct {
	List    int64  `json:"list"`
	Item    int64  `json:"item"`
	Display string `json:"display"`
}

// parseDirectory decodes a stored directory; nil gives an empty one.
func parseDirectory(raw []byte) (*Directory, error) {
	d := &Directory{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
	}
	d.byItem = make(map[[2]int64]uuid.UUID, len(d.Items))
	for rec, ref := range d.Items {
		d.byItem[[2]int64{ref.List, ref.Item}] = rec
	}
	return d, nil
}

// marshal encodes the directory for the binding.
func (d *Directory) marshal() json.RawMessage {
	raw, _ := json.Marshal(d) // maps of strings and numbers always marshal
	return raw
}

// NoteItem records that record rec is item of list, shown by display
// when no lookup has named it otherwise ("" keeps the known display).
func (d *Directory) NoteItem(list, item int64, rec uuid.UUID, display string) {
	if d.Items == nil {
		d.Items = map[uuid.UUID]ItemRef{}
	}
	if d.byItem == nil {
		d.byItem = map[[2]int64]uuid.UUID{}
	}
	key := [2]int64{list, item}
	if old, ok := d.byItem[key]; ok && old != rec {
		// A placeholder (the item named before it was pulled) or a stale
		// entry: the item's own record takes over.
		if display == "" {
			display = d.Items[old].Display
		}
		delete(d.Items, old)
	}
	if display == "" {
		display = d.Items[rec].Display
	}
	d.Items[rec] = ItemRef{List: list, Item: item, Display: display}
	d.byItem[key] = rec
}

// placeholderNS derives the record ID a lookup gets for an item this
// device has not pulled (deterministic, so every member agrees).
var placeholderNS = uuid.MustParse("b4f0f7d2-58a4-4c55-9d53-2f0b6c1e7a31")

// record returns the record of item of list: the one noted, else its
// placeholder.
func (d *Directory) record(server []byte, list, item int64) uuid.UUID {
	if rec, ok := d.byItem[[2]int64{list, item}]; ok {
		return rec
	}
	name := append(append([]byte(nil), server...), strconv.FormatInt(list, 10)+"/"+strconv.FormatInt(item, 10)...)
	return uuid.NewSHA1(placeholderNS, name)
}

// spellingKey names a typed value of kind k in Spellings: a multi-
// choice by its items (which never hold \x1f), a URL by its text.
func spellingKey(k wireform.Kind, v schema.Value) string {
	if v.Kind() == schema.MultiChoice {
		return string(k) + "\x00" + strings.Join(v.Items(), "\x1f")
	}
	return string(k) + "\x00" + v.Text()
}

// spell remembers s as the wire form of v when it is not the default.
func (d *Directory) spell(k wireform.Kind, v schema.Value, s, def string) {
	key := spellingKey(k, v)
	if s == def {
		delete(d.Spellings, key)
		return
	}
	if d.Spellings == nil {
		d.Spellings = map[string]string{}
	}
	d.Spellings[key] = s
}

// spelling returns the remembered wire form of v, else def.
func (d *Directory) spelling(k wireform.Kind, v schema.Value, def string) string {
	if s, ok := d.Spellings[spellingKey(k, v)]; ok {
		return s
	}
	return def
}

// ToLocal converts the wire value s of server field f to the value of its
// local field (wireform.FieldType): typed parts for person (ID
// "user:<server ID>", the e-mail address, the display name from the
// user list), lookup (the record of the item, or its placeholder), multi-
// choice, URL and date-time. It notes in d what ToWire needs to give s
// back exactly. server is the server's device ID. A malformed s gets an
// error wrapping wireform.ErrMalformed and changes nothing.
func (d *Directory) ToLocal(server []byte, f wireform.Field, s string) (schema.Value, error) {
	if s == "" {
		return schema.Value{}, nil
	}
	if err := wireform.Check(f.Kind, s); err != nil {
		return schema.Value{}, err
	}
	switch f.Kind {
	case wireform.Number:
		n, _ := wireform.ParseNumber(s)
		return schema.NumberValue(n), nil
	case wireform.Boolean:
		b, _ := wireform.ParseBoolean(s)
		return schema.BoolValue(b), nil
	case wireform.Date:
		t, _ := wireform.ParseDate(s)
		return schema.DateValue(t), nil
	case wireform.DateTime:
		t, _ := wireform.ParseDateTime(s)
		return schema.DateTimeValue(t), nil
	case wireform.Choice:
		return schema.ChoiceValue(s), nil
	case wireform.MultiChoice:
		items, _ := wireform.ParseMultiChoice(s)
		v := schema.MultiChoiceValue(items...)
		d.spell(f.Kind, v, s, defaultMulti(f, v))
		return v, nil
	case wireform.Person:
		p, _ := wireform.ParsePerson(s)
		return schema.PersonValue(d.personParts(p)), nil
	case wireform.URL:
		u, _ := wireform.ParseURL(s)
		v := schema.TextValue(u.URL)
		d.spell(f.Kind, v, s, wireform.URLValue{URL: u.URL}.String())
		return v, nil
	case wireform.Lookup:
		target, ok := wireform.LookupTarget(f)
		if !ok {
			return schema.TextValue(s), nil
		}
		l, _ := wireform.ParseLookup(s)
		rec := d.record(server, target, l.ID)
		d.NoteItem(target, l.ID, rec, l.Value)
		if d.Items[rec].Display != l.Value { // NoteItem kept an older display
			ref := d.Items[rec]
			ref.Display = l.Value
			d.Items[rec] = ref
		}
		return schema.LookupValue(rec), nil
	}
	return schema.TextValue(s), nil
}

// personParts splits a server person: a login that is an e-mail address
// is the e-mail part and the user list gives the name; any other login
// (the name of a user without e-mail) is the name part itself.
func (d *Directory) personParts(p wireform.PersonValue) schema.PersonParts {
	parts := schema.PersonParts{ID: "user:" + strconv.FormatInt(p.ID, 10)}
	email := schema.PersonValue(schema.PersonParts{Email: p.Login})
	if emailField.Validate(email) == nil && email.Person().Email == p.Login {
		parts.Email = p.Login
		parts.Name = d.Users[p.ID].Name
		if strings.Contains(parts.Name, ";#") {
			parts.Name = ""
		}
		return parts
	}
	parts.Name = p.Login
	return parts
}

// emailField checks whether a login is an e-mail address.
var emailField = schema.Field{ID: uuid.MustParse("f1b0e3a2-4c5d-4e6f-8a9b-0c1d2e3f4a5b"), Name: "E-mail", Type: schema.Person}

// defaultMulti spells a multi-choice in the order of the field's choices,
// then the others as the value holds them (sorted).
func defaultMulti(f wireform.Field, v schema.Value) string {
	items := v.Items()
	ordered := make([]string, 0, len(items))
	for _, c := range f.Choices {
		if slices.Contains(items, c) {
			ordered = append(ordered, c)
		}
	}
	for _, it := range items {
		if !slices.Contains(f.Choices, it) {
			ordered = append(ordered, it)
		}
	}
	return wireform.FormatMultiChoice(ordered)
}

// ToWire converts the local value v of server field f to its wire form:
// the exact form ToLocal read for it, or for a new value the form the
// server expects. A value that cannot travel yet (a lookup of a record the
// server does not have, a person who is not a server user) gets an error
// wrapping ErrUntranslatable.
func (d *Directory) ToWire(f wireform.Field, v schema.Value) (string, error) {
	if v.IsEmpty() {
		return "", nil
	}
	var s string
	switch {
	case f.Kind == wireform.Number && v.Kind() == schema.Number:
		s = wireform.FormatNumber(v.Number())
	case f.Kind == wireform.Boolean && v.Kind() == schema.Checkbox:
		s = wireform.FormatBoolean(v.Bool())
	case f.Kind == wireform.Date && v.Kind() == schema.Date:
		s = wireform.FormatDate(v.Date())
	case f.Kind == wireform.DateTime && v.Kind() == schema.DateTime:
		s = wireform.FormatDateTime(v.Time())
	case f.Kind == wireform.MultiChoice && v.Kind() == schema.MultiChoice:
		s = d.spelling(f.Kind, v, defaultMulti(f, v))
	case f.Kind == wireform.URL && v.Kind() == schema.Text:
		s = d.spelling(f.Kind, v, wireform.URLValue{URL: v.Text()}.String())
	case f.Kind == wireform.Person && v.Kind() == schema.Person:
		var err error
		if s, err = personWire(v.Person()); err != nil {
			return "", fmt.Errorf("field %s: %w", f.Internal, err)
		}
	case f.Kind == wireform.Lookup && v.Kind() == schema.Lookup:
		ref, ok := d.Items[v.Record()]
		if !ok {
			return "", fmt.Errorf("field %s: record %s is not on the server yet: %w", f.Internal, v.Record(), ErrUntranslatable)
		}
		s = wireform.LookupValue{ID: ref.Item, Value: ref.Display}.String()
	default:
		s = v.String() // text kinds, and values kept as their wire form
	}
	if err := wireform.Check(f.Kind, s); err != nil {
		return "", fmt.Errorf("field %s: %w", f.Internal, err)
	}
	return s, nil
}

// personWire reassembles a server person from its parts.
func personWire(p schema.PersonParts) (string, error) {
	num, ok := strings.CutPrefix(p.ID, "user:")
	id, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || id <= 0 {
		return "", fmt.Errorf("person %s is not a server user: %w", p.Display(), ErrUntranslatable)
	}
	login := p.Email
	if login == "" {
		login = p.Name
	}
	return wireform.PersonValue{ID: id, Login: login}.String(), nil
}
