package wireform

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var validCases = []struct {
	kind Kind
	in   string
}{
	{Text, "hello"}, {Note, "two\nlines"}, {Choice, "Red"},
	{Number, "42"}, {Number, "-1.5"}, {Number, "1e+21"}, {Number, "0"},
	{Boolean, "1"}, {Boolean, "0"},
	{Date, "2024-05-01"}, {DateTime, "2024-05-01T10:30:00Z"},
	{MultiChoice, ";#Red;#Blue;#"}, {MultiChoice, ";#a;;b;#"}, {MultiChoice, ";#x;;#y;#"},
	{Person, "123;#john@company.com"}, {Person, "1;#a;#b"},
	{Lookup, "7;#Acme Corp"}, {Lookup, "7;#"},
	{URL, "https://x"}, {URL, "https://x, Description"}, {URL, "https://x/a,,b, A, B"},
	{Text, ""}, {Person, ""},
}

func TestRoundTrip(t *testing.T) {
	for _, c := range validCases {
		t.Run(string(c.kind)+"/"+c.in, func(t *testing.T) {
			if err := Check(c.kind, c.in); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got := reencode(t, c.kind, c.in); got != c.in {
				t.Fatalf("round trip: got %q", got)
			}
		})
	}
}

// reencode decodes s into its parts and reassembles it.
func reencode(t testing.TB, k Kind, s string) string {
	t.Helper()
	if s == "" {
		return ""
	}
	var err error
	var out string
	switch k {
	case Number:
		var f float64
		f, err = ParseNumber(s)
		out = FormatNumber(f)
	case Boolean:
		var b bool
		b, err = ParseBoolean(s)
		out = FormatBoolean(b)
	case Date:
		tm, e := ParseDate(s)
		err, out = e, FormatDate(tm)
	case DateTime:
		tm, e := ParseDateTime(s)
		err, out = e, FormatDateTime(tm)
	case MultiChoice:
		var items []string
		items, err = ParseMultiChoice(s)
		out = FormatMultiChoice(items)
	case Person:
		var p PersonValue
		p, err = ParsePerson(s)
		out = p.String()
	case Lookup:
		var l LookupValue
		l, err = ParseLookup(s)
		out = l.String()
	case URL:
		var u URLValue
		u, err = ParseURL(s)
		out = u.String()
	default:
		out = s
	}
	if err != nil {
		t.Fatalf("decode %s %q: %v", k, s, err)
	}
	return out
}

func TestParts(t *testing.T) {
	p, _ := ParsePerson("123;#John@Company.com")
	if p.ID != 123 || p.Login != "John@Company.com" || p.Domain() != "company.com" {
		t.Fatalf("person parts %+v", p)
	}
	items, _ := ParseMultiChoice(";#Red;#Bl;;ue;#")
	if !slices.Equal(items, []string{"Red", "Bl;ue"}) {
		t.Fatalf("multichoice parts %q", items)
	}
	u, _ := ParseURL("https://x/a,,b, Home, page")
	if u.URL != "https://x/a,b" || u.Description != "Home, page" {
		t.Fatalf("url parts %+v", u)
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		kind Kind
		in   string
		want string
	}{
		{Number, "1.50", "not canonical"},
		{Number, "NaN", "finite"},
		{Boolean, "true", `"1" or "0"`},
		{Date, "2024-5-1", "YYYY-MM-DD"},
		{DateTime, "2024-05-01T10:30:00+02:00", "UTC"},
		{MultiChoice, "Red;#Blue", `";#A;#B;#"`},
		{MultiChoice, ";#Red;#;#", "empty choice"},
		{MultiChoice, ";#a;b;#", "lone"},
		{Person, "0;#x@y", "positive"},
		{Person, "012;#x@y", "leading zeros"},
		{Person, "12;#", "empty"},
		{Person, "12;#a\x1fb", "control character"},
		{Person, "john@x", `"ID;#text"`},
		{Lookup, "x;#Acme", "positive"},
		{URL, "https://x/a,b", `",,"`},
		{URL, "https://x, ", "empty description"},
		{URL, "not a url", "space"},
		{URL, "relative/path", "absolute"},
		{Text, "a\x00b", "NUL"},
		{Text, "\xff", "UTF-8"},
		{Choice, " Red", "space"},
	}
	for _, c := range cases {
		t.Run(string(c.kind)+"/"+c.in, func(t *testing.T) {
			err := Check(c.kind, c.in)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check(%s, %q) = %v, want ErrMalformed mentioning %q", c.kind, c.in, err, c.want)
			}
		})
	}
	if err := Check("money", "1"); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestInternalName(t *testing.T) {
	cases := map[string]string{
		"Due Date":   "Due_x0020_Date",
		"CreatedBy":  "CreatedBy",
		"snake_case": "snake_case",
		"_x0020_":    "_x005F_x0020_",
		"1st":        "_x0031_st",
		"Prix €":     "Prix_x0020__x20AC_",
		"😀":          "_xD83D__xDE00_",
	}
	for title, want := range cases {
		if got := InternalName(title); got != want {
			t.Errorf("InternalName(%q) = %q, want %q", title, got, want)
		}
		back, err := ParseInternalName(want)
		if err != nil || back != title {
			t.Errorf("ParseInternalName(%q) = %q, %v", want, back, err)
		}
	}
	for _, bad := range []string{"", "a b", "_x0041_", "_xD83D_"} {
		if _, err := ParseInternalName(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseInternalName(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestNameMap(t *testing.T) {
	var m NameMap
	if got := m.Add("Title", "Title"); got != "Title" {
		t.Fatal(got)
	}
	if got := m.Add("CreatedBy", "CreatedBy"); got != "CreatedBy (server)" {
		t.Fatalf("reserved name not aliased: %q", got)
	}
	if got := m.Add("Title0", "title"); got != "title (server)" {
		t.Fatalf("taken name not aliased: %q", got)
	}
	if in, ok := m.Server("createdby (SERVER)"); !ok || in != "CreatedBy" {
		t.Fatalf("reverse lookup: %q %v", in, ok)
	}
	if !m.Aliased("CreatedBy", "CreatedBy") || m.Aliased("Title", "Title") {
		t.Fatal("Aliased")
	}
}

func FuzzWireForms(f *testing.F) {
	for _, c := range validCases {
		f.Add(string(c.kind), c.in)
	}
	f.Add(string(URL), "https://x,,, a")
	f.Add(string(MultiChoice), ";#;;;#")
	f.Add(string(Person), "7;#Ann\tLee")
	f.Fuzz(func(t *testing.T, kind, s string) {
		k, err := ParseKind(kind)
		if err != nil {
			return
		}
		if err := Check(k, s); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if got := reencode(t, k, s); got != s {
			t.Fatalf("%s %q re-encodes as %q", k, s, got)
		}
	})
}

func FuzzInternalName(f *testing.F) {
	for _, s := range []string{"Due Date", "_x0020_", "a_b", "😀", "1st"} {
		f.Add(s)
		f.Add(InternalName(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		if title, err := ParseInternalName(s); err == nil && InternalName(title) != s {
			t.Fatalf("%q -> %q -> %q", s, title, InternalName(title))
		}
		if utf8Valid(s) && s != "" {
			in := InternalName(s)
			if back, err := ParseInternalName(in); err != nil || back != s {
				t.Fatalf("%q -> %q -> %q, %v", s, in, back, err)
			}
		}
	})
}

func utf8Valid(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, '\uFFFD')
}
