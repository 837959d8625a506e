package replica

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// rawDump renders every key and value of a workspace's buckets (nested
// buckets included) except the design rejections, and the workspace's
// header: production, byte for byte.
func rawDump(t testing.TB, s *Store, ws uuid.UUID) string {
	t.Helper()
	var lines []string
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if prefix == "" && bytes.Equal(k, wsDesignRejections) {
					return nil
				}
				return walk(prefix+string(k)+"/", b.Bucket(k))
			}
			lines = append(lines, fmt.Sprintf("%s%x=%x", prefix, k, v))
			return nil
		})
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		lines = append(lines, fmt.Sprintf("header=%x", tx.Bucket(bucketWorkspaces).Get(ws[:])))
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		return walk("", wb)
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// contactsWith returns the test contacts design changed by modify.
func contactsWith(modify func(*schema.Tool)) *schema.Tool {
	t := testContacts()
	modify(t)
	return t
}

// field returns a copy of the named field of t.
func field(t *schema.Tool, name string) *schema.Field {
	f, ok := t.FieldByName(name)
	if !ok {
		panic("no field " + name)
	}
	return f
}

func TestApplyDesignMigrations(t *testing.T) {
	tests := []struct {
		name     string
		records  []map[uuid.UUID]schema.Value
		modify   func(*schema.Tool)
		rejected []string // "field rule" of every problem, in record order; nil: accepted
		migrated int
		check    func(t *testing.T, s *Store, ws uuid.UUID, ids []uuid.UUID)
	}{
		{
			name:    "add field",
			records: contacts(3),
			modify: func(t *schema.Tool) {
				t.Fields = append(t.Fields, schema.Field{ID: fid("contacts", "birthday"), Name: "Birthday", Type: schema.Date})
			},
		},
		{
			name:    "rename field",
			records: contacts(3),
			modify:  func(t *schema.Tool) { field(t, "City").Name = "Town" },
			check: func(t *testing.T, s *Store, ws uuid.UUID, ids []uuid.UUID) {
				r, _ := s.Record(ws, ids[1])
				tool, _ := s.FindTool(ws, "contacts")
				if r.Value(field(tool, "Town").ID).Text() != "Oslo" {
					t.Errorf("renamed field lost its value: %+v", r)
				}
			},
		},
		{
			name:    "retype text to number",
			records: []map[uuid.UUID]schema.Value{{fName: schema.TextValue("A"), fPhone: schema.TextValue("5550100")}, {fName: schema.TextValue("B")}},
			modify: func(t *schema.Tool) {
				field(t, "Phone").Type = schema.Number
			},
			migrated: 1,
			check: func(t *testing.T, s *Store, ws uuid.UUID, ids []uuid.UUID) {
				r, _ := s.Record(ws, ids[0])
				if v := r.Value(fPhone); !v.Equal(schema.NumberValue(5550100)) {
					t.Errorf("converted value %#v", v)
				}
				// The record validates against the new design: it can be edited.
				if _, err := s.PutRecord(ws, testContacts().ID, ids[0], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Rome")}); err != nil {
					t.Errorf("edit after retype: %v", err)
				}
			},
		},
		{
			name:     "retype text to number fails",
			records:  []map[uuid.UUID]schema.Value{{fName: schema.TextValue("A"), fPhone: schema.TextValue("5550100")}, {fName: schema.TextValue("B"), fPhone: schema.TextValue("+1 555 0100")}},
			modify:   func(t *schema.Tool) { field(t, "Phone").Type = schema.Number },
			rejected: []string{"Phone convert"},
		},
		{
			name:    "choice removal fails",
			records: contacts(3),
			modify: func(t *schema.Tool) {
				field(t, "Tag").Choices = []string{"Supplier", "Friend"}
			},
			rejected: []string{"Tag choice", "Tag choice", "Tag choice"},
		},
		{
			name:    "choice removal unused",
			records: contacts(2),
			modify:  func(t *schema.Tool) { field(t, "Tag").Choices = []string{"Customer"} },
		},
		{
			name:    "text to choice",
			records: contacts(8),
			modify: func(t *schema.Tool) {
				f := field(t, "City")
				f.Type, f.Choices = schema.Choice, []string{"Lisbon", "Oslo", "Quito", "Perth"}
			},
			migrated: 8,
		},
		{
			name:     "tighter max length fails on one record",
			records:  []map[uuid.UUID]schema.Value{{fName: schema.TextValue("Al")}, {fName: schema.TextValue("Alexandra")}},
			modify:   func(t *schema.Tool) { field(t, "Name").MaxLength = 5 },
			rejected: []string{"Name maxlength"},
		},
		{
			name:     "unique with duplicates fails",
			records:  []map[uuid.UUID]schema.Value{{fName: schema.TextValue("Ann")}, {fName: schema.TextValue("Bob")}, {fName: schema.TextValue("ann")}},
			modify:   func(t *schema.Tool) { field(t, "Name").Unique = true },
			rejected: []string{"Name unique"},
		},
		{
			name:    "tool rule",
			records: []map[uuid.UUID]schema.Value{{fName: schema.TextValue("Ann"), fEmail: schema.TextValue("ann@x.org")}, {fName: schema.TextValue("Bob")}},
			modify: func(t *schema.Tool) {
				t.Rules = []schema.Rule{{ID: fid("contacts", "rule"), Name: "Reachable", Expr: "not empty(Email) or not empty(Phone)"}}
			},
			rejected: []string{"Reachable rule"},
		},
		{
			name:    "newly required is a warning",
			records: []map[uuid.UUID]schema.Value{{fName: schema.TextValue("Ann"), fEmail: schema.TextValue("ann@x.org")}, {fName: schema.TextValue("Bob")}},
			modify:  func(t *schema.Tool) { field(t, "Email").Required = true },
		},
		{
			name:     "to computed drops values",
			records:  contacts(2),
			modify:   func(t *schema.Tool) { field(t, "Title").Type = schema.CreatedAt },
			migrated: 2,
			check: func(t *testing.T, s *Store, ws uuid.UUID, ids []uuid.UUID) {
				r, _ := s.Record(ws, ids[0])
				if !r.Value(fid("contacts", "title")).IsEmpty() {
					t.Errorf("computed field kept a stored value")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestStore(t, "a")
			ws := newWorkspace(t, s)
			ids, err := s.PutRecords(ws.ID, testContacts().ID, tt.records)
			if err != nil {
				t.Fatal(err)
			}
			before := rawDump(t, s, ws.ID)
			rep, err := s.ApplyDesign(ws.ID, contactsWith(tt.modify))
			if tt.rejected != nil {
				if !errors.Is(err, ErrDesignRejected) || !rep.Rejected {
					t.Fatalf("ApplyDesign = %+v, %v; want a rejection", rep, err)
				}
				var got []string
				for _, p := range rep.Problems {
					got = append(got, p.FieldName+" "+p.Rule)
					if p.Record == uuid.Nil {
						t.Errorf("problem without record: %v", p)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.rejected, ",") || rep.ProblemCount != len(tt.rejected) {
					t.Fatalf("problems %v, want %v", got, tt.rejected)
				}
				if after := rawDump(t, s, ws.ID); after != before {
					t.Fatal("a refused design change changed production")
				}
				rejs, _ := s.DesignRejections(ws.ID)
				if len(rejs) != 1 || rejs[0].Tool != testContacts().ID || rejs[0].ProblemCount != len(tt.rejected) || rejs[0].Source != "local" {
					t.Fatalf("recorded rejections: %+v", rejs)
				}
				// The replica waits for the next design; a good one clears the rejection.
				if _, err := s.ApplyDesign(ws.ID, testContacts()); err != nil {
					t.Fatal(err)
				}
				if rejs, _ := s.DesignRejections(ws.ID); len(rejs) != 0 {
					t.Fatalf("rejection kept after a good design: %+v", rejs)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyDesign: %v (%+v)", err, rep.Problems)
			}
			if rep.Migrated != tt.migrated {
				t.Errorf("migrated %d, want %d", rep.Migrated, tt.migrated)
			}
			got, _ := s.FindTool(ws.ID, testContacts().ID.String())
			if d := schema.Diff(contactsWith(tt.modify), got); !d.Empty() {
				t.Errorf("stored design differs from the applied one: %s", d)
			}
			if tt.check != nil {
				tt.check(t, s, ws.ID, ids)
			}
			// Applying the same design again changes nothing.
			before = rawDump(t, s, ws.ID)
			if rep, err := s.ApplyDesign(ws.ID, contactsWith(tt.modify)); err != nil || !rep.Diff.Empty() || rep.Migrated != 0 {
				t.Fatalf("second apply: %+v, %v", rep, err)
			}
			if rawDump(t, s, ws.ID) != before {
				t.Error("applying the same design twice wrote something")
			}
		})
	}
}

func TestApplyDesignReport(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	recs := contacts(5)
	recs[3][fEmail] = schema.Value{}
	if _, err := s.PutRecords(ws.ID, testContacts().ID, recs); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) {
		field(t, "Email").Required = true
		field(t, "City").Name = "Town"
		t.Fields = append(t.Fields, schema.Field{ID: fid("contacts", "vip"), Name: "VIP", Type: schema.Checkbox})
	}))
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, c := range rep.Diff.Changes {
		changes = append(changes, string(c.Kind)+" "+c.Name)
	}
	sort.Strings(changes)
	if strings.Join(changes, ",") != "added VIP,changed Email,renamed Town" || rep.Checked != 5 || rep.Migrated != 0 || rep.MissingRequired != 1 {
		t.Fatalf("report %+v (%v)", rep, changes)
	}
	// A record lacking the newly required value is kept, and asked for it
	// at its next edit.
	ids := recordIDs(t, s, ws.ID)
	if _, err := s.PutRecord(ws.ID, testContacts().ID, ids[3], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Rome")}); !errors.Is(err, schema.ErrInvalidValue) {
		t.Fatalf("edit of a record missing a required value: %v", err)
	}
}

func TestRemovedFieldKeepsValues(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	id, err := s.PutRecord(ws.ID, testContacts().ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Ann"), fPhone: schema.TextValue("12")})
	if err != nil {
		t.Fatal(err)
	}
	without := contactsWith(func(t *schema.Tool) { t.RemoveField(fPhone) })
	rep, err := s.ApplyDesign(ws.ID, without)
	if err != nil || rep.Diff.Effect() != schema.EffectHide {
		t.Fatalf("remove: %+v, %v", rep, err)
	}
	// The record stays editable although it holds a value of a removed field.
	if _, err := s.PutRecord(ws.ID, testContacts().ID, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Rome")}); err != nil {
		t.Fatalf("edit after removing a field: %v", err)
	}
	// Restored as a number: the hidden value comes back converted.
	restored := contactsWith(func(t *schema.Tool) { field(t, "Phone").Type = schema.Number })
	rep, err = s.ApplyDesign(ws.ID, restored)
	if err != nil || rep.Migrated != 1 {
		t.Fatalf("restore: %+v, %v", rep, err)
	}
	if r, _ := s.Record(ws.ID, id); !r.Value(fPhone).Equal(schema.NumberValue(12)) {
		t.Fatalf("restored value %v", r.Value(fPhone))
	}
}

func TestDesignChecksAcrossTools(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	orders := &schema.Tool{ID: fid("orders", ""), Name: "Orders", Fields: []schema.Field{
		{ID: fid("orders", "ref"), Name: "Ref", Type: schema.Text},
		{ID: fid("orders", "customer"), Name: "Customer", Type: schema.Lookup, LookupTool: testContacts().ID, LookupDisplay: fName},
	}}
	if _, err := s.ApplyDesign(ws.ID, orders); err != nil {
		t.Fatal(err)
	}
	// Removing the field another tool's lookup shows breaks that lookup.
	before := rawDump(t, s, ws.ID)
	rep, err := s.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) { t.RemoveField(fName) }))
	if !errors.Is(err, ErrDesignRejected) || rep.Problems[0].Rule != RuleDesign || !strings.Contains(rep.Problems[0].Msg, "has no field") {
		t.Fatalf("broken lookup: %+v, %v", rep, err)
	}
	if rawDump(t, s, ws.ID) != before {
		t.Fatal("refused change wrote")
	}
	// A lookup to a tool the workspace lacks, and a tool name taken.
	bad := orders.Clone()
	bad.Fields[1].LookupTool = uuid.New()
	if _, err := s.ApplyDesign(ws.ID, bad); !errors.Is(err, ErrDesignRejected) {
		t.Fatalf("missing lookup target: %v", err)
	}
	dup := &schema.Tool{ID: uuid.New(), Name: "contacts"}
	if _, err := s.ApplyDesign(ws.ID, dup); !errors.Is(err, ErrDesignRejected) {
		t.Fatalf("duplicate tool name: %v", err)
	}
	// Two tools that look each other up, applied together.
	a := &schema.Tool{ID: uuid.New(), Name: "A", Fields: []schema.Field{{ID: uuid.New(), Name: "N", Type: schema.Text}}}
	b := &schema.Tool{ID: uuid.New(), Name: "B", Fields: []schema.Field{{ID: uuid.New(), Name: "A", Type: schema.Lookup, LookupTool: a.ID}}}
	a.Fields = append(a.Fields, schema.Field{ID: uuid.New(), Name: "B", Type: schema.Lookup, LookupTool: b.ID})
	if _, err := s.ApplyDesign(ws.ID, a); !errors.Is(err, ErrDesignRejected) {
		t.Fatalf("lookup to a tool not there yet: %v", err)
	}
	if reps, err := s.ApplyDesigns(ws.ID, []*schema.Tool{a, b}); err != nil || len(reps) != 2 || !reps[0].Diff.New {
		t.Fatalf("mutual lookups together: %+v, %v", reps, err)
	}
}

func TestApplyDesignRefusesBadInput(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	before := rawDump(t, s, ws.ID)
	many := testContacts()
	for i := range 100_000 {
		many.Fields = append(many.Fields, schema.Field{ID: uuid.New(), Name: fmt.Sprintf("F%d", i), Type: schema.Text})
	}
	cyclic := testContacts()
	cyclic.Fields = append(cyclic.Fields, schema.Field{ID: fid("contacts", "self"), Name: "Self", Type: schema.Lookup,
		LookupTool: cyclic.ID, LookupDisplay: fid("contacts", "self")})
	for name, c := range map[string]struct {
		tool *schema.Tool
		want error
	}{
		"100,000 fields": {many, schema.ErrInvalidDesign},
		"100 MB name":    {contactsWith(func(t *schema.Tool) { t.Name = strings.Repeat("x", 100<<20) }), schema.ErrInvalidDesign},
		"cyclic lookup":  {cyclic, ErrDesignRejected},
	} {
		_, err := s.ApplyDesign(ws.ID, c.tool)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v", name, err)
		}
		if c.want == ErrDesignRejected && !strings.Contains(err.Error(), "cycle") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if rawDump(t, s, ws.ID) != before {
		t.Fatal("refused designs wrote to production")
	}
}

// TestCommitRechecksWhenProductionMoved plans a change on a snapshot, lets
// a record edit commit in between, and checks that the commit re-runs the
// migration and refuses instead of writing a design the new record breaks.
func TestCommitRechecksWhenProductionMoved(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	if _, err := s.PutRecords(ws.ID, testContacts().ID, contacts(3)); err != nil {
		t.Fatal(err)
	}
	next, err := canonicalTools([]*schema.Tool{contactsWith(func(t *schema.Tool) { field(t, "Phone").Type = schema.Text; field(t, "City").MaxLength = 6 })})
	if err != nil {
		t.Fatal(err)
	}
	var p *designPlan
	if err := s.db.View(func(tx *bolt.Tx) error { p, err = s.planDesign(tx, ws.ID, next, sourceLocal); return err }); err != nil {
		t.Fatal(err)
	}
	if p.rejected() {
		t.Fatalf("plan rejected: %+v", p.reports)
	}
	if _, err := s.PutRecord(ws.ID, testContacts().ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Z"), fCity: schema.TextValue("Reykjavik")}); err != nil {
		t.Fatal(err)
	}
	before := rawDump(t, s, ws.ID)
	err = s.db.Update(func(tx *bolt.Tx) error { return s.commitDesign(tx, ws.ID, next, &p, sourceLocal) })
	if !errors.Is(err, errReplanRejected) || !p.rejected() || p.reports[0].Problems[0].FieldName != "City" {
		t.Fatalf("commit after a concurrent edit: %v, %+v", err, p.reports)
	}
	if rawDump(t, s, ws.ID) != before {
		t.Fatal("a stale plan was committed")
	}
}

func TestRecordRulesOnWrite(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	tool := contactsWith(func(t *schema.Tool) {
		field(t, "Email").Unique = true
		field(t, "Tag").Default = schema.ChoiceValue("Friend")
		t.Fields = append(t.Fields, schema.Field{ID: fid("contacts", "created"), Name: "Created", Type: schema.CreatedAt},
			schema.Field{ID: fid("contacts", "no"), Name: "No", Type: schema.AutoNumber})
		t.Rules = []schema.Rule{{ID: fid("contacts", "r"), Name: "Score cap", Expr: "empty(Score) or Score <= 100", Message: "Too high."}}
	})
	if _, err := s.ApplyDesign(ws.ID, tool); err != nil {
		t.Fatal(err)
	}
	a, err := s.PutRecord(ws.ID, tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Ann"), fEmail: schema.TextValue("ann@x.org")})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Record(ws.ID, a); r.Value(fid("contacts", "tag")).Text() != "Friend" {
		t.Errorf("default not applied: %+v", r.Fields)
	}
	cases := map[string]map[uuid.UUID]schema.Value{
		schema.RuleUnique:   {fName: schema.TextValue("Bob"), fEmail: schema.TextValue("ANN@x.org")},
		schema.RuleComputed: {fName: schema.TextValue("Bob"), fid("contacts", "no"): schema.NumberValue(9)},
		schema.RuleTool:     {fName: schema.TextValue("Bob"), fScore: schema.NumberValue(150)},
	}
	for rule, vals := range cases {
		_, err := s.PutRecord(ws.ID, tool.ID, uuid.Nil, vals)
		var re *schema.RuleError
		if !errors.As(err, &re) || re.Rule != rule {
			t.Errorf("%s: %v", rule, err)
		}
	}
	// Editing the record that holds the value is not a clash with itself;
	// a second import in one transaction cannot repeat a value either.
	if _, err := s.PutRecord(ws.ID, tool.ID, a, map[uuid.UUID]schema.Value{fEmail: schema.TextValue("ann@x.org"), fCity: schema.TextValue("Oslo")}); err != nil {
		t.Fatal(err)
	}
	_, err = s.PutRecords(ws.ID, tool.ID, []map[uuid.UUID]schema.Value{
		{fName: schema.TextValue("C"), fEmail: schema.TextValue("c@x.org")}, {fName: schema.TextValue("D"), fEmail: schema.TextValue("c@x.org")}})
	if !errors.Is(err, schema.ErrInvalidValue) || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("duplicate within one import: %v", err)
	}
	// Auto-numbers follow creation order and survive deletes.
	b, _ := s.PutRecord(ws.ID, tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("B")})
	c, _ := s.PutRecord(ws.ID, tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("C")})
	if err := s.DeleteRecord(ws.ID, b); err != nil {
		t.Fatal(err)
	}
	nums, err := s.RecordNumbers(ws.ID, tool.ID)
	if err != nil || nums[a] != 1 || nums[b] != 2 || nums[c] != 3 {
		t.Fatalf("record numbers %v, %v", nums, err)
	}
	r, _ := s.Record(ws.ID, c)
	vals := tool.WithComputed(nil, r.Meta(nums[c], nil))
	if vals[fid("contacts", "no")].Number() != 3 || vals[fid("contacts", "created")].IsEmpty() {
		t.Fatalf("computed values %v", vals)
	}
}
