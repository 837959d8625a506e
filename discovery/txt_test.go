package discovery

import (
	"errors"
	"strings"
	"testing"

	"github.com/grove-team/grove/replica/identity"
)

func testRecord(t testing.TB) txtRecord {
	return txtRecord{Version: 1, Device: newDevice(t), Instance: "0123456789abcdef"}
}

func TestTXTRoundTrip(t *testing.T) {
	r := testRecord(t)
	txt := r.strings()
	size := 0
	for _, e := range txt {
		size += 1 + len(e)
	}
	if size >= 200 {
		t.Errorf("TXT is %d bytes, want < 200", size)
	}
	got, err := parseTXT(txt)
	if err != nil || got != r {
		t.Fatalf("parseTXT(%q) = %+v, %v; want %+v", txt, got, err, r)
	}
}

func TestParseTXT(t *testing.T) {
	r := testRecord(t)
	id := r.Device.String()
	good := []string{"v=1", "id=" + id, "inst=0123456789abcdef"}
	cases := []struct {
		name    string
		txt     []string
		wantErr bool
		want    txtRecord
	}{
		{"canonical", good, false, r},
		{"extra keys and junk ignored", append([]string{"junk", "=x", "port=7000", ""}, good...), false, r},
		{"keys case-insensitive", []string{"V=1", "ID=" + id, "Inst=0123456789abcdef"}, false, r},
		{"first occurrence wins", append(good, "v=2", "id=x"), false, r},
		{"bad first occurrence is absent", append([]string{"v=01"}, good...), true, txtRecord{}},
		{"missing id", []string{"v=1", "inst=0123456789abcdef"}, true, txtRecord{}},
		{"missing inst", []string{"v=1", "id=" + id}, true, txtRecord{}},
		{"missing v", []string{"id=" + id, "inst=0123456789abcdef"}, true, txtRecord{}},
		{"empty", nil, true, txtRecord{}},
		{"version zero", []string{"v=0", "id=" + id, "inst=0123456789abcdef"}, true, txtRecord{}},
		{"version signed", []string{"v=+1", "id=" + id, "inst=0123456789abcdef"}, true, txtRecord{}},
		{"version too big", []string{"v=10000", "id=" + id, "inst=0123456789abcdef"}, true, txtRecord{}},
		{"id lower case", []string{"v=1", "id=" + strings.ToLower(id), "inst=0123456789abcdef"}, true, txtRecord{}},
		{"id without dashes", []string{"v=1", "id=" + strings.ReplaceAll(id, "-", ""), "inst=0123456789abcdef"}, true, txtRecord{}},
		{"id zero", []string{"v=1", "id=" + identity.DeviceID{}.String(), "inst=0123456789abcdef"}, true, txtRecord{}},
		{"inst upper", []string{"v=1", "id=" + id, "inst=0123456789ABCDEF"}, true, txtRecord{}},
		{"inst short", []string{"v=1", "id=" + id, "inst=0123"}, true, txtRecord{}},
		{"value with escapes", []string{"v=1", "id=" + id, `inst=0123456789abcde\"`}, true, txtRecord{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseTXT(c.txt)
			if c.wantErr {
				if !errors.Is(err, ErrBadTXT) {
					t.Fatalf("parseTXT(%q) = %+v, %v; want ErrBadTXT", c.txt, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("parseTXT(%q) = %+v, %v; want %+v", c.txt, got, err, c.want)
			}
		})
	}
}

func TestParseTXTBoundsWork(t *testing.T) {
	r := testRecord(t)
	txt := make([]string, maxTXTEntries)
	for i := range txt {
		txt[i] = "x=y"
	}
	if _, err := parseTXT(append(txt, r.strings()...)); !errors.Is(err, ErrBadTXT) {
		t.Fatalf("entries past %d were read: %v", maxTXTEntries, err)
	}
}

// FuzzParseTXT feeds arbitrary TXT entries to the parser: it must not panic,
// and whatever it accepts must encode back to a record that parses the same.
func FuzzParseTXT(f *testing.F) {
	r := testRecord(f)
	f.Add("v=1", "id="+r.Device.String(), "inst=0123456789abcdef", "")
	f.Add("V=9999", "ID="+r.Device.String(), "inst=ffffffffffffffff", "v=2")
	f.Add("=", "id=", "inst=", "\x00\xff")
	f.Add("v=01", "id=AAAA", "inst=0123456789abcdeg", "junk")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		got, err := parseTXT([]string{a, b, c, d})
		if err != nil {
			if !errors.Is(err, ErrBadTXT) {
				t.Fatalf("error %v does not wrap ErrBadTXT", err)
			}
			return
		}
		again, err := parseTXT(got.strings())
		if err != nil || again != got {
			t.Fatalf("round trip of %+v: %+v, %v", got, again, err)
		}
	})
}
