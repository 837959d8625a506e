package schema

import (
	"testing"

	"github.com/google/uuid"
)

func TestMigration(t *testing.T) {
	old := diffBase(t)
	recs := []map[uuid.UUID]Value{
		{testID("title"): TextValue("A"), testID("est"): TextValue("3"), testID("status"): ChoiceValue("Open")},
		{testID("title"): TextValue("B"), testID("est"): TextValue("soon"), testID("status"): ChoiceValue("Waiting")},
		{testID("title"): TextValue("a"), testID("est"): TextValue("2.5")},
	}
	ids := []uuid.UUID{testID("r1"), testID("r2"), testID("r3")}
	type outcome struct {
		changes  map[uuid.UUID]Value
		problems []string // rule of each problem
		missing  int
	}
	run := func(new *Tool) []outcome {
		t.Helper()
		if err := new.Check(); err != nil {
			t.Fatal(err)
		}
		m, err := PlanMigration(old, new)
		if err != nil {
			t.Fatal(err)
		}
		var out []outcome
		for i, r := range recs {
			res := m.Record(ids[i], r)
			o := outcome{changes: res.Changes, missing: len(res.MissingRequired)}
			for _, p := range res.Problems {
				o.problems = append(o.problems, p.Rule)
			}
			out = append(out, o)
		}
		return out
	}

	// Names, views and forms only: no record is needed.
	renamed := old.Clone()
	renamed.Fields[0].Name = "Summary"
	renamed.Views = nil
	if m, _ := PlanMigration(old, renamed); m.NeedsRecords() {
		t.Error("a rename needs records")
	}

	// Text to number: "3" and "2.5" convert, "soon" refuses.
	retyped := old.Clone()
	retyped.Fields[2].Type = Number
	got := run(retyped)
	if !got[0].changes[testID("est")].Equal(NumberValue(3)) || len(got[0].problems) != 0 {
		t.Errorf("record 1: %+v", got[0])
	}
	if len(got[1].problems) != 1 || got[1].problems[0] != RuleConvert || got[1].changes != nil {
		t.Errorf("record 2: %+v", got[1])
	}
	if !got[2].changes[testID("est")].Equal(NumberValue(2.5)) {
		t.Errorf("record 3: %+v", got[2])
	}

	// Choice removal: the record using it refuses.
	fewer := old.Clone()
	fewer.Fields[1].Choices = []string{"Open", "Done"}
	got = run(fewer)
	if len(got[0].problems) != 0 || len(got[1].problems) != 1 || got[1].problems[0] != RuleChoice || len(got[2].problems) != 0 {
		t.Errorf("choice removal: %+v", got)
	}

	// Unique: "A" and "a" clash case-insensitively; the later record is reported.
	unique := old.Clone()
	unique.Fields[0].Unique = true
	got = run(unique)
	if len(got[0].problems) != 0 || len(got[1].problems) != 0 || len(got[2].problems) != 1 || got[2].problems[0] != RuleUnique {
		t.Errorf("unique: %+v", got)
	}

	// A new rule checks every record; required is a warning only.
	ruled := old.Clone()
	ruled.Fields[1].Required = true
	ruled.Rules = append(ruled.Rules, Rule{ID: testID("r9"), Name: "Has status", Expr: "not empty(Status) or Title = \"a\""})
	got = run(ruled)
	if len(got[0].problems) != 0 || len(got[1].problems) != 0 || len(got[2].problems) != 0 || got[2].missing != 1 || got[0].missing != 0 {
		t.Errorf("rule and required: %+v", got)
	}
	ruled.Rules[1].Expr = "not empty(Status)"
	got = run(ruled)
	if len(got[2].problems) != 1 || got[2].problems[0] != RuleTool {
		t.Errorf("rule violation: %+v", got)
	}

	// A field that becomes computed drops its values.
	computed := old.Clone()
	computed.Fields[2].Type = ModifiedAt
	got = run(computed)
	if v, ok := got[0].changes[testID("est")]; !ok || !v.IsEmpty() {
		t.Errorf("to computed: %+v", got[0])
	}

	// A restored field converts its hidden values.
	removed := old.Clone()
	removed.RemoveField(testID("est"))
	restored := removed.Clone()
	restored.Fields = append(restored.Fields, Field{ID: testID("est"), Name: "Estimate", Type: Number})
	m, err := PlanMigration(removed, restored)
	if err != nil {
		t.Fatal(err)
	}
	m.Restore(testID("est"))
	if res := m.Record(ids[1], recs[1]); len(res.Problems) != 1 || res.Problems[0].Rule != RuleConvert {
		t.Errorf("restored field: %+v", res)
	}
}

func TestRemoveField(t *testing.T) {
	tool := diffBase(t)
	tool.Views = append(tool.Views, View{ID: testID("tv"), Name: "Table", Type: TableView,
		Columns: []uuid.UUID{testID("title"), testID("status")}, Sort: []SortKey{{Field: testID("status")}}, Group: testID("status")})
	removed := tool.RemoveField(testID("status"))
	if len(removed) != 1 || removed[0] != `view "Board"` {
		t.Errorf("removed %v", removed)
	}
	if err := tool.Check(); err != nil {
		t.Fatalf("after RemoveField: %v", err)
	}
	v := tool.Views[0]
	if len(v.Columns) != 1 || len(v.Sort) != 0 || v.Group != uuid.Nil {
		t.Errorf("table view kept references: %+v", v)
	}
	if removed := tool.RemoveField(testID("title")); len(removed) != 1 || removed[0] != `rule "Title short"` {
		t.Errorf("removed %v", removed)
	}
	if err := tool.Check(); err != nil {
		t.Fatalf("after RemoveField: %v", err)
	}
}
