package discovery

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInstanceLabel(t *testing.T) {
	id := newDevice(t)
	suffix := " (" + id.Short() + ")"
	cases := []struct{ name, in, want string }{
		{"plain", "Ada's laptop", "Ada's laptop"},
		{"empty", "", defaultName},
		{"blank", " \t ", defaultName},
		{"controls removed", "a\x00b\nc", "abc"},
		{"invalid utf8 replaced", "a\xffb", "a\uFFFDb"},
		{"long cut at rune boundary", strings.Repeat("é", 40), strings.Repeat("é", 23)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := instanceLabel(c.in, id)
			if got != c.want+suffix {
				t.Errorf("instanceLabel(%q) = %q, want %q", c.in, got, c.want+suffix)
			}
			if len(got) > maxLabel || !utf8.ValidString(got) {
				t.Errorf("label %q: %d bytes, valid UTF-8 %v", got, len(got), utf8.ValidString(got))
			}
			if back := displayName(got, id); back != c.want {
				t.Errorf("displayName(%q) = %q, want %q", got, back, c.want)
			}
		})
	}
}

func TestDisplayNameKeepsForeignSuffix(t *testing.T) {
	a, b := newDevice(t), newDevice(t)
	if got := displayName("X ("+a.Short()+")", b); got != "X ("+a.Short()+")" {
		t.Errorf("suffix of another device stripped: %q", got)
	}
	if got := displayName(" ("+a.Short()+")", a); got == "" {
		t.Errorf("display name empty")
	}
}

func TestEscapeLabel(t *testing.T) {
	cases := []struct{ raw, escaped string }{
		{"plain", "plain"},
		{"Ada's laptop (ABC)", `Ada\'s\ laptop\ \(ABC\)`},
		{`a.b\c@d;e"f`, `a\.b\\c\@d\;e\"f`},
		{"é", `\195\169`},
		{"\x00\x7f", `\000\127`},
	}
	for _, c := range cases {
		if got := escapeLabel(c.raw); got != c.escaped {
			t.Errorf("escapeLabel(%q) = %q, want %q", c.raw, got, c.escaped)
		}
		if got, err := unescapeLabel(c.escaped); err != nil || got != c.raw {
			t.Errorf("unescapeLabel(%q) = %q, %v", c.escaped, got, err)
		}
	}
	for _, bad := range []string{`abc\`, `\256`, `\999`, strings.Repeat("x", 64)} {
		if got, err := unescapeLabel(bad); err == nil {
			t.Errorf("unescapeLabel(%q) = %q, want error", bad, got)
		}
	}
}

// FuzzUnescapeLabel: received instance names never panic the decoder, and
// escaping is its exact inverse.
func FuzzUnescapeLabel(f *testing.F) {
	f.Add(`Ada\'s\ laptop\ \(ABC\)`)
	f.Add(`\195\169\`)
	f.Add(`\256x`)
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := unescapeLabel(s)
		if err != nil {
			return
		}
		if back, err := unescapeLabel(escapeLabel(raw)); err != nil || back != raw {
			t.Fatalf("escape round trip of %q: %q, %v", raw, back, err)
		}
		_ = displayName(raw, newDevice(t))
	})
}
