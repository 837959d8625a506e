package schema

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func BenchmarkParseExpr(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExpr(`empty(End) or End >= Start and contains(Tags, "Red")`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalRule(b *testing.B) {
	tool := exprTool(b)
	p, err := tool.CompileExpr(`empty(End) or End >= Start`)
	if err != nil {
		b.Fatal(err)
	}
	rec := map[uuid.UUID]Value{testID("start"): DateDays(100), testID("end"): DateDays(101)}
	get := func(id uuid.UUID) Value { return rec[id] }
	b.ReportAllocs()
	for b.Loop() {
		if !p.Eval(get, time.Time{}) {
			b.Fatal("false")
		}
	}
}
