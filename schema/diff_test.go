package schema

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// diffBase is a small design with one element of each kind.
func diffBase(t testing.TB) *Tool {
	t.Helper()
	tool := &Tool{ID: testID("dt"), Name: "Tasks", Fields: []Field{
		{ID: testID("title"), Name: "Title", Type: Text, Required: true},
		{ID: testID("status"), Name: "Status", Type: Choice, Choices: []string{"Open", "Waiting", "Done"}},
		{ID: testID("est"), Name: "Estimate", Type: Text},
		{ID: testID("due"), Name: "Due", Type: Date},
		{ID: testID("max"), Name: "Points", Type: Number, Max: ptr(10)},
	},
		Views: []View{{ID: testID("board"), Name: "Board", Type: BoardView, BoardField: testID("status")}},
		Forms: []Form{{ID: testID("form"), Name: "Task", Sections: []FormSection{{Items: []FormItem{{Field: testID("title")}}}}}},
		Rules: []Rule{{ID: testID("rule"), Name: "Title short", Expr: "len(Title) < 100"}},
	}
	if err := tool.Check(); err != nil {
		t.Fatal(err)
	}
	if err := tool.Canonicalize(); err != nil {
		t.Fatal(err)
	}
	return tool
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Tool)
		want   []string // Change.String() of every change, in order
		effect Effect
	}{
		{"same", func(*Tool) {}, nil, EffectNone},
		{"rename tool", func(t *Tool) { t.Name = "Jobs" }, []string{`renamed tool "Tasks" to "Jobs"`}, EffectNone},
		{"add field", func(t *Tool) { t.Fields = append(t.Fields, Field{ID: testID("new"), Name: "Owner", Type: Person}) },
			[]string{`added field "Owner": type person (existing records have no value yet)`}, EffectNone},
		{"add required field", func(t *Tool) {
			t.Fields = append(t.Fields, Field{ID: testID("new"), Name: "Area", Type: Text, Required: true})
		}, []string{`added field "Area": type text (required: existing records without a value are asked for one at their next edit)`}, EffectNone},
		{"remove field", func(t *Tool) { t.RemoveField(testID("due")) },
			[]string{`removed field "Due" (values are kept out of sight and come back if the field is restored)`}, EffectHide},
		{"rename field", func(t *Tool) { t.Fields[0].Name = "Summary" }, []string{`renamed field "Title" to "Summary"`}, EffectNone},
		{"retype field", func(t *Tool) { t.Fields[2].Type = Number },
			[]string{`changed field "Estimate": type: text → number (every value is converted; one that cannot be refuses the change)`}, EffectConvert},
		{"rename and retype", func(t *Tool) { t.Fields[2].Name, t.Fields[2].Type = "Hours", Number },
			[]string{`renamed field "Estimate" to "Hours"`, `changed field "Hours": type: text → number (every value is converted; one that cannot be refuses the change)`}, EffectConvert},
		{"remove choice", func(t *Tool) { t.Fields[1].Choices = []string{"Open", "Done"} },
			[]string{`changed field "Status": choices: removed "Waiting" (records using a removed choice refuse the change)`}, EffectCheck},
		{"add choice", func(t *Tool) { t.Fields[1].Choices = append(t.Fields[1].Choices, "Blocked") },
			[]string{`changed field "Status": choices: added "Blocked"`}, EffectNone},
		{"reorder choices", func(t *Tool) { t.Fields[1].Choices = []string{"Done", "Open", "Waiting"} },
			[]string{`changed field "Status": choices: new order`}, EffectNone},
		{"tighter max", func(t *Tool) { t.Fields[4].Max = ptr(5) },
			[]string{`changed field "Points": max: 10 → 5 (every value is checked against the new rule)`}, EffectCheck},
		{"looser max", func(t *Tool) { t.Fields[4].Max = ptr(50) }, []string{`changed field "Points": max: 10 → 50`}, EffectNone},
		{"no max", func(t *Tool) { t.Fields[4].Max = nil }, []string{`changed field "Points": max: 10 → none`}, EffectNone},
		{"precision", func(t *Tool) { t.Fields[4].Precision = iptr(0) },
			[]string{`changed field "Points": precision: any → 0 (values are rounded to the new precision)`}, EffectConvert},
		{"unique", func(t *Tool) { t.Fields[0].Unique = true },
			[]string{`changed field "Title": unique: no → yes (duplicate values refuse the change)`}, EffectCheck},
		{"required", func(t *Tool) { t.Fields[2].Required = true }, []string{`changed field "Estimate": required: no → yes`}, EffectNone},
		{"to computed", func(t *Tool) { t.Fields[2].Type = CreatedAt },
			[]string{`changed field "Estimate": type: text → createdat (stored values are dropped: the field is computed now)`}, EffectClear},
		{"field order", func(t *Tool) { t.Fields[0], t.Fields[1] = t.Fields[1], t.Fields[0] }, []string{`changed tool "Tasks": field order`}, EffectNone},
		{"view changed", func(t *Tool) { t.Views[0].Columns = []uuid.UUID{testID("title")} }, []string{`changed view "Board": columns`}, EffectNone},
		{"view renamed", func(t *Tool) { t.Views[0].Name = "Kanban" }, []string{`renamed view "Board" to "Kanban"`}, EffectNone},
		{"view added", func(t *Tool) { t.Views = append(t.Views, View{ID: testID("v2"), Name: "All", Type: TableView}) },
			[]string{`added view "All"`}, EffectNone},
		{"form removed", func(t *Tool) { t.Forms = nil }, []string{`removed form "Task"`}, EffectNone},
		{"form changed", func(t *Tool) { t.Forms[0].Sections[0].Items[0].ReadOnly = true },
			[]string{`changed form "Task": sections, fields, labels or read-only fields`}, EffectNone},
		{"rule added", func(t *Tool) {
			t.Rules = append(t.Rules, Rule{ID: testID("r2"), Name: "Due set", Expr: "not empty(Due)"})
		},
			[]string{`added rule "Due set" (every record is checked against the rule)`}, EffectCheck},
		{"rule expression", func(t *Tool) { t.Rules[0].Expr = "len(Title) < 50" },
			[]string{`changed rule "Title short": expression (every record is checked against the rule)`}, EffectCheck},
		{"rule message", func(t *Tool) { t.Rules[0].Message = "Keep it short." }, []string{`changed rule "Title short": message`}, EffectNone},
		{"rename field used by rule", func(t *Tool) { t.Fields[0].Name = "Heading" }, []string{`renamed field "Title" to "Heading"`}, EffectNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := diffBase(t)
			new := old.Clone()
			tt.modify(new)
			if err := new.Check(); err != nil {
				t.Fatalf("modified design: %v", err)
			}
			if err := new.Canonicalize(); err != nil {
				t.Fatal(err)
			}
			d := Diff(old, new)
			var got []string
			for _, c := range d.Changes {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if d.Effect() != tt.effect {
				t.Errorf("effect %s, want %s", d.Effect(), tt.effect)
			}
			if d.Empty() != (len(tt.want) == 0) {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
	if d := Diff(nil, diffBase(t)); !d.New || d.Empty() || len(d.Changes) != 8 {
		t.Errorf("new tool diff: %+v", d)
	}
}
