package schema

import "testing"

var sinkValue Value

func BenchmarkValueAppendBinary(b *testing.B) {
	values := []Value{TextValue("Ada Lovelace"), NumberValue(42), NumberValue(3.25), DateDays(19782), BoolValue(true)}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = values[i%len(values)].AppendBinary(buf[:0])
	}
}

func BenchmarkDecodeValue(b *testing.B) {
	var encoded [][]byte
	for _, v := range []Value{TextValue("Ada Lovelace"), NumberValue(42), NumberValue(3.25), DateDays(19782), BoolValue(true)} {
		encoded = append(encoded, v.AppendBinary(nil))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, err := DecodeValue(encoded[i%len(encoded)])
		if err != nil {
			b.Fatal(err)
		}
		sinkValue = v
	}
}
