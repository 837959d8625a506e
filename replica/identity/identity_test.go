package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestDeviceIDRoundTrip(t *testing.T) {
	for i := 0; i < 50; i++ {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		id := FromPublicKey(pub)
		s := id.String()
		if len(s) != 55 || strings.Count(s, "-") != 3 {
			t.Fatalf("text form %q: want 4 groups of 13", s)
		}
		for _, form := range []string{s, strings.ToLower(s), strings.ReplaceAll(s, "-", ""), strings.ReplaceAll(s, "-", " ")} {
			got, err := ParseDeviceID(form)
			if err != nil {
				t.Fatalf("parse %q: %v", form, err)
			}
			if got != id {
				t.Fatalf("parse %q: got %v want %v", form, got, id)
			}
		}
		if id.Short() != s[:13] {
			t.Fatalf("short %q", id.Short())
		}
	}
}

func TestParseDeviceIDRejects(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	good := FromPublicKey(pub).String()
	cases := map[string]string{
		"empty":        "",
		"short":        good[:40],
		"long":         good + "A",
		"bad alphabet": "1" + good[1:],
		"noncanonical": good[:54] + "Z",
		"random text":  "hello world",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseDeviceID(in); !errors.Is(err, ErrBadDeviceID) {
				t.Fatalf("ParseDeviceID(%q) = %v, want ErrBadDeviceID", in, err)
			}
		})
	}
}

func FuzzParseDeviceID(f *testing.F) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	f.Add(FromPublicKey(pub).String())
	f.Add("")
	f.Add("AAAA-BBBB")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseDeviceID(s)
		if err != nil {
			return
		}
		again, err := ParseDeviceID(id.String())
		if err != nil || again != id {
			t.Fatalf("round trip of %q failed: %v", s, err)
		}
	})
}
