package schema

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestValueEncodingExamples(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		hex  string
	}{
		{"empty", Value{}, "00"},
		{"text", TextValue("hi"), "010268" + "69"},
		{"choice", ChoiceValue("A"), "020141"},
		{"zero", NumberValue(0), "0300"},
		{"negative zero", NumberValue(math.Copysign(0, -1)), "0300"},
		{"int", NumberValue(42), "0354"},
		{"negative int", NumberValue(-1), "0301"},
		{"2^53", NumberValue(1 << 53), "038080808080808020"},
		{"2^53+2 is float", NumberValue(1<<53 + 2), "044340000000000001"},
		{"fraction", NumberValue(1.5), "043ff8000000000000"},
		{"date", DateDays(-1), "0501"},
		{"true", BoolValue(true), "0601"},
		{"false", BoolValue(false), "0600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hex.EncodeToString(tt.v.AppendBinary(nil))
			if got != tt.hex {
				t.Fatalf("AppendBinary = %s, want %s", got, tt.hex)
			}
			b, _ := hex.DecodeString(tt.hex)
			v, err := DecodeValue(b)
			if err != nil || !v.Equal(tt.v) {
				t.Fatalf("DecodeValue(%s) = %v, %v", tt.hex, v, err)
			}
		})
	}
	if got := TextValue("x").AppendBinary([]byte{0xAA}); !bytes.Equal(got, []byte{0xAA, 1, 1, 'x'}) {
		t.Errorf("AppendBinary does not append: %x", got)
	}
}

func TestDecodeValueRejects(t *testing.T) {
	tests := []struct {
		name string
		hex  string
	}{
		{"no data", ""},
		{"unknown tag", "07"},
		{"high tag", "ff"},
		{"trailing after empty", "0000"},
		{"trailing after int", "035400"},
		{"empty text", "0100"},
		{"empty choice", "0200"},
		{"truncated text", "010561"},
		{"text length missing", "01"},
		{"invalid utf8", "0101ff"},
		{"surrogate utf8", "0103eda080"},
		{"non-minimal length", "01810061"},
		{"non-minimal int", "038000"},
		{"varint overflow", "03ffffffffffffffffff7f"},
		{"int beyond 2^53", "038280808080808020"},
		{"int far beyond 2^53", "0382808080808080808001"},
		{"truncated float", "043ff8"},
		{"float NaN", "047ff8000000000001"},
		{"float +Inf", "047ff0000000000000"},
		{"float -Inf", "04fff0000000000000"},
		{"float integral", "043ff0000000000000"},
		{"float negative zero", "048000000000000000"},
		{"date below int32", "058180808010"},
		{"date above int32", "058080808010"},
		{"checkbox missing", "06"},
		{"checkbox 2", "0602"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			v, err := DecodeValue(b)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeValue(%s) = %v, %v; want ErrMalformed", tt.hex, v, err)
			}
		})
	}
}

func TestDecodeValueSizeLimit(t *testing.T) {
	// A length prefix claiming more than MaxValueBytes is rejected
	// before the (absent) payload is looked at.
	b := append([]byte{tagText}, encodeUvarint(MaxValueBytes+1)...)
	if _, err := DecodeValue(b); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("oversized claim: %v", err)
	}
	big := TextValue(strings.Repeat("a", MaxValueBytes)).AppendBinary(nil)
	if _, err := DecodeValue(big); err != nil {
		t.Errorf("MaxValueBytes text: %v", err)
	}
	// A truncated payload claiming MaxValueBytes must be rejected without
	// allocating room for it.
	truncated := append(append([]byte{tagText}, encodeUvarint(MaxValueBytes)...), 'a')
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		if _, err := DecodeValue(truncated); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated claim: %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 100<<10 {
		t.Errorf("rejecting 100 truncated claims allocated %d bytes", n)
	}
}

// encodeUvarint returns the uvarint encoding of n.
func encodeUvarint(n uint64) []byte { return appendUvarint(nil, n) }

// randomValue returns a random Value that passes validation for its kind.
func randomValue(r *rand.Rand) Value {
	switch r.IntN(9) {
	case 0:
		return Value{}
	case 1:
		return TextValue(randomText(r, 40))
	case 2:
		return ChoiceValue(randomText(r, 10))
	case 3:
		return NumberValue(float64(r.Int64N(1<<54) - 1<<53))
	case 4:
		return NumberValue(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
	case 5:
		return NumberValue(math.Float64frombits(r.Uint64()))
	case 6:
		return DateDays(int32(r.Uint32()))
	case 7:
		return DateValue(time.Unix(r.Int64N(1<<36)-1<<35, 0))
	default:
		return BoolValue(r.IntN(2) == 1)
	}
}

// randomText returns up to n random runes from a mixed alphabet.
func randomText(r *rand.Rand, n int) string {
	alphabet := []rune("aZ0 \n\t-éß€日本😀\u0301\x00\uFFFD")
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func TestValueRoundTripProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range 20000 {
		v := randomValue(r)
		if v.Kind() == Number && !finite(v.Number()) {
			continue // NaN and infinities are not encodable by contract
		}
		b := v.AppendBinary(nil)
		got, err := DecodeValue(b)
		if err != nil {
			t.Fatalf("seed %d case %d: DecodeValue(%x) of %#v: %v", seed, i, b, v, err)
		}
		if !got.Equal(v) || got != v {
			t.Fatalf("seed %d case %d: round trip %#v -> %#v", seed, i, v, got)
		}
		if again := got.AppendBinary(nil); !bytes.Equal(again, b) {
			t.Fatalf("seed %d case %d: re-encoding %x != %x", seed, i, again, b)
		}
	}
}

// nameText returns random text that is valid inside a name: no control
// characters, no '=', no trailing space.
func nameText(r *rand.Rand, n int) string {
	return strings.Map(func(c rune) rune {
		if c < ' ' || c == '=' || c == ' ' {
			return '_'
		}
		return c
	}, randomText(r, n))
}

// randomField returns a random field that passes Check.
func randomField(r *rand.Rand) Field {
	types := []FieldType{Text, LongText, Number, Date, Checkbox, Choice}
	f := Field{Name: "n" + nameText(r, 30), Type: types[r.IntN(len(types))], Required: r.IntN(2) == 0}
	for i := range f.ID {
		f.ID[i] = byte(r.Uint32())
	}
	switch f.Type {
	case Text, LongText:
		f.MaxLength = r.IntN(f.Type.lengthCap() + 1)
		if r.IntN(2) == 0 {
			f.Pattern = []string{`[a-z]+`, `(?i)x|y`, `\Q.\E+`, `é*`}[r.IntN(4)]
		}
	case Number:
		a, b := r.NormFloat64()*1e6, r.NormFloat64()*1e6
		if r.IntN(2) == 0 {
			f.Min = ptr(min(a, b))
		}
		if r.IntN(2) == 0 {
			f.Max = ptr(max(a, b))
		}
	case Choice:
		for i := range 1 + r.IntN(20) {
			f.Choices = append(f.Choices, "c"+string(rune('A'+i))+nameText(r, 3))
		}
	}
	return f
}

func TestFieldRoundTripProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range 5000 {
		f := randomField(r)
		if err := f.Check(); err != nil {
			t.Fatalf("seed %d case %d: random field invalid: %v", seed, i, err)
		}
		b := f.AppendBinary(nil)
		got, err := DecodeField(b)
		if err != nil {
			t.Fatalf("seed %d case %d: DecodeField(%x) of %#v: %v", seed, i, b, f, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("seed %d case %d: round trip\n got %#v\nwant %#v", seed, i, got, f)
		}
		if again := got.AppendBinary(nil); !bytes.Equal(again, b) {
			t.Fatalf("seed %d case %d: re-encoding differs", seed, i)
		}
	}
}

// fieldBytes encodes a valid choice field for the rejection tests.
func fieldBytes() []byte {
	f := Field{ID: uuid.MustParse("11111111-2222-4333-8444-555555555555"), Name: "Tag", Type: Choice,
		Required: true, Choices: []string{"A", "B"}}
	return f.AppendBinary(nil)
}

func TestFieldEncodingLayout(t *testing.T) {
	f := Field{ID: uuid.MustParse("11111111-2222-4333-8444-555555555555"), Name: "Age", Type: Number,
		Required: true, Min: ptr(0), Max: ptr(1.5)}
	want := "01" + "11111111222243338444555555555555" + "03416765" + "03" + "07" +
		"0000000000000000" + "3ff8000000000000" + "00" + "00" + "00"
	if got := hex.EncodeToString(f.AppendBinary(nil)); got != want {
		t.Errorf("layout\n got %s\nwant %s", got, want)
	}
}

func TestDecodeFieldRejects(t *testing.T) {
	valid := fieldBytes()
	// valid = 01 | id(16) | 03 'Tag' | 06 | 01 | 00 | 00 | 02 01 'A' 01 'B'
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(valid)) }
	tests := []struct {
		name   string
		b      []byte
		design bool // want ErrInvalidDesign rather than ErrMalformed
	}{
		{"empty", nil, false},
		{"truncated id", valid[:10], false},
		{"version 0", mutate(func(b []byte) []byte { b[0] = 0; return b }), false},
		{"version 2", mutate(func(b []byte) []byte { b[0] = 2; return b }), false},
		{"truncated name", valid[:19], false},
		{"type code 0", mutate(func(b []byte) []byte { b[21] = 0; return b }), false},
		{"type code 7", mutate(func(b []byte) []byte { b[21] = 7; return b }), false},
		{"unknown flag", mutate(func(b []byte) []byte { b[22] |= 0x08; return b }), false},
		{"min flag without bytes", mutate(func(b []byte) []byte { b[22] |= flagMin; return b }), false},
		{"trailing byte", append(bytes.Clone(valid), 0), false},
		{"truncated choices", valid[:len(valid)-1], false},
		{"choice count too large", mutate(func(b []byte) []byte { b[25] = 0x7f; return b }), false},
		{"non-minimal maxLength", append(append(bytes.Clone(valid[:23]), 0x80, 0x00), valid[24:]...), false},
		{"huge maxLength", append(append(bytes.Clone(valid[:23]), 0xff, 0xff, 0x7f), valid[24:]...), false},
		{"invalid utf8 name", mutate(func(b []byte) []byte { b[19] = 0xff; return b }), false},
		{"nil id", mutate(func(b []byte) []byte { clear(b[1:17]); return b }), true},
		{"duplicate choices", mutate(func(b []byte) []byte { b[len(b)-1] = 'A'; return b }), true},
		{"choice on number", mutate(func(b []byte) []byte { b[21] = 3; return b }), true},
		{"bad pattern", Field{ID: uuid.New(), Name: "P", Type: Text, Pattern: "("}.AppendBinary(nil), true},
		{"unknown type encodes as 0", Field{ID: uuid.New(), Name: "P", Type: "x"}.AppendBinary(nil), false},
	}
	if _, err := DecodeField(valid); err != nil {
		t.Fatalf("valid field rejected: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeField(tt.b)
			want := ErrMalformed
			if tt.design {
				want = ErrInvalidDesign
			}
			if !errors.Is(err, want) {
				t.Fatalf("DecodeField(%x) = %+v, %v; want %v", tt.b, f, err, want)
			}
		})
	}
}

func TestNewValueEncodingExamples(t *testing.T) {
	tests := []struct {
		v   Value
		hex string
	}{
		{DateTimeSeconds(60), "0778"},
		{MultiChoiceValue("B", "A"), "0802014101" + "42"},
		{PersonValue(PersonParts{ID: "user:7", Name: "Ada"}), "0906757365723a3700" + "03416461"},
		{LookupValue(uuid.MustParse("01900000-0000-7000-8000-000000000001")), "0a01900000000070008000000000000001"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.v.AppendBinary(nil)); got != tt.hex {
			t.Errorf("%#v encodes as %s, want %s", tt.v, got, tt.hex)
		}
	}
	for _, h := range []string{
		"08020142014101",                     // unsorted items
		"080201410141",                       // repeated item
		"0800",                               // no items
		"0900000000",                         // person without reference or e-mail
		"0905626f623a3700" + "00",            // unknown reference scheme
		"0906757365723a37000420416461",       // untrimmed name
		"0a00000000000000000000000000000000", // nil record
		"07ffffffffffffffffff01",             // date-time overflow
	} {
		b, _ := hex.DecodeString(h)
		if _, err := DecodeValue(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeValue(%s) = %v, want ErrMalformed", h, err)
		}
	}
}
