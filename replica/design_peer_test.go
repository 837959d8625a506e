package replica

import (
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

var fCount = fid("contacts", "count")

// withCount returns the test contacts with a Count field of type typ.
func withCount(typ schema.FieldType) *schema.Tool {
	return contactsWith(func(t *schema.Tool) {
		t.Fields = append(t.Fields, schema.Field{ID: fCount, Name: "Count", Type: typ})
	})
}

// session runs one complete one-way session of scope sc and sums what the
// destination's Apply reported.
func session(t testing.TB, src, dst *Store, ws uuid.UUID, sc Scope) ApplyResult {
	t.Helper()
	dk, err := dst.Knowledge(ws, sc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := src.NewEnumerator(ws, sc, dk)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := src.Device()
	var sum ApplyResult
	for {
		b, err := e.Next(7, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		res, err := dst.Apply(ws, sc, from.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		sum.Applied += res.Applied
		sum.Conflicts += res.Conflicts
		sum.DesignsRefused += res.DesignsRefused
	}
	if err := dst.AddKnowledge(ws, sc, e.Knowledge()); err != nil {
		t.Fatal(err)
	}
	return sum
}

// converged fails unless a and b hold the same items, versions and
// knowledge in both scopes, and no conflict.
func converged(t *testing.T, a, b *Store, ws uuid.UUID) {
	t.Helper()
	for _, sc := range Scopes {
		if da, db := dump(t, a, ws, sc), dump(t, b, ws, sc); da != db {
			t.Fatalf("scope %s differs:\n%s\n---\n%s", sc, da, db)
		}
		if ka, kb := knowledgeText(t, a, ws, sc), knowledgeText(t, b, ws, sc); ka != kb {
			t.Fatalf("scope %s knowledge %s vs %s", sc, ka, kb)
		}
	}
	for _, s := range []*Store{a, b} {
		if cs, _ := s.Conflicts(ws); len(cs) != 0 {
			t.Fatalf("conflicts %+v", cs)
		}
	}
}

// countOf returns the Count field of the workspace's only tool.
func countOf(t *testing.T, s *Store, ws uuid.UUID) schema.Field {
	t.Helper()
	tools, err := s.Tools(ws)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := tools[0].FieldByID(fCount)
	if !ok {
		t.Fatal("no Count field")
	}
	return *f
}

// heldVersions counts the held versions of refused peer designs.
func heldVersions(t *testing.T, s *Store, ws uuid.UUID) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := heldBucket(tx, ws, false)
		if b != nil {
			n = b.Stats().KeyN
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPeerDesignMigratesWithoutConflicts(t *testing.T) {
	a := openTestStore(t, "manager")
	ws := newWorkspace(t, a)
	if _, err := a.PutRecords(ws.ID, testContacts().ID, contacts(20)); err != nil {
		t.Fatal(err)
	}
	b := joined(t, a, ws, "b")
	// b also has a record the manager has not seen when it changes the design.
	mine, err := b.PutRecord(ws.ID, testContacts().ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Bo"), fCity: schema.TextValue("Oslo")})
	if err != nil {
		t.Fatal(err)
	}
	retyped := contactsWith(func(t *schema.Tool) {
		f := field(t, "City")
		f.Type, f.Choices = schema.Choice, []string{"Lisbon", "Oslo", "Quito", "Perth"}
	})
	if rep, err := a.ApplyDesign(ws.ID, retyped); err != nil || rep.Migrated != 20 {
		t.Fatalf("%+v, %v", rep, err)
	}
	before := dump(t, b, ws.ID, ScopeData)
	if res := session(t, a, b, ws.ID, ScopeDesign); res.DesignsRefused != 0 || res.Applied == 0 {
		t.Fatalf("design session: %+v", res)
	}
	// The design committed; b wrote no record versions of its own.
	tools, _ := b.Tools(ws.ID)
	if city, _ := tools[0].FieldByID(fCity); city.Type != schema.Choice {
		t.Fatalf("b's City is %s", city.Type)
	}
	if dump(t, b, ws.ID, ScopeData) != before {
		t.Fatal("receiving the design rewrote b's records")
	}
	// The manager's migrated versions arrive and supersede: no conflict.
	if res := session(t, a, b, ws.ID, ScopeData); res.Conflicts != 0 || res.Applied == 0 {
		t.Fatalf("data session: %+v", res)
	}
	syncBoth(t, a, b, ws.ID)
	converged(t, a, b, ws.ID)
	for _, r := range allRecords(t, a, ws.ID) {
		if r.ID != mine && r.Value(fCity).Kind() != schema.Choice {
			t.Fatalf("record %s holds %#v", r.ID, r.Value(fCity))
		}
	}
	if rejs, _ := b.DesignRejections(ws.ID); len(rejs) != 0 {
		t.Fatalf("rejections %+v", rejs)
	}
}

func TestPeerDesignRefusedUntilItFits(t *testing.T) {
	for _, fix := range []string{"record fixed here", "manager fixes the design"} {
		t.Run(fix, func(t *testing.T) {
			a := openTestStore(t, "manager")
			ws := newWorkspace(t, a)
			if _, err := a.ApplyDesign(ws.ID, withCount(schema.Text)); err != nil {
				t.Fatal(err)
			}
			var recs []map[uuid.UUID]schema.Value
			for _, n := range []string{"1", "2", "3"} {
				recs = append(recs, map[uuid.UUID]schema.Value{fName: schema.TextValue("P" + n), fCount: schema.TextValue(n)})
			}
			if _, err := a.PutRecords(ws.ID, testContacts().ID, recs); err != nil {
				t.Fatal(err)
			}
			b := joined(t, a, ws, "b")
			// Offline, b writes a count the manager never sees, and the
			// manager retypes Count to a number, which fits its records.
			bad, err := b.PutRecord(ws.ID, testContacts().ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Bo"), fCount: schema.TextValue("many")})
			if err != nil {
				t.Fatal(err)
			}
			if rep, err := a.ApplyDesign(ws.ID, withCount(schema.Number)); err != nil || rep.Migrated != 3 {
				t.Fatalf("%+v, %v", rep, err)
			}

			// The design is refused for b: production byte for byte as it was.
			before := rawDump(t, b, ws.ID)
			if res := session(t, a, b, ws.ID, ScopeDesign); res.DesignsRefused != 1 || res.Applied != 0 {
				t.Fatalf("design session: %+v", res)
			}
			if after := rawDump(t, b, ws.ID); after != before {
				t.Fatalf("production changed:\n%s\n---\n%s", after, before)
			}
			rejs, err := b.DesignRejections(ws.ID)
			if err != nil || len(rejs) != 1 {
				t.Fatalf("rejections %+v, %v", rejs, err)
			}
			if r := rejs[0]; r.Source != sourcePeer || r.ProblemCount != 1 || r.Problems[0].Record != bad ||
				r.Problems[0].Field != fCount || r.Problems[0].Rule != schema.RuleConvert {
				t.Fatalf("rejection %+v", r)
			}
			if countOf(t, b, ws.ID).Type != schema.Text {
				t.Fatal("b shows the refused design")
			}
			// The knowledge does not claim it: the next session offers it again.
			if heldVersions(t, b, ws.ID) == 0 {
				t.Fatal("no held versions")
			}
			if res := session(t, a, b, ws.ID, ScopeDesign); res.DesignsRefused != 1 {
				t.Fatalf("second design session: %+v", res)
			}
			// The data scope goes on: the manager's migrated records arrive.
			if res := session(t, a, b, ws.ID, ScopeData); res.Applied != 3 || res.Conflicts != 0 {
				t.Fatalf("data session: %+v", res)
			}
			session(t, b, a, ws.ID, ScopeData)

			switch fix {
			case "record fixed here":
				if _, err := b.PutRecord(ws.ID, testContacts().ID, bad, map[uuid.UUID]schema.Value{fCount: schema.TextValue("4")}); err != nil {
					t.Fatal(err)
				}
			case "manager fixes the design":
				// Count goes back to text, which fits every record.
				if _, err := a.ApplyDesign(ws.ID, withCount(schema.Text)); err != nil {
					t.Fatal(err)
				}
			}
			if res := session(t, a, b, ws.ID, ScopeDesign); res.DesignsRefused != 0 {
				t.Fatalf("design session after the fix: %+v", res)
			}
			if rejs, _ := b.DesignRejections(ws.ID); len(rejs) != 0 {
				t.Fatalf("rejection not cleared: %+v", rejs)
			}
			if n := heldVersions(t, b, ws.ID); n != 0 {
				t.Fatalf("%d versions still held", n)
			}
			syncBoth(t, a, b, ws.ID)
			syncBoth(t, a, b, ws.ID)
			converged(t, a, b, ws.ID)
			want := map[string]schema.FieldType{"record fixed here": schema.Number, "manager fixes the design": schema.Text}[fix]
			if got := countOf(t, b, ws.ID).Type; got != want {
				t.Fatalf("Count is %s, want %s", got, want)
			}
		})
	}
}

func TestPeerDesignRefusalKeepsRestOfBatch(t *testing.T) {
	a := openTestStore(t, "manager")
	ws := newWorkspace(t, a)
	if _, err := a.ApplyDesign(ws.ID, withCount(schema.Text)); err != nil {
		t.Fatal(err)
	}
	b := joined(t, a, ws, "b")
	if _, err := b.PutRecord(ws.ID, testContacts().ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Bo"), fCount: schema.TextValue("many")}); err != nil {
		t.Fatal(err)
	}
	// One batch: a refused retype, a new member and a new tool.
	if _, err := a.ApplyDesign(ws.ID, withCount(schema.Number)); err != nil {
		t.Fatal(err)
	}
	notes := &schema.Tool{ID: fid("notes", ""), Name: "Notes", Fields: []schema.Field{{ID: fid("notes", "text"), Name: "Text", Type: schema.Text}}}
	if _, err := a.ApplyDesign(ws.ID, notes); err != nil {
		t.Fatal(err)
	}
	c := openTestStore(t, "c")
	invite(t, a, c, ws, RoleGuest)
	dk, _ := b.Knowledge(ws.ID, ScopeDesign)
	e, err := a.NewEnumerator(ws.ID, ScopeDesign, dk)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := e.Next(100, 1<<20)
	if err != nil || len(batch.Items) != 3 {
		t.Fatalf("%d items, %v", len(batch.Items), err)
	}
	da, _ := a.Device()
	res, err := b.Apply(ws.ID, ScopeDesign, da.ID, batch)
	if err != nil || res.DesignsRefused != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if tools, _ := b.Tools(ws.ID); len(tools) != 2 {
		t.Fatalf("b has %d tools, want the new one too", len(tools))
	}
	dc, _ := c.Device()
	if _, ok, _ := b.MemberOf(ws.ID, dc.ID); !ok {
		t.Fatal("the new member did not arrive")
	}
	if countOf(t, b, ws.ID).Type != schema.Text {
		t.Fatal("the refused retype was applied")
	}
}
