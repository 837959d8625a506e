package wire

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/grove-team/grove/replica/knowledge"
)

func sampleKnowledge() *knowledge.Knowledge {
	k := knowledge.New()
	k.AddRange(0, 1, 100)
	k.Add(1, 7)
	return k
}

func sampleBatch() *Batch {
	return &Batch{
		Defs:  []Replica{{ID: [16]byte{1}, Device: [32]byte{2}}, {ID: [16]byte{3}, Device: [32]byte{4}}},
		Scope: 2,
		Items: []Item{{ID: [16]byte{9}, Units: []Unit{
			{ID: [16]byte{}, Versions: []VersionData{{Replica: 0, Tick: 5, HLC: 1 << 40, Value: []byte("hello")}}},
			{ID: [16]byte{7}, Versions: []VersionData{{Replica: 1, Tick: 3, HLC: 2, Flags: 1}, {Replica: 0, Tick: 9, HLC: 3, Value: []byte{0}}}, Context: []Dot{{Replica: 1, Tick: 2}}},
		}}},
	}
}

// messages returns a sample of every message type, encoded.
func messages() map[byte][]byte {
	return map[byte][]byte{
		TypeHello:       Hello{Version: 1, Oldest: 1, ListenPort: 7420}.AppendBinary(nil),
		TypeSync:        (&Sync{Defs: sampleBatch().Defs, Workspace: [16]byte{5}, Mapping: [16]byte{6}, Direction: Both, Scopes: []ScopeKnowledge{{Scope: 1, Knowledge: sampleKnowledge()}, {Scope: 2, Knowledge: knowledge.New()}}}).AppendBinary(nil),
		TypeJoin:        Join{Workspace: [16]byte{1}, Secret: [32]byte{2}, Name: "Bea"}.AppendBinary(nil),
		TypeBatch:       sampleBatch().AppendBinary(nil),
		TypeDone:        (&Done{Scopes: []ScopeKnowledge{{Scope: 2, Knowledge: sampleKnowledge()}}}).AppendBinary(nil),
		TypeAck:         Ack{Applied: 10, Conflicts: 1}.AppendBinary(nil),
		TypeRefuse:      Refuse{Code: CodeNotMember, Message: "not a member"}.AppendBinary(nil),
		TypeAccepted:    Accepted{Role: 2, Name: "Team"}.AppendBinary(nil),
		TypeStatus:      (&Status{Workspace: [16]byte{1}, Scopes: []ScopeKnowledge{{Scope: 1, Knowledge: sampleKnowledge()}}}).AppendBinary(nil),
		TypeStatusReply: (&StatusReply{Lacks: []uint64{3}, Scopes: []ScopeKnowledge{{Scope: 1, Knowledge: sampleKnowledge()}}}).AppendBinary(nil),
	}
}

// reencode parses a body of a type and encodes it again.
func reencode(typ byte, b []byte) ([]byte, error) {
	switch typ {
	case TypeHello:
		m, err := ParseHello(b)
		return m.AppendBinary(nil), err
	case TypeSync:
		m, err := ParseSync(b)
		return m.AppendBinary(nil), err
	case TypeJoin:
		m, err := ParseJoin(b)
		return m.AppendBinary(nil), err
	case TypeBatch:
		m, err := ParseBatch(b)
		return m.AppendBinary(nil), err
	case TypeDone:
		m, err := ParseDone(b)
		return m.AppendBinary(nil), err
	case TypeAck:
		m, err := ParseAck(b)
		return m.AppendBinary(nil), err
	case TypeRefuse:
		m, err := ParseRefuse(b)
		return m.AppendBinary(nil), err
	case TypeAccepted:
		m, err := ParseAccepted(b)
		return m.AppendBinary(nil), err
	case TypeStatus:
		m, err := ParseStatus(b)
		return m.AppendBinary(nil), err
	case TypeStatusReply:
		m, err := ParseStatusReply(b)
		return m.AppendBinary(nil), err
	}
	return nil, ErrMalformed
}

func TestRoundTrip(t *testing.T) {
	for typ, b := range messages() {
		got, err := reencode(typ, b)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("type %d: %v\n%x\n%x", typ, err, b, got)
		}
		// Every strict prefix is refused, and so is a trailing byte.
		for i := 0; i < len(b); i++ {
			if _, err := reencode(typ, b[:i]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("type %d: prefix of %d bytes: %v", typ, i, err)
			}
		}
		if _, err := reencode(typ, append(append([]byte(nil), b...), 0)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("type %d: trailing byte accepted", typ)
		}
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, TypeAck, Ack{Applied: 1}.AppendBinary(nil)); err != nil {
		t.Fatal(err)
	}
	typ, body, err := ReadFrame(&buf)
	if err != nil || typ != TypeAck || len(body) != 2 {
		t.Fatalf("%d %x %v", typ, body, err)
	}
	cases := map[string]struct {
		in   []byte
		want error
	}{
		"oversized": {[]byte{0x01, 0x00, 0x00, 0x01, 1}, ErrFrameTooLarge},
		"empty":     {[]byte{0, 0, 0, 0}, ErrMalformed},
	}
	for name, c := range cases {
		if _, _, err := ReadFrame(bytes.NewReader(c.in)); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := WriteFrame(&buf, TypeBatch, make([]byte, MaxFrame)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("oversized write: %v", err)
	}
}

func TestHostileCounts(t *testing.T) {
	// A batch claiming 65,536 items in a few bytes is refused before any
	// allocation of that size.
	b := []byte{0, 2, 0x80, 0x80, 0x04}
	if _, err := ParseBatch(b); !errors.Is(err, ErrMalformed) {
		t.Fatalf("hostile count: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 100; i++ {
		ParseBatch(b)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 100; per > 4096 {
		t.Fatalf("hostile count allocated %d bytes per parse", per)
	}
}

// FuzzMessages feeds every decoder; whatever one accepts must encode back
// to the same bytes.
func FuzzMessages(f *testing.F) {
	for typ, b := range messages() {
		f.Add(typ, b)
	}
	f.Fuzz(func(t *testing.T, typ byte, b []byte) {
		got, err := reencode(typ%11, b)
		if err != nil {
			return
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("type %d: accepted %x re-encodes to %x", typ%11, b, got)
		}
	})
}

// FuzzReadFrame must never panic or allocate beyond the cap.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 6})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, body, err := ReadFrame(bytes.NewReader(b))
		if err == nil && len(body)+5 > len(b) {
			t.Fatalf("type %d: body longer than input", typ)
		}
	})
}
