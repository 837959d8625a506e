package schema

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

// ptr returns a pointer to f.
func ptr(f float64) *float64 { return &f }

// testID returns a deterministic field ID for name.
func testID(name string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("grove-test/"+name))
}

// testTool returns a valid tool with one field of every type.
func testTool(t testing.TB) *Tool {
	t.Helper()
	tool := &Tool{ID: testID("tool"), Name: "People", Fields: []Field{
		{ID: testID("name"), Name: "Name", Type: Text, Required: true, MaxLength: 5},
		{ID: testID("email"), Name: "email", Type: Text, Pattern: `[^@]+@[^@]+`},
		{ID: testID("notes"), Name: "Notes", Type: LongText},
		{ID: testID("age"), Name: "Age", Type: Number, Min: ptr(0), Max: ptr(150)},
		{ID: testID("born"), Name: "Born", Type: Date},
		{ID: testID("vip"), Name: "VIP", Type: Checkbox},
		{ID: testID("tag"), Name: "Tag", Type: Choice, Choices: []string{"Customer", "Supplier", "Straße"}},
	}}
	if err := tool.Check(); err != nil {
		t.Fatalf("test tool invalid: %v", err)
	}
	return tool
}

// field returns the named field of the test tool.
func field(t testing.TB, name string) *Field {
	t.Helper()
	f, ok := testTool(t).FieldByName(name)
	if !ok {
		t.Fatalf("no field %q", name)
	}
	return f
}

// nan returns a NaN without tripping vet's constant checks.
func nan() float64 { z := 0.0; return z / z }

// appendUvarint appends the uvarint encoding of n (test helper mirroring
// the codec, kept separate so tests do not only test the code with itself).
func appendUvarint(b []byte, n uint64) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

// jsonRoundTrip encodes x as JSON and decodes it as ValueFromJSON's input
// (numbers as json.Number).
func jsonRoundTrip(t testing.TB, x any) any {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}
