package knowledge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

// uv concatenates the minimal varint encodings of vs.
func uv(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// docExample is the example from the package documentation.
var docExample = []byte{0x02, 0x01, 0x02, 0x01, 0x09, 0x02, 0x02, 0x01, 0x01, 0x01, 0x02}

// validCases are canonical encodings with the knowledge they encode.
var validCases = []struct {
	name string
	b    []byte
	want string
}{
	{"empty", []byte{0x00}, "{}"},
	{"doc example", docExample, "{1:[1-10,12-14] 2:[1-3]}"},
	{"replica key 0", uv(1, 0, 1, 1, 0), "{0:[1]}"},
	{"max replica key", uv(2, 0, 1, 1, 0, math.MaxUint32, 1, 1, 0), "{0:[1] 4294967295:[1]}"},
	{"max tick", uv(1, 3, 1, math.MaxUint64, 0), "{3:[18446744073709551615]}"},
	{"all ticks", uv(1, 3, 1, 1, math.MaxUint64-1), "{3:[1-18446744073709551615]}"},
	{"gap of one tick", uv(1, 1, 2, 1, 0, 2, 0), "{1:[1,3]}"},
	{"multi-byte varints", uv(1, 300, 2, 200, 1000, 70000, 5), "{300:[200-1200,71200-71205]}"},
}

// malformedCases are inputs Parse must reject; wantSub is a substring of the
// expected error that pins down the reason.
var malformedCases = []struct {
	name    string
	b       []byte
	wantSub string
}{
	{"nil input", nil, "truncated"},
	{"truncated count varint", []byte{0x80}, "truncated"},
	{"truncated after count", []byte{0x01}, "needs more than"},
	{"truncated range count vs bytes", docExample[:len(docExample)-1], "needs more than"},
	{"truncated span varint", cat(uv(1, 1, 1, 1), []byte{0x85}), "truncated"},
	{"trailing byte", cat(docExample, []byte{0x00}), "trailing"},
	{"trailing after empty", []byte{0x00, 0x00}, "trailing"},
	{"tick 0", uv(1, 1, 1, 0, 5), "tick 0"},
	{"overlapping ranges", uv(1, 1, 2, 1, 5, 0, 1), "overlaps"},
	{"adjacent ranges", uv(1, 1, 2, 1, 5, 1, 1), "adjacent"},
	{"duplicate replica", uv(2, 1, 1, 1, 0, 0, 1, 1, 0), "duplicate replica"},
	{"empty range set", uv(1, 1, 0, 0, 0), "empty range set"},
	{"non-minimal count", []byte{0x80, 0x00}, "non-minimal"},
	{"non-minimal key", cat(uv(1), []byte{0x81, 0x00}, uv(1, 1, 0)), "non-minimal"},
	{"non-minimal span", cat(uv(1, 1, 1, 1), []byte{0x85, 0x80, 0x00}), "non-minimal"},
	{"varint longer than 10 bytes", bytes.Repeat([]byte{0xff}, 11), "overflows 64 bits"},
	{"varint value over 64 bits", cat(bytes.Repeat([]byte{0xff}, 9), []byte{0x02}), "overflows 64 bits"},
	{"huge replica count", uv(1 << 62), "exceeds limit"},
	{"replica count over MaxReplicas", cat(uv(MaxReplicas+1), make([]byte, 4*(MaxReplicas+1))), "exceeds limit"},
	{"replica count over remaining bytes", uv(2, 1, 1, 1, 0), "needs more than"},
	{"huge range count", uv(1, 1, 1<<62, 1, 0), "exceeds total limit"},
	{"range count over remaining bytes", uv(1, 1, 3, 1, 0, 2, 0), "needs more than"},
	{"first key over uint32", uv(1, 1<<32, 1, 1, 0), "overflows uint32"},
	{"key delta over uint32", uv(2, math.MaxUint32, 1, 1, 0, 1, 1, 1, 0), "overflows uint32"},
	{"lo overflow", uv(1, 1, 2, math.MaxUint64-1, 0, 2, 0), "overflows uint64"},
	{"hi overflow", uv(1, 1, 1, math.MaxUint64, 1), "overflows uint64"},
	{"first lo wraps to tick 0", uv(1, 1, 2, 5, 0, math.MaxUint64-3, 0), "overflows uint64"},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Parse(tc.b)
			if err != nil {
				t.Fatalf("Parse(% x): %v", tc.b, err)
			}
			checkKnowledge(t, k)
			if got := k.String(); got != tc.want {
				t.Fatalf("Parse(% x) = %s, want %s", tc.b, got, tc.want)
			}
			if got := k.AppendBinary(nil); !bytes.Equal(got, tc.b) {
				t.Fatalf("re-encoded % x, want % x", got, tc.b)
			}
			m, err := k.MarshalBinary()
			if err != nil || !bytes.Equal(m, tc.b) {
				t.Fatalf("MarshalBinary = % x, %v; want % x", m, err, tc.b)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range malformedCases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Parse(tc.b)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(% x) = %v, %v; want ErrMalformed", tc.b, k, err)
			}
			if k != nil {
				t.Fatalf("Parse returned a knowledge with an error: %s", k)
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Fatalf("error %q does not mention %q", err, tc.wantSub)
			}
			if !strings.HasPrefix(err.Error(), "knowledge: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseRejectsEveryTruncation(t *testing.T) {
	for _, tc := range validCases {
		for n := range len(tc.b) {
			if _, err := Parse(tc.b[:n]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: Parse of the first %d of %d bytes: err = %v, want ErrMalformed", tc.name, n, len(tc.b), err)
			}
		}
	}
}

func TestParseRangeLimit(t *testing.T) {
	// Replica 0 holds MaxRanges ranges (1, 3, 5, ...), replica 1 one more.
	body := uv(2, 0, MaxRanges, 1, 0)
	for range MaxRanges - 1 {
		body = append(body, 2, 0)
	}
	ok := body[:len(body):len(body)]
	ok[0] = 1
	k, err := Parse(ok)
	if err != nil {
		t.Fatalf("Parse of exactly MaxRanges ranges: %v", err)
	}
	if got := len(k.Set(0).Ranges()); got != MaxRanges {
		t.Fatalf("parsed %d ranges, want %d", got, MaxRanges)
	}
	over := append(append([]byte{2}, ok[1:]...), uv(1, 1, 1, 0)...)
	if _, err := Parse(over); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "exceeds total limit") {
		t.Fatalf("Parse of MaxRanges+1 ranges: err = %v, want total limit error", err)
	}
}

func TestMarshalBinaryLimits(t *testing.T) {
	tests := []struct {
		name  string
		build func() *Knowledge
		ok    bool
	}{
		{"max replicas", func() *Knowledge {
			k := New()
			for r := range uint32(MaxReplicas) {
				k.Add(r, 1)
			}
			return k
		}, true},
		{"too many replicas", func() *Knowledge {
			k := New()
			for r := range uint32(MaxReplicas + 1) {
				k.Add(r, 1)
			}
			return k
		}, false},
		{"too many ranges", func() *Knowledge {
			k := New()
			for i := range uint64(MaxRanges + 1) {
				k.Add(1, 2*i+1)
			}
			return k
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := tc.build()
			b, err := k.MarshalBinary()
			if !tc.ok {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("MarshalBinary error = %v, want ErrTooLarge", err)
				}
				if _, err := Parse(k.AppendBinary(nil)); !errors.Is(err, ErrMalformed) {
					t.Fatalf("Parse of the unchecked encoding: %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			got, err := Parse(b)
			if err != nil || !got.Equal(k) {
				t.Fatalf("round trip failed: %v", err)
			}
		})
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		want   string
		n      int
		errSub string
	}{
		{"exact", docExample, "{1:[1-10,12-14] 2:[1-3]}", len(docExample), ""},
		{"followed by frame bytes", cat(docExample, []byte{0xff, 0x00, 0x01}), "{1:[1-10,12-14] 2:[1-3]}", len(docExample), ""},
		{"empty then more", []byte{0x00, 0x07}, "{}", 1, ""},
		{"malformed start", []byte{0x80}, "", 0, "truncated"},
		{"count needs the following bytes", uv(1, 1), "", 0, "needs more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, n, err := ParsePrefix(tc.b)
			if tc.errSub != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.errSub) || k != nil || n != 0 {
					t.Fatalf("ParsePrefix = %v, %d, %v; want error mentioning %q", k, n, err, tc.errSub)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePrefix: %v", err)
			}
			if k.String() != tc.want || n != tc.n {
				t.Fatalf("ParsePrefix = %s, %d; want %s, %d", k, n, tc.want, tc.n)
			}
		})
	}
}

func TestAppendBinaryAppends(t *testing.T) {
	k := kn(map[uint32][]Range{1: {{1, 10}, {12, 14}}, 2: {{1, 3}}})
	prefix := []byte("hdr")
	got := k.AppendBinary(prefix)
	if !bytes.Equal(got, cat([]byte("hdr"), docExample)) {
		t.Fatalf("AppendBinary = % x", got)
	}
	var nilK *Knowledge
	if got := nilK.AppendBinary(nil); !bytes.Equal(got, []byte{0}) {
		t.Fatalf("nil AppendBinary = % x, want 00", got)
	}
}

func TestUvarintLen(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1<<56 - 1, 1 << 56, 1<<63 - 1, 1 << 63, math.MaxUint64} {
		if got, want := uvarintLen(v), len(uv(v)); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestParsedKnowledgeIsIndependent(t *testing.T) {
	b := bytes.Clone(docExample)
	k, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// Growing each parsed set must not disturb its neighbours.
	k.AddRange(1, 100, 200)
	k.AddRange(2, 100, 200)
	k.Add(1, 11)
	for i := range b {
		b[i] = 0xff
	}
	if got, want := k.String(), "{1:[1-14,100-200] 2:[1-3,100-200]}"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse(uv(1, 7, 3, 1, 29, 2, 8, 1, 0))
	want := "knowledge: replica 7 range 2: adjacent to previous range ending at 40: malformed knowledge"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestParseHostileCountsAllocateLittle(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"max replicas claimed, few bytes", cat(uv(MaxReplicas), make([]byte, 8))},
		{"huge range count claimed", cat(uv(1, 0, MaxRanges), make([]byte, 8))},
		{"range count just over the bytes left", cat(uv(1, 0, 5000), bytes.Repeat([]byte{1}, 9998))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Parse(tc.b)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse: %v, want ErrMalformed", err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 4096 {
				t.Fatalf("Parse of %d hostile bytes allocated %d bytes", len(tc.b), got)
			}
		})
	}
}
