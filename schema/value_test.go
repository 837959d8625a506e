package schema

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestValueAccessors(t *testing.T) {
	day := time.Date(2024, time.February, 29, 23, 59, 0, 0, time.FixedZone("X", 5*3600))
	tests := []struct {
		name   string
		v      Value
		kind   FieldType
		str    string
		json   any
		isZero bool
	}{
		{"empty", Value{}, "", "", nil, true},
		{"empty text", TextValue(""), "", "", nil, true},
		{"empty choice", ChoiceValue(""), "", "", nil, true},
		{"text", TextValue("héllo"), Text, "héllo", "héllo", false},
		{"invalid utf8 text", TextValue("a\xffb"), Text, "a\uFFFDb", "a\uFFFDb", false},
		{"choice", ChoiceValue("Customer"), Choice, "Customer", "Customer", false},
		{"integer", NumberValue(42), Number, "42", 42.0, false},
		{"negative zero", NumberValue(math.Copysign(0, -1)), Number, "0", 0.0, false},
		{"fraction", NumberValue(-0.125), Number, "-0.125", -0.125, false},
		{"large", NumberValue(1e20), Number, "100000000000000000000", 1e20, false},
		{"huge", NumberValue(1e21), Number, "1e+21", 1e21, false},
		{"tiny", NumberValue(1e-7), Number, "1e-07", 1e-7, false},
		{"small", NumberValue(0.000001), Number, "0.000001", 0.000001, false},
		{"date keeps local day", DateValue(day), Date, "2024-02-29", "2024-02-29", false},
		{"epoch", DateDays(0), Date, "1970-01-01", "1970-01-01", false},
		{"before epoch", DateDays(-1), Date, "1969-12-31", "1969-12-31", false},
		{"true", BoolValue(true), Checkbox, "true", true, false},
		{"false", BoolValue(false), Checkbox, "false", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.IsEmpty(); got != tt.isZero {
				t.Errorf("IsEmpty = %v, want %v", got, tt.isZero)
			}
			if got := tt.v.Kind(); got != tt.kind {
				t.Errorf("Kind = %q, want %q", got, tt.kind)
			}
			if got := tt.v.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
			if got := tt.v.JSON(); got != tt.json {
				t.Errorf("JSON = %#v, want %#v", got, tt.json)
			}
		})
	}
}

func TestDateRoundTrip(t *testing.T) {
	for _, s := range []string{"0001-01-01", "1969-07-20", "2000-02-29", "9999-12-31"} {
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		v := DateValue(d)
		if !v.Date().Equal(d) {
			t.Errorf("%s: Date() = %v, want %v", s, v.Date(), d)
		}
		if got := DateDays(v.Days()); !got.Equal(v) {
			t.Errorf("%s: DateDays(Days()) = %v", s, got)
		}
	}
	if got := DateValue(time.Date(9_000_000, 1, 1, 0, 0, 0, 0, time.UTC)).Days(); got != math.MaxInt32 {
		t.Errorf("far future date not clamped: %d", got)
	}
}

func TestCompare(t *testing.T) {
	sorted := []Value{
		{},
		TextValue("apple"),
		TextValue("Banana"),
		TextValue("banana"),
		TextValue("cherry"),
		ChoiceValue("Apple"),
		NumberValue(-1),
		NumberValue(0),
		NumberValue(2.5),
		DateDays(-5),
		DateDays(3),
		BoolValue(false),
		BoolValue(true),
	}
	for i, a := range sorted {
		for j, b := range sorted {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%v[%d], %v[%d]) = %d, want %d", a, i, b, j, got, want)
			}
			if got := a.Equal(b); got != (i == j) {
				t.Errorf("Equal(%v, %v) = %v", a, b, got)
			}
		}
	}
	shuffled := slices.Clone(sorted)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Value.Compare)
	if !slices.EqualFunc(shuffled, sorted, Value.Equal) {
		t.Errorf("sort order %v, want %v", shuffled, sorted)
	}
	if TextValue("x").Equal(ChoiceValue("x")) {
		t.Error("text equals choice with the same text")
	}
}
