package wireform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// InternalName returns the server's internal name of a field title: ASCII
// letters and digits stay, as does '_' unless it would start an escape;
// every other character is written "_xHHHH_" with its UTF-16 code units in
// upper-case hex, so "Due Date" is "Due_x0020_Date". A digit cannot start
// an internal name, so a leading digit is escaped too.
func InternalName(title string) string {
	var b strings.Builder
	for i, r := range title {
		switch {
		case r < utf8.RuneSelf && (isLetter(byte(r)) || (isDigit(byte(r)) && i > 0)):
			b.WriteRune(r)
		case r == '_' && !escapePrefix(title[i:]):
			b.WriteByte('_')
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "_x%04X_", u)
			}
		}
	}
	return b.String()
}

// ParseInternalName decodes an internal name back to its title. It accepts
// exactly what InternalName produces, so the round trip is exact.
func ParseInternalName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("internal name: empty: %w", ErrMalformed)
	}
	var units []uint16
	var out strings.Builder
	flush := func() error {
		if len(units) == 0 {
			return nil
		}
		rs := utf16.Decode(units)
		for _, r := range rs {
			if r == utf8.RuneError {
				return fmt.Errorf("internal name %q: unpaired surrogate: %w", name, ErrMalformed)
			}
			out.WriteRune(r)
		}
		units = units[:0]
		return nil
	}
	for i := 0; i < len(name); {
		if looksEscaped(name[i:]) {
			v, _ := strconv.ParseUint(name[i+2:i+6], 16, 16)
			units = append(units, uint16(v))
			i += 7
			continue
		}
		if err := flush(); err != nil {
			return "", err
		}
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '_' {
			return "", fmt.Errorf("internal name %q: character %q must be escaped: %w", name, c, ErrMalformed)
		}
		out.WriteByte(c)
		i++
	}
	if err := flush(); err != nil {
		return "", err
	}
	title := out.String()
	if InternalName(title) != name {
		return "", fmt.Errorf("internal name %q: not canonical (want %q): %w", name, InternalName(title), ErrMalformed)
	}
	return title, nil
}

// looksEscaped reports whether s starts with "_xHHHH_" (upper-case hex).
func looksEscaped(s string) bool { return len(s) >= 7 && s[6] == '_' && escapePrefix(s) }

// escapePrefix reports whether s starts with "_xHHHH": a literal '_' there
// is escaped, since the next character's escape could close the sequence.
func escapePrefix(s string) bool {
	if len(s) < 6 || s[0] != '_' || s[1] != 'x' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !isDigit(c) && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
