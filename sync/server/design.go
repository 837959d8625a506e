package server

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	bolt "go.etcd.io/bbolt"
)

// FieldsFromTool converts a Grove design (schema.ParseToolJSON format) into
// server fields: internal names from the titles, types mapped to the
// server's kinds (longtext -> note, checkbox -> boolean).
func FieldsFromTool(t *schema.Tool) ([]Field, error) {
	out := make([]Field, 0, len(t.Fields))
	for _, f := range t.Fields {
		var k wireform.Kind
		switch f.Type {
		case schema.Text:
			k = wireform.Text
		case schema.LongText:
			k = wireform.Note
		case schema.Number:
			k = wireform.Number
		case schema.Date:
			k = wireform.Date
		case schema.Checkbox:
			k = wireform.Boolean
		case schema.Choice:
			k = wireform.Choice
		default:
			return nil, fmt.Errorf("field %q: type %s has no server kind: %w", f.Name, f.Type, ErrInvalid)
		}
		out = append(out, Field{Internal: wireform.InternalName(f.Name), Title: f.Name, Kind: k, Required: f.Required, Choices: slices.Clone(f.Choices)})
	}
	return out, nil
}

// ParseFieldSpec parses a command-line field "Title:kind[:required][:A|B|C]"
// such as "Owner:person" or "Colors:multichoice:Red|Blue"; for a lookup the
// last part is the target list, by name or ID ("Company:lookup:Companies"),
// which PutList resolves to the list's ID.
func ParseFieldSpec(spec string) (Field, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 {
		return Field{}, fmt.Errorf("field %q: want Title:kind[:required][:A|B]: %w", spec, ErrInvalid)
	}
	k, err := wireform.ParseKind(parts[1])
	if err != nil {
		return Field{}, fmt.Errorf("field %q: %w", spec, err)
	}
	f := Field{Internal: wireform.InternalName(parts[0]), Title: parts[0], Kind: k}
	for _, p := range parts[2:] {
		switch {
		case p == "required":
			f.Required = true
		case k == wireform.Lookup:
			f.LookupList = p
		default:
			f.Choices = strings.Split(p, "|")
		}
	}
	return f, nil
}

// checkList validates a list design.
func checkList(l *List) error {
	if err := checkName("list", l.Name); err != nil {
		return err
	}
	if len(l.Fields) == 0 || len(l.Fields) > 500 {
		return fmt.Errorf("list %q: %d fields, want 1 to 500: %w", l.Name, len(l.Fields), ErrInvalid)
	}
	seen := map[string]bool{}
	for _, f := range l.Fields {
		title, err := wireform.ParseInternalName(f.Internal)
		if err != nil || title != f.Title {
			return fmt.Errorf("list %q field %q: internal name %q does not match the title: %w", l.Name, f.Title, f.Internal, ErrInvalid)
		}
		if seen[strings.ToLower(f.Internal)] {
			return fmt.Errorf("list %q: field %q twice: %w", l.Name, f.Title, ErrInvalid)
		}
		seen[strings.ToLower(f.Internal)] = true
		if _, err := wireform.ParseKind(string(f.Kind)); err != nil {
			return fmt.Errorf("list %q field %q: %w", l.Name, f.Title, err)
		}
		if (f.Kind == wireform.Choice || f.Kind == wireform.MultiChoice) != (len(f.Choices) > 0) {
			return fmt.Errorf("list %q field %q: choices are for choice and multichoice fields, which need some: %w", l.Name, f.Title, ErrInvalid)
		}
	}
	for _, n := range append(slices.Clone(l.Rules.Unique), l.Rules.EmailFields...) {
		if _, ok := l.Field(n); !ok {
			return fmt.Errorf("list %q rules: no field %q: %w", l.Name, n, ErrInvalid)
		}
	}
	if l.Rules.MaxItemsPerUser < 0 {
		return fmt.Errorf("list %q: negative maxItemsPerUser: %w", l.Name, ErrInvalid)
	}
	return nil
}

// SigningBytes is what the server signs for a design version
// (wireform.SigningBytes).
func SigningBytes(l List) []byte { return wireform.SigningBytes(l) }

// VerifyDesign checks a design's signature against the server's key.
func VerifyDesign(pub ed25519.PublicKey, l List) bool { return wireform.VerifyDesign(pub, l) }

// PutList creates a list, or replaces the design of the list of that name
// (its items keep their values; values of removed fields are kept but no
// longer served). Each call makes a new signed design version. A lookup
// field's target list may be given by name or ID; the design stores the
// ID, and an unknown target is refused (ErrInvalid).
func (s *Store) PutList(l List) (List, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bListNames)
		if id := names.Get([]byte(strings.ToLower(l.Name))); id != nil {
			var old List
			if _, err := getJSON(tx.Bucket(bLists), id, &old); err != nil {
				return err
			}
			l.ID, l.DesignVersion = old.ID, old.DesignVersion
		} else {
			seq, err := tx.Bucket(bLists).NextSequence()
			if err != nil {
				return err
			}
			l.ID = int64(seq)
		}
		if err := checkList(&l); err != nil {
			return err
		}
		if err := resolveLookups(tx, &l); err != nil {
			return err
		}
		l.DesignVersion++
		l.Signature = ed25519.Sign(s.key, SigningBytes(l))
		if err := names.Put([]byte(strings.ToLower(l.Name)), u64(uint64(l.ID))); err != nil {
			return err
		}
		lb, err := tx.CreateBucketIfNotExists(listBucket(l.ID))
		if err != nil {
			return err
		}
		for _, n := range [][]byte{lItems, lKeys, lLog, lUnique, lOwned, lRefused, lRefusedIDs} {
			if _, err := lb.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket(bLists), u64(uint64(l.ID)), l)
	})
	if err != nil {
		return List{}, fmt.Errorf("put list %q: %w", l.Name, err)
	}
	return l, nil
}

// resolveLookups makes every lookup field of l name its target list by ID,
// the form clients mirror as a typed lookup (wireform.LookupTarget): a
// target given by name (case-insensitive) becomes that list's ID, l's own
// name or ID its own ID (a list pointing into itself). A missing or unknown
// target is refused: its values could not be resolved by anyone.
func resolveLookups(tx *bolt.Tx, l *List) error {
	own := strconv.FormatInt(l.ID, 10)
	for i := range l.Fields {
		f := &l.Fields[i]
		if f.Kind != wireform.Lookup {
			continue
		}
		target := strings.TrimSpace(f.LookupList)
		switch {
		case target == "":
			return fmt.Errorf("list %q field %q: a lookup needs its target list (Title:lookup:LIST): %w", l.Name, f.Title, ErrInvalid)
		case strings.EqualFold(target, l.Name) || target == own:
			f.LookupList = own
			continue
		}
		t, err := listIn(tx, target)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("list %q field %q: lookup target list %q does not exist (create it first): %w", l.Name, f.Title, target, ErrInvalid)
		}
		if err != nil {
			return fmt.Errorf("list %q field %q: lookup target: %w", l.Name, f.Title, err)
		}
		f.LookupList = strconv.FormatInt(t.ID, 10)
	}
	return nil
}

func listBucket(id int64) []byte { return []byte("list-" + strconv.FormatInt(id, 10)) }

// listIn finds a list by name (case-insensitive) or decimal ID inside tx.
func listIn(tx *bolt.Tx, ref string) (*List, error) {
	id := tx.Bucket(bListNames).Get([]byte(strings.ToLower(ref)))
	if id == nil {
		if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
			id = u64(uint64(n))
		}
	}
	var l List
	if id != nil {
		if ok, err := getJSON(tx.Bucket(bLists), id, &l); err != nil || ok {
			return &l, err
		}
	}
	return nil, fmt.Errorf("list %q: %w", ref, ErrNotFound)
}

// List returns a list's design by name or ID.
func (s *Store) List(ref string) (List, error) {
	var l *List
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		l, err = listIn(tx, ref)
		return err
	})
	if err != nil {
		return List{}, err
	}
	return *l, nil
}

// ListAccess is a list with a user's permissions on it.
type ListAccess struct {
	List
	Permissions []string `json:"permissions"`
}

// Lists returns the lists u may read, with u's permissions.
func (s *Store) Lists(u User) ([]ListAccess, error) {
	var out []ListAccess
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bLists).ForEach(func(k, v []byte) error {
			var l List
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			if p := permOf(tx, u, l.ID); p&PermRead != 0 {
				out = append(out, ListAccess{List: l, Permissions: p.Names()})
			}
			return nil
		})
	})
	return out, err
}
