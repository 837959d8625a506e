package replica

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
)

func randomItem(rng *rand.Rand) *item {
	it := &item{id: uuid.New()}
	n := 1 + rng.IntN(6)
	for i := 0; i < n; i++ {
		var id uuid.UUID
		for j := range id {
			id[j] = byte(rng.IntN(256))
		}
		u := unit{id: id}
		used := map[uint32]bool{}
		for k := 1 + rng.IntN(3); k > 0; k-- {
			r := uint32(1 + rng.IntN(5))
			if used[r] {
				continue
			}
			used[r] = true
			val := make([]byte, rng.IntN(40))
			for j := range val {
				val[j] = byte(rng.IntN(256))
			}
			if len(val) == 0 {
				val = nil
			}
			u.versions = append(u.versions, version{replica: r, tick: 1 + rng.Uint64N(1<<40), hlc: HLC(rng.Uint64()), flags: uint8(rng.IntN(2)), value: val})
		}
		full := u.context()
		for k := rng.IntN(3); k > 0; k-- {
			r := uint32(6 + rng.IntN(5))
			full[r] = 1 + rng.Uint64N(1000)
		}
		u.setContext(full)
		it.setUnit(u)
	}
	return it
}

func TestItemRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < 2000; i++ {
		it := randomItem(rng)
		b := appendItem(nil, it)
		got, err := decodeItem(it.id, b, false)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if again := appendItem(nil, got); !bytes.Equal(again, b) {
			t.Fatalf("round trip differs")
		}
		if len(got.units) != len(it.units) {
			t.Fatalf("units %d want %d", len(got.units), len(it.units))
		}
	}
}

func TestDecodeItemRejects(t *testing.T) {
	it := &item{id: uuid.New(), units: []unit{{id: uuid.UUID{1}, versions: []version{{replica: 1, tick: 1, value: []byte("x")}}}}}
	good := appendItem(nil, it)
	cases := map[string][]byte{
		"empty":           {},
		"bad format":      append([]byte{9}, good[1:]...),
		"zero units":      {1, 0},
		"truncated":       good[:len(good)-2],
		"trailing":        append(append([]byte(nil), good...), 0),
		"huge unit count": {1, 0xff, 0xff, 0xff, 0x7f},
		"tick zero": func() []byte {
			b := appendItem(nil, &item{id: it.id, units: []unit{{id: uuid.UUID{1}, versions: []version{{replica: 1, tick: 1}}}}})
			b[1+1+16+1+1] = 0 // the tick byte
			return b
		}(),
		"duplicate unit":                  appendItem(nil, &item{id: it.id, units: []unit{it.units[0], it.units[0]}}),
		"two versions of one replica":     appendItem(nil, &item{id: it.id, units: []unit{{id: uuid.UUID{1}, versions: []version{{replica: 1, tick: 1}, {replica: 1, tick: 2}}}}}),
		"context names a current replica": appendItem(nil, &item{id: it.id, units: []unit{{id: uuid.UUID{1}, versions: []version{{replica: 1, tick: 3}}, ctx: []dot{{1, 2}}}}}),
		"unknown flags": func() []byte {
			b := appendItem(nil, &item{id: it.id, units: []unit{{id: uuid.UUID{1}, versions: []version{{replica: 1, tick: 1, flags: 0x80}}}}})
			return b
		}(),
		"non-minimal varint": {1, 0x81, 0x00},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeItem(it.id, b, false); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode accepted or wrong error: %v", err)
			}
		})
	}
}

func FuzzDecodeItem(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 8; i++ {
		f.Add(appendItem(nil, randomItem(rng)))
	}
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := decodeItem(uuid.Nil, b, true)
		if err != nil {
			return
		}
		if again := appendItem(nil, it); !bytes.Equal(again, b) {
			t.Fatalf("accepted input does not re-encode to itself:\n%x\n%x", b, again)
		}
	})
}

func FuzzDecodeExistence(f *testing.F) {
	f.Add(existence{alive: true, tool: uuid.New(), created: 42}.encode())
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeExistence(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.encode(), b) {
			t.Fatalf("existence %x re-encodes to %x", b, e.encode())
		}
	})
}

func FuzzDecodeBookkeeping(f *testing.F) {
	f.Add(encodeWorkspace(Workspace{Name: "Team", Replica: uuid.New()}))
	f.Add(encodeMapping(Mapping{Direction: Both, Scopes: []Scope{ScopeData}}))
	f.Add(encodePeerAddress(PeerAddress{Addr: "127.0.0.1:7420", Seen: time.UnixMilli(1)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Must not panic; accepted values re-encode to the same bytes.
		if w, err := decodeWorkspace(uuid.Nil, b); err == nil && !bytes.Equal(encodeWorkspace(w), b) {
			t.Fatalf("workspace %x re-encodes differently", b)
		}
		if m, err := decodeMapping(uuid.Nil, make([]byte, 16), b); err == nil && !bytes.Equal(encodeMapping(m), b) {
			t.Fatalf("mapping %x re-encodes differently", b)
		}
		if p, err := decodePeerAddress(identity.DeviceID{}, b); err == nil && !bytes.Equal(encodePeerAddress(p), b) {
			t.Fatalf("peer address %x re-encodes differently", b)
		}
	})
}
