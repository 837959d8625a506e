package wireform

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrMalformed is returned (wrapped) when a string is not the canonical wire
// form of its kind.
var ErrMalformed = errors.New("malformed wire form")

// ErrUnknownKind is returned for a kind this package does not know.
var ErrUnknownKind = errors.New("unknown field kind")

// Kind is a server field type.
type Kind string

// The server's field kinds.
const (
	Text        Kind = "text"
	Note        Kind = "note"
	Number      Kind = "number"
	Boolean     Kind = "boolean"
	Date        Kind = "date"
	DateTime    Kind = "datetime"
	Choice      Kind = "choice"
	MultiChoice Kind = "multichoice"
	Person      Kind = "person"
	Lookup      Kind = "lookup"
	URL         Kind = "url"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{Text, Note, Number, Boolean, Date, DateTime, Choice, MultiChoice, Person, Lookup, URL}
}

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("kind %q: %w", s, ErrUnknownKind)
}

// MaxLen bounds one wire value, in bytes.
const MaxLen = 64 << 10

// sep separates the parts of person, lookup and multi-choice forms.
const sep = ";#"

func malformed(k Kind, s, why string) error {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Errorf("%s %q: %s: %w", k, s, why, ErrMalformed)
}

// checkText refuses strings no kind accepts.
func checkText(k Kind, s string) error {
	switch {
	case len(s) > MaxLen:
		return malformed(k, s, fmt.Sprintf("%d bytes, at most %d", len(s), MaxLen))
	case !utf8.ValidString(s):
		return malformed(k, s, "not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return malformed(k, s, "contains NUL")
	}
	return nil
}

// Check reports whether s is the canonical wire form of a value of kind k.
// The empty string is valid for every kind.
func Check(k Kind, s string) error {
	if err := checkText(k, s); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	var err error
	switch k {
	case Text, Note, Choice:
		if k == Choice && strings.TrimSpace(s) != s {
			err = malformed(k, s, "leading or trailing space")
		}
	case Number:
		_, err = ParseNumber(s)
	case Boolean:
		_, err = ParseBoolean(s)
	case Date:
		_, err = ParseDate(s)
	case DateTime:
		_, err = ParseDateTime(s)
	case MultiChoice:
		_, err = ParseMultiChoice(s)
	case Person:
		_, err = ParsePerson(s)
	case Lookup:
		_, err = ParseLookup(s)
	case URL:
		_, err = ParseURL(s)
	default:
		err = fmt.Errorf("kind %q: %w", k, ErrUnknownKind)
	}
	return err
}

// ParseNumber decodes a number: finite, in Go's shortest 'g' spelling
// (FormatNumber), so "1.50", "+1" and "01" are refused.
func ParseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, malformed(Number, s, "not a finite decimal number")
	}
	if c := FormatNumber(f); c != s {
		return 0, malformed(Number, s, "not canonical, write "+c)
	}
	return f, nil
}

// FormatNumber encodes a number.
func FormatNumber(f float64) string {
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ParseBoolean decodes "1" or "0".
func ParseBoolean(s string) (bool, error) {
	switch s {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, malformed(Boolean, s, `want "1" or "0"`)
}

// FormatBoolean encodes a boolean.
func FormatBoolean(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// DateLayout and DateTimeLayout are the ISO 8601 forms of dates and instants.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02T15:04:05Z"
)

// ParseDate decodes an ISO 8601 calendar date (YYYY-MM-DD, years 0001-9999).
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return time.Time{}, malformed(Date, s, "want an ISO 8601 date YYYY-MM-DD")
	}
	return t, nil
}

// FormatDate encodes the calendar day of t.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// ParseDateTime decodes an ISO 8601 UTC instant with seconds
// (YYYY-MM-DDThh:mm:ssZ).
func ParseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(DateTimeLayout, s)
	if err != nil || t.Format(DateTimeLayout) != s {
		return time.Time{}, malformed(DateTime, s, "want an ISO 8601 UTC time YYYY-MM-DDThh:mm:ssZ")
	}
	return t, nil
}

// FormatDateTime encodes t in UTC, to the second.
func FormatDateTime(t time.Time) string { return t.UTC().Format(DateTimeLayout) }

// PersonValue is a person: the server's user ID and login (e-mail).
type PersonValue struct {
	ID    int64
	Login string
}

// ParsePerson decodes "ID;#login". The login (an e-mail address or a
// name) is not empty, not padded and has no control characters.
func ParsePerson(s string) (PersonValue, error) {
	id, rest, err := idPrefix(Person, s)
	if err != nil {
		return PersonValue{}, err
	}
	if rest == "" || strings.TrimSpace(rest) != rest {
		return PersonValue{}, malformed(Person, s, "empty or padded login")
	}
	if strings.IndexFunc(rest, unicode.IsControl) >= 0 {
		return PersonValue{}, malformed(Person, s, "control character in the login")
	}
	return PersonValue{ID: id, Login: rest}, nil
}

// String reassembles the wire form.
func (p PersonValue) String() string { return strconv.FormatInt(p.ID, 10) + sep + p.Login }

// Domain returns the part of the login after its last '@', lower case, or
// "" when it is not an e-mail address.
func (p PersonValue) Domain() string {
	i := strings.LastIndexByte(p.Login, '@')
	if i < 1 || i == len(p.Login)-1 {
		return ""
	}
	return strings.ToLower(p.Login[i+1:])
}

// LookupValue names an item of another list: its ID and display value.
type LookupValue struct {
	ID    int64
	Value string
}

// ParseLookup decodes "ID;#value" (the value may be empty).
func ParseLookup(s string) (LookupValue, error) {
	id, rest, err := idPrefix(Lookup, s)
	if err != nil {
		return LookupValue{}, err
	}
	return LookupValue{ID: id, Value: rest}, nil
}

// String reassembles the wire form.
func (l LookupValue) String() string { return strconv.FormatInt(l.ID, 10) + sep + l.Value }

// idPrefix splits "ID;#rest" with a canonical positive decimal ID.
func idPrefix(k Kind, s string) (int64, string, error) {
	i := strings.Index(s, sep)
	if i < 0 {
		return 0, "", malformed(k, s, `want "ID;#text"`)
	}
	num := s[:i]
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return 0, "", malformed(k, s, "ID must be a positive decimal integer without leading zeros")
	}
	return id, s[i+len(sep):], nil
}

// ParseMultiChoice decodes ";#A;#B;#" into its choices, in order. Inside a
// choice ";" is written ";;". Choices are non-empty.
func ParseMultiChoice(s string) ([]string, error) {
	if !strings.HasPrefix(s, sep) || !strings.HasSuffix(s, sep) || len(s) < 2*len(sep)+1 {
		return nil, malformed(MultiChoice, s, `want ";#A;#B;#"`)
	}
	var out []string
	var cur strings.Builder
	body := s[len(sep):]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != ';' {
			cur.WriteByte(c)
			continue
		}
		switch {
		case i+1 < len(body) && body[i+1] == ';':
			cur.WriteByte(';')
			i++
		case i+1 < len(body) && body[i+1] == '#':
			if cur.Len() == 0 {
				return nil, malformed(MultiChoice, s, "empty choice")
			}
			out = append(out, cur.String())
			cur.Reset()
			i++
		default:
			return nil, malformed(MultiChoice, s, `lone ";" inside a choice (write ";;")`)
		}
	}
	if cur.Len() != 0 {
		return nil, malformed(MultiChoice, s, `missing final ";#"`)
	}
	return out, nil
}

// FormatMultiChoice encodes choices; none gives the empty value.
func FormatMultiChoice(items []string) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(sep)
	for _, it := range items {
		b.WriteString(strings.ReplaceAll(it, ";", ";;"))
		b.WriteString(sep)
	}
	return b.String()
}

// URLValue is a hyperlink and its description.
type URLValue struct {
	URL         string
	Description string
}

// ParseURL decodes "URL, Description" or "URL". Commas in the URL are
// doubled; the URL is absolute and has no spaces.
func ParseURL(s string) (URLValue, error) {
	var u strings.Builder
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c != ',' {
			u.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == ',' {
			u.WriteByte(',')
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == ' ' {
			break
		}
		return URLValue{}, malformed(URL, s, `single "," in the URL (write ",,", separate the description with ", ")`)
	}
	v := URLValue{URL: u.String()}
	if i < len(s) {
		v.Description = s[i+2:]
		if v.Description == "" {
			return URLValue{}, malformed(URL, s, `empty description after ", " (omit the separator)`)
		}
	}
	if strings.ContainsAny(v.URL, " \t\r\n") {
		return URLValue{}, malformed(URL, s, "space in the URL")
	}
	if p, err := url.Parse(v.URL); err != nil || p.Scheme == "" || (p.Host == "" && p.Opaque == "") {
		return URLValue{}, malformed(URL, s, "not an absolute URL")
	}
	return v, nil
}

// String reassembles the wire form.
func (v URLValue) String() string {
	u := strings.ReplaceAll(v.URL, ",", ",,")
	if v.Description == "" {
		return u
	}
	return u + ", " + v.Description
}
