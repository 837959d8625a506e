package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// DateTimeLayout is the time layout of date-times in text form: RFC 3339
// in UTC, to the second.
const DateTimeLayout = "2006-01-02T15:04:05Z"

// multiSep joins the items of a multi-choice value in text form.
const multiSep = "; "

// The range of valid date-times, in seconds since 1970-01-01T00:00:00Z:
// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
var (
	minDateTimeSec = minDateDays * secondsPerDay
	maxDateTimeSec = (maxDateDays+1)*secondsPerDay - 1
)

// DateTimeValue returns the date-time value of t, to the second (the
// fraction is dropped), in UTC.
func DateTimeValue(t time.Time) Value { return Value{kind: kindDateTime, sec: t.Unix()} }

// DateTimeSeconds returns the date-time value sec seconds after
// 1970-01-01T00:00:00Z.
func DateTimeSeconds(sec int64) Value { return Value{kind: kindDateTime, sec: sec} }

// Time returns a date-time value as a UTC time, a date value as midnight
// UTC of its day, and the zero time.Time otherwise.
func (v Value) Time() time.Time {
	switch v.kind {
	case kindDateTime:
		return time.Unix(v.sec, 0).UTC()
	case kindDate:
		return v.Date()
	}
	return time.Time{}
}

// Seconds returns a date-time value as seconds since 1970-01-01T00:00:00Z,
// and 0 otherwise.
func (v Value) Seconds() int64 { return v.sec }

// MultiChoiceValue returns a multi-choice value holding the given items:
// invalid UTF-8 is replaced, empty items are dropped, duplicates removed
// and the items kept sorted bytewise, so equal sets give equal values.
// No items gives the empty Value. It does not check the field's Choices.
func MultiChoiceValue(items ...string) Value {
	clean := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.ReplaceAll(validUTF8(it), sep, " ")
		if it != "" {
			clean = append(clean, it)
		}
	}
	if len(clean) == 0 {
		return Value{}
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	return Value{kind: kindMulti, text: strings.Join(clean, sep)}
}

// Items returns the items of a multi-choice value (sorted bytewise), the
// single item of a choice value, and nil otherwise.
func (v Value) Items() []string {
	switch v.kind {
	case kindMulti:
		return strings.Split(v.text, sep)
	case kindChoice:
		return []string{v.text}
	}
	return nil
}

// PersonParts are the parts of a person value, each indexable and
// sortable: the reference ("member:DEVICE-ID" for a workspace member,
// "user:ID" for a server user, or "" for someone known only by e-mail),
// the e-mail address and the display name. A valid person has a reference
// or an e-mail address.
type PersonParts struct {
	ID    string
	Email string
	Name  string
}

// Limits of person parts.
const (
	maxPersonIDBytes    = 120
	maxPersonEmailBytes = MaxEmailLength
	maxPersonNameRunes  = 200
)

// PersonValue returns a person value. Parts are trimmed and invalid UTF-8
// replaced; all-empty parts give the empty Value. It does not check them:
// [Field.Validate] does.
func PersonValue(p PersonParts) Value {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(validUTF8(s), sep, " ")) }
	p = PersonParts{ID: norm(p.ID), Email: norm(p.Email), Name: norm(p.Name)}
	if p == (PersonParts{}) {
		return Value{}
	}
	return Value{kind: kindPerson, text: p.ID, aux: p.Email + sep + p.Name}
}

// Person returns the parts of a person value, and zero parts otherwise.
func (v Value) Person() PersonParts {
	if v.kind != kindPerson {
		return PersonParts{}
	}
	email, name, _ := strings.Cut(v.aux, sep)
	return PersonParts{ID: v.text, Email: email, Name: name}
}

// personSep separates the parts of a person's text form, as in the list
// servers' wire form ("7;#ada@example.com").
const personSep = ";#"

// String returns the person's text form, which [ParseValue] parses back:
// the e-mail address alone when there is neither reference nor name,
// otherwise "ID;#EMAIL;#NAME" without trailing empty parts
// ("member:ABCD…;#;#Ada", "user:7;#ada@example.com").
func (p PersonParts) String() string {
	if p.ID == "" && p.Name == "" {
		return p.Email
	}
	s := p.ID + personSep + p.Email + personSep + p.Name
	for strings.HasSuffix(s, personSep) {
		s = strings.TrimSuffix(s, personSep)
	}
	return s
}

// display returns what a person is shown as: the name, else the e-mail
// address, else the reference.
func (p PersonParts) display() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Email != "":
		return p.Email
	}
	return p.ID
}

// Display returns the name a person is shown by: the display name, else
// the e-mail address, else the reference.
func (p PersonParts) Display() string { return p.display() }

// jsonMap returns the JSON object form of p, leaving out empty parts.
func (p PersonParts) jsonMap() map[string]string {
	m := make(map[string]string, 3)
	for k, v := range map[string]string{"id": p.ID, "email": p.Email, "name": p.Name} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// check reports what is wrong with p, or nil.
func (p PersonParts) check() error {
	if p.ID == "" && p.Email == "" {
		return errors.New("a person needs a reference (member:… or user:…) or an e-mail address")
	}
	if p.ID != "" {
		if err := checkPersonID(p.ID); err != nil {
			return err
		}
	}
	if p.Email != "" {
		if len(p.Email) > maxPersonEmailBytes || !validEmail(p.Email) {
			return fmt.Errorf("%s is not an e-mail address", quote(p.Email))
		}
	}
	if p.Name != "" {
		if err := checkName(p.Name, maxPersonNameRunes); err != nil {
			return fmt.Errorf("name: %v", err)
		}
		if strings.Contains(p.Name, personSep) {
			return errors.New("name: must not contain \";#\"")
		}
	}
	return nil
}

// checkPersonID checks a person reference: "member:" or "user:" and 1 to
// 100 characters of letters, digits and . _ @ + -.
func checkPersonID(id string) error {
	scheme, rest, ok := strings.Cut(id, ":")
	if !ok || (scheme != "member" && scheme != "user") {
		return fmt.Errorf("reference %s must start with member: or user:", quote(id))
	}
	if rest == "" || len(id) > maxPersonIDBytes {
		return fmt.Errorf("reference %s is empty or too long", quote(id))
	}
	for _, r := range rest {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._@+-", r))) {
			return fmt.Errorf("reference %s contains %q", quote(id), r)
		}
	}
	return nil
}

// MemberRef returns the person reference of a workspace member, given the
// text form of one of its device IDs.
func MemberRef(deviceID string) string { return "member:" + deviceID }

// LookupValue returns a lookup value naming a record; uuid.Nil gives the
// empty Value.
func LookupValue(record uuid.UUID) Value {
	if record == uuid.Nil {
		return Value{}
	}
	return Value{kind: kindLookup, text: record.String()}
}

// Record returns the record ID of a lookup value, and uuid.Nil otherwise.
func (v Value) Record() uuid.UUID {
	if v.kind != kindLookup {
		return uuid.Nil
	}
	id, _ := uuid.Parse(v.text)
	return id
}
