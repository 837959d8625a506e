package discovery

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/grove-team/grove/replica/identity"
)

// Service instance names.
//
// The instance name is the device name followed by the short device ID in
// parentheses, e.g. "Ada's laptop (MFRGGZDFMZTWQ)", at most 63 bytes of valid
// UTF-8 (one DNS label). The suffix keeps names unique: the pinned zeroconf
// browser reports each instance name once per resolver, so two devices both
// called "Laptop" would hide each other, and other mDNS stacks treat equal
// names as a conflict. The device name is cut at a rune boundary to leave
// room for the suffix.
//
// zeroconf passes names to miekg/dns in presentation format, where '.', ' ',
// '\'', '@', ';', '(', ')', '"' and '\\' are backslash-escaped and bytes
// outside printable ASCII are written \DDD. The responder compares incoming
// questions with its own name textually, so the name we register must be in
// exactly the form miekg/dns produces when it unpacks a packet: escapeLabel
// does that, and unescapeLabel undoes it for names we receive.

const (
	maxLabel    = 63
	defaultName = "Grove"
)

// instanceLabel returns the raw (unescaped) instance name for a device.
func instanceLabel(name string, id identity.DeviceID) string {
	suffix := " (" + id.Short() + ")"
	name = truncateUTF8(cleanName(name), maxLabel-len(suffix))
	if name == "" {
		name = defaultName
	}
	return name + suffix
}

// displayName turns a received raw instance name into the name to show: the
// suffix is dropped when it names the announcing device.
func displayName(raw string, id identity.DeviceID) string {
	name := cleanName(raw)
	if base, ok := strings.CutSuffix(name, " ("+id.Short()+")"); ok && base != "" {
		name = base
	}
	return name
}

// cleanName makes untrusted text safe to display: valid UTF-8, no control
// characters, no surrounding space.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

// escapeLabel writes one raw DNS label in miekg/dns presentation format.
func escapeLabel(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case strings.IndexByte(`. '@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeLabel reverses escapeLabel for a label received from the network:
// \X stands for X and \DDD for the byte DDD (000–255). It rejects dangling or
// out-of-range escapes and labels longer than 63 bytes.
func unescapeLabel(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("label %q: dangling escape", s)
		}
		if n, isDDD, ok := decimalEscape(s[i+1:]); isDDD {
			if !ok {
				return "", fmt.Errorf("label %q: escape out of range", s)
			}
			b.WriteByte(n)
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	if b.Len() > maxLabel {
		return "", fmt.Errorf("label %q: %d bytes, more than %d", s, b.Len(), maxLabel)
	}
	return b.String(), nil
}

// decimalEscape reads the DDD of a \DDD escape at the start of s. isDDD
// reports whether s starts with three digits, ok whether they are at most 255.
func decimalEscape(s string) (n byte, isDDD, ok bool) {
	if len(s) < 3 || !allIn(s[:3], "0123456789") {
		return 0, false, false
	}
	v := int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	return byte(v), true, v <= 255
}
