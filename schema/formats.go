package schema

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// validateFormat checks the shape of url, email and phone values.
func (f *Field) validateFormat(s string) error {
	switch f.Type {
	case URL:
		if !validURL(s) {
			return f.ruleError(RuleType, "%s is not an absolute http, https, ftp or mailto address", quote(s))
		}
	case Email:
		if !validEmail(s) {
			return f.ruleError(RuleType, "%s is not an e-mail address of the form name@example.org", quote(s))
		}
	case Phone:
		if !validPhone(s) {
			return f.ruleError(RuleType, "%s is not a phone number (digits, spaces, ( ) . - / and a leading +)", quote(s))
		}
	}
	return nil
}

// validURL accepts absolute http, https and ftp URLs with a host, and
// mailto URLs, without spaces.
func validURL(s string) bool {
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		return u.Host != ""
	case "mailto":
		return u.Opaque != "" || u.Path != ""
	}
	return false
}

// validEmail accepts local@domain where both parts are non-empty, the
// domain has a dot between non-empty labels, and there are no spaces,
// control characters or further '@'.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(s) > MaxEmailLength {
		return false
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>' }) >= 0 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}

// validPhone accepts digits, spaces and ( ) . - / with an optional
// leading +, and at least three digits.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" ().-/", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// decimals returns the number of decimal places stored values of a number
// field may have, or -1 for any: Precision for numbers, Precision (default
// 2) for currency, Precision+2 for percent (stored as a fraction).
func (f *Field) decimals() int {
	switch {
	case f.Type == Currency && f.Precision == nil:
		return 2
	case f.Precision == nil || !f.Type.IsNumber():
		return -1
	case f.Type == Percent:
		return *f.Precision + 2
	}
	return *f.Precision
}

// places returns the decimal places users see: decimals without the two
// places of the percent scaling.
func (f *Field) places() int {
	if d := f.decimals(); f.Type == Percent && d >= 2 {
		return d - 2
	}
	return f.decimals()
}

// roundTo rounds n to d decimal places, half away from zero, on its
// shortest decimal form (so 2.345 rounds to 2.35 although the float64
// nearest to 2.345 is slightly below it), and returns the float64 nearest
// to the result.
func roundTo(n float64, d int) float64 {
	if !finite(n) {
		return n
	}
	s := strconv.FormatFloat(n, 'f', -1, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= d {
		return n
	}
	digits := []byte(intPart + frac[:d])
	if frac[d] >= '5' {
		i := len(digits) - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		} else {
			digits[i]++
		}
	}
	out := string(digits[:len(digits)-d])
	if d > 0 {
		out += "." + string(digits[len(digits)-d:])
	}
	if neg {
		out = "-" + out
	}
	r, err := strconv.ParseFloat(out, 64)
	if err != nil {
		return n
	}
	if r == 0 {
		return 0 // no negative zero
	}
	return r
}

// Format returns the text form of v for field f, as tables, CSV files and
// forms show it; [ParseValue] with f parses it back to an equal value.
// It differs from [Value.String] for percent fields ("12.5%"), currency
// fields (places and code: "12.50 EUR") and numbers with a Precision
// ("3.10"); values of a kind f does not hold use Value.String.
func (f *Field) Format(v Value) string {
	if v.kind != kindNumber || !f.Type.IsNumber() {
		return v.String()
	}
	s := formatNumber(v.num)
	if f.Type == Percent {
		s = shiftDecimal(s, 2)
	}
	if p := f.places(); p > 0 && !strings.ContainsAny(s, "eE") {
		_, frac, _ := strings.Cut(s, ".")
		if len(frac) < p {
			if frac == "" {
				s += "."
			}
			s += strings.Repeat("0", p-len(frac))
		}
	}
	if f.Type == Percent {
		s += "%"
	}
	if f.Type == Currency && f.Currency != "" {
		s += " " + f.Currency
	}
	if back, err := ParseValue(f, s); err != nil || !back.Equal(v) {
		return v.String() // the raw number parses back for every number type
	}
	return s
}

// shiftDecimal moves the decimal point of a plain decimal number string
// (as formatNumber writes it, possibly with an exponent) by places to the
// right, in text, so that parsing the result and shifting back gives the
// same float64.
func shiftDecimal(s string, places int) string {
	if strings.ContainsAny(s, "eE") {
		f, _ := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f*pow10(places), 'g', -1, 64)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if places >= 0 {
		frac += strings.Repeat("0", max(0, places-len(frac)))
		intPart, frac = intPart+frac[:places], frac[places:]
	} else {
		n := -places
		intPart = strings.Repeat("0", max(0, n-len(intPart)+1)) + intPart
		intPart, frac = intPart[:len(intPart)-n], intPart[len(intPart)-n:]+frac
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// pow10 returns 10^n for small n.
func pow10(n int) float64 {
	p := 1.0
	for range n {
		p *= 10
	}
	for range -n {
		p /= 10
	}
	return p
}
