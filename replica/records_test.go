package replica

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

func TestRecordLifecycle(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	tool := testContacts().ID
	dev, _ := s.Device()

	id, err := s.PutRecord(ws.ID, tool, uuid.Nil, contact(1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Record(ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tool != tool || r.Deleted || r.CreatedBy != dev.ID || r.Value(fName).Text() != "Person 000001" || len(r.Fields) != 8 {
		t.Fatalf("created record: %+v", r)
	}
	if r.Fields[0].Winner.Author != dev.ID || r.Fields[0].Winner.Replica != ws.Replica {
		t.Fatalf("version author: %+v", r.Fields[0].Winner)
	}

	// Partial update: one field changes, the rest stay; clearing removes.
	if _, err := s.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Porto"), fPhone: {}}); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Record(ws.ID, id)
	if r.Value(fCity).Text() != "Porto" || !r.Value(fPhone).IsEmpty() || r.Value(fName).Text() != "Person 000001" || len(r.Fields) != 7 {
		t.Fatalf("after update: %+v", r)
	}
	if r.Modified <= r.Created {
		t.Fatalf("modified %v not after created %v", r.Modified, r.Created)
	}

	// Delete keeps the values and hides the record from lists; restore
	// brings it back as it was.
	if err := s.DeleteRecord(ws.ID, id); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Record(ws.ID, id)
	if !r.Deleted || r.Value(fCity).Text() != "Porto" {
		t.Fatalf("deleted record: %+v", r)
	}
	if n := countRecords(t, s, ws.ID, tool); n != 0 {
		t.Fatalf("list after delete: %d records", n)
	}
	if _, err := s.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("x")}); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("edit of deleted record: %v", err)
	}
	if err := s.RestoreRecord(ws.ID, id); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(t, s, ws.ID, tool); n != 1 {
		t.Fatalf("list after restore: %d records", n)
	}
	if _, err := s.Record(ws.ID, uuid.New()); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("missing record: %v", err)
	}
}

func countRecords(t *testing.T, s *Store, ws, tool uuid.UUID) int {
	t.Helper()
	n := 0
	if err := s.Records(ws, tool, func(*Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInvalidRecordWritesNothing checks that a refused record leaves the
// store exactly as it was: no record, no tick, no knowledge change.
func TestInvalidRecordWritesNothing(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	tool := testContacts().ID
	id, err := s.PutRecord(ws.ID, tool, uuid.Nil, contact(1))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Knowledge(ws.ID, ScopeData)
	bad := func(f uuid.UUID, v schema.Value) map[uuid.UUID]schema.Value {
		c := contact(2)
		c[f] = v
		return c
	}
	cases := []struct {
		name   string
		id     uuid.UUID
		values map[uuid.UUID]schema.Value
		field  string
		rule   string
	}{
		{"required missing on create", uuid.Nil, bad(fName, schema.Value{}), "Name", "required"},
		{"required cleared on update", id, map[uuid.UUID]schema.Value{fName: {}}, "Name", "required"},
		{"pattern", uuid.Nil, bad(fEmail, schema.TextValue("not-an-address")), "Email", "pattern"},
		{"max", id, map[uuid.UUID]schema.Value{fScore: schema.NumberValue(201)}, "Score", "max"},
		{"choice", uuid.Nil, bad(fid("contacts", "tag"), schema.ChoiceValue("Enemy")), "Tag", "choice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.PutRecord(ws.ID, tool, c.id, c.values)
			var re *schema.RuleError
			if !errors.As(err, &re) || re.Field != c.field || re.Rule != c.rule {
				t.Fatalf("got %v, want rule %s on %s", err, c.rule, c.field)
			}
		})
	}
	if _, err := s.PutRecords(ws.ID, tool, []map[uuid.UUID]schema.Value{contact(3), bad(fName, schema.Value{})}); err == nil {
		t.Fatal("batch with an invalid record accepted")
	}
	if _, err := s.PutRecord(ws.ID, tool, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("x"), uuid.New(): schema.TextValue("y")}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("unknown field: %v", err)
	}
	after, _ := s.Knowledge(ws.ID, ScopeData)
	if !before.Set.Equal(after.Set) {
		t.Fatalf("knowledge changed: %v -> %v", before.Set, after.Set)
	}
	if n := countRecords(t, s, ws.ID, tool); n != 1 {
		t.Fatalf("%d records after refusals, want 1", n)
	}
	r, _ := s.Record(ws.ID, id)
	if r.Value(fName).Text() != "Person 000001" {
		t.Fatalf("record changed: %+v", r)
	}
}

func TestUnchangedWriteUsesNoTick(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	tool := testContacts().ID
	id, _ := s.PutRecord(ws.ID, tool, uuid.Nil, contact(1))
	k1, _ := s.Knowledge(ws.ID, ScopeData)
	if _, err := s.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: contact(1)[fCity]}); err != nil {
		t.Fatal(err)
	}
	k2, _ := s.Knowledge(ws.ID, ScopeData)
	if !k1.Set.Equal(k2.Set) {
		t.Fatalf("no-op write changed knowledge %v -> %v", k1.Set, k2.Set)
	}
}

func TestBulkPutAndList(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	tool := testContacts().ID
	var batch []map[uuid.UUID]schema.Value
	for i := 0; i < 500; i++ {
		batch = append(batch, contact(i))
	}
	ids, err := s.PutRecords(ws.ID, tool, batch)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	err = s.Records(ws.ID, tool, func(r *Record) error {
		if r.ID != ids[i] || r.Value(fName).Text() != contact(i)[fName].Text() {
			t.Fatalf("record %d: %v %q", i, r.ID, r.Value(fName).Text())
		}
		i++
		return nil
	})
	if err != nil || i != 500 {
		t.Fatalf("listed %d: %v", i, err)
	}
	k, _ := s.Knowledge(ws.ID, ScopeData)
	if k.Set.Set(0).Len() != 500 || k.Set.Prefix(0) != 500 {
		t.Fatalf("knowledge after 500 creates: %v", k.Set)
	}
}
