package knowledge

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error wraps
// ErrMalformed, and that every accepted input is canonical: it re-encodes to
// exactly the same bytes. ParsePrefix must agree with Parse.
func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.b)
	}
	for _, tc := range malformedCases {
		if len(tc.b) <= 1024 {
			f.Add(tc.b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := Parse(b)
		pk, n, perr := ParsePrefix(b)
		if perr != nil {
			if !errors.Is(perr, ErrMalformed) {
				t.Fatalf("ParsePrefix error does not wrap ErrMalformed: %v", perr)
			}
			if err == nil {
				t.Fatalf("Parse accepted what ParsePrefix rejected: %v", perr)
			}
		} else {
			if n < 1 || n > len(b) {
				t.Fatalf("ParsePrefix consumed %d of %d bytes", n, len(b))
			}
			if got := pk.AppendBinary(nil); !bytes.Equal(got, b[:n]) {
				t.Fatalf("ParsePrefix result re-encodes to % x, want % x", got, b[:n])
			}
			if (err == nil) != (n == len(b)) {
				t.Fatalf("Parse err = %v but ParsePrefix consumed %d of %d bytes", err, n, len(b))
			}
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error does not wrap ErrMalformed: %v", err)
			}
			if k != nil {
				t.Fatalf("Parse returned a knowledge with error %v", err)
			}
			return
		}
		if ierr := knowledgeErr(k); ierr != nil {
			t.Fatalf("Parse accepted % x into an invalid knowledge: %v", b, ierr)
		}
		if got := k.AppendBinary(nil); !bytes.Equal(got, b) {
			t.Fatalf("Parse accepted non-canonical % x (re-encodes to % x)", b, got)
		}
		if !k.Equal(pk) || !k.Clone().Equal(k) {
			t.Fatalf("Parse and ParsePrefix disagree on % x", b)
		}
		_ = k.String()
	})
}
