package replica

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// twoManagers returns a workspace with the test contacts on a, and b, a
// second manager, synced.
func twoManagers(t *testing.T) (a, b *Store, ws Workspace) {
	t.Helper()
	a = openTestStore(t, "a")
	ws = newWorkspace(t, a)
	b = openTestStore(t, "b")
	invite(t, a, b, ws, RoleManager)
	syncBoth(t, a, b, ws.ID)
	return a, b, ws
}

// sameDesign fails unless a and b hold identical design scopes and show
// equal tools.
func sameDesign(t *testing.T, a, b *Store, ws uuid.UUID) []*schema.Tool {
	t.Helper()
	if da, db := dump(t, a, ws, ScopeDesign), dump(t, b, ws, ScopeDesign); da != db {
		t.Fatalf("design scopes differ:\n%s\n---\n%s", da, db)
	}
	ta, err := a.Tools(ws)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := b.Tools(ws)
	if len(ta) != len(tb) {
		t.Fatalf("%d tools vs %d", len(ta), len(tb))
	}
	for i := range ta {
		if d := schema.Diff(ta[i], tb[i]); !d.Empty() {
			t.Fatalf("tools differ: %s", d)
		}
	}
	return ta
}

func TestDesignConflictConverges(t *testing.T) {
	a, b, ws := twoManagers(t)
	// Offline, both managers change the rules of the same field.
	if _, err := a.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) { field(t, "Score").Max = ptrF(50) })); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) {
		field(t, "Score").Max, field(t, "Score").Min = ptrF(10), ptrF(0)
	})); err != nil {
		t.Fatal(err)
	}
	// Meanwhile they edit different fields too: those merge.
	if _, err := a.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) { field(t, "Score").Max = ptrF(50); field(t, "City").Name = "Town" })); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	tools := sameDesign(t, a, b, ws.ID)
	score, _ := tools[0].FieldByID(fScore)
	if *score.Max != 50 && *score.Max != 10 {
		t.Fatalf("score max %v", *score.Max)
	}
	if town, ok := tools[0].FieldByID(fCity); !ok || town.Name != "Town" {
		t.Fatalf("the other manager's rename did not merge: %+v", town)
	}
	// The loser is kept, like any other conflict, on both replicas.
	for _, s := range []*Store{a, b} {
		cs, _ := s.Conflicts(ws.ID)
		i := slices.IndexFunc(cs, func(c Conflict) bool { return c.Scope == ScopeDesign && c.Unit == fScore })
		if i < 0 || cs[i].Item != testContacts().ID {
			t.Fatalf("design conflict not listed: %+v", cs)
		}
		if n := unitVersions(t, s, ws.ID, testContacts().ID, fScore); n != 2 {
			t.Fatalf("field unit holds %d versions, want winner and loser", n)
		}
	}
	// A manager resolves it by saving the design: the new version was made
	// with knowledge of both and supersedes them everywhere.
	if _, err := b.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) { field(t, "Score").Max = ptrF(20); field(t, "City").Name = "Town" })); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	tools = sameDesign(t, a, b, ws.ID)
	if s, _ := tools[0].FieldByID(fScore); *s.Max != 20 {
		t.Fatalf("resolved max %v", *s.Max)
	}
	for _, s := range []*Store{a, b} {
		if cs, _ := s.Conflicts(ws.ID); len(cs) != 0 {
			t.Fatalf("conflicts after resolving: %+v", cs)
		}
	}
}

func ptrF(f float64) *float64 { return &f }

// unitVersions counts the versions one unit of a design item holds.
func unitVersions(t *testing.T, s *Store, ws, item, unit uuid.UUID) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		it, err := st.getItem(item)
		if err != nil || it == nil {
			return err
		}
		if u := it.unit(unit); u != nil {
			n = len(u.versions)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestViewsAndFormsSync(t *testing.T) {
	a, b, ws := twoManagers(t)
	board := schema.View{ID: fid("contacts", "board"), Name: "Board", Type: schema.BoardView, BoardField: fid("contacts", "tag")}
	form := schema.Form{ID: fid("contacts", "form"), Name: "Contact", Sections: []schema.FormSection{{Title: "Who", Items: []schema.FormItem{{Field: fName}}}}}
	with := func(mod func(*schema.Tool)) *schema.Tool {
		return contactsWith(func(t *schema.Tool) {
			t.Views = []schema.View{board}
			t.Forms = []schema.Form{form}
			mod(t)
		})
	}
	if _, err := a.ApplyDesign(ws.ID, with(func(*schema.Tool) {})); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	tools := sameDesign(t, a, b, ws.ID)
	if len(tools[0].Views) != 1 || len(tools[0].Forms) != 1 || tools[0].Views[0].BoardField != fid("contacts", "tag") {
		t.Fatalf("b's design: %+v", tools[0])
	}
	// Concurrent edits of one view conflict; of a view and a form merge.
	if _, err := a.ApplyDesign(ws.ID, with(func(t *schema.Tool) { t.Views[0].Columns = []uuid.UUID{fName} })); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ApplyDesign(ws.ID, with(func(t *schema.Tool) {
		t.Views[0].Filter = `Tag != "Friend"`
		t.Forms[0].Sections[0].Items[0].ReadOnly = true
	})); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	tools = sameDesign(t, a, b, ws.ID)
	if !tools[0].Forms[0].Sections[0].Items[0].ReadOnly {
		t.Error("form edit lost")
	}
	cs, _ := a.Conflicts(ws.ID)
	if len(cs) != 1 || cs[0].Unit != board.ID || cs[0].Scope != ScopeDesign {
		t.Fatalf("conflicts %+v, want the view's", cs)
	}
}

func TestParticipantViewChangeRefusedEverywhere(t *testing.T) {
	a := openTestStore(t, "manager")
	ws := newWorkspace(t, a)
	part := openTestStore(t, "participant")
	invite(t, a, part, ws, RoleParticipant)
	syncBoth(t, a, part, ws.ID)
	other := openTestStore(t, "other")
	invite(t, a, other, ws, RoleParticipant)
	syncBoth(t, a, other, ws.ID)
	view := contactsWith(func(t *schema.Tool) {
		t.Views = []schema.View{{ID: uuid.New(), Name: "Mine", Type: schema.TableView, Filter: `City = "Oslo"`}}
	})
	// Refused by the participant's own store…
	if _, err := part.ApplyDesign(ws.ID, view); !errors.Is(err, ErrRoleTooLow) {
		t.Fatalf("participant's local view change: %v", err)
	}
	// …and, forged past it, by every replica it reaches.
	if err := part.db.Update(func(tx *bolt.Tx) error { return part.writeTool(tx, ws.ID, view) }); err != nil {
		t.Fatal(err)
	}
	for name, dst := range map[string]*Store{"manager": a, "other participant": other} {
		before := dump(t, dst, ws.ID, ScopeDesign)
		if err := trySync(dst, part, ws.ID, ScopeDesign); !errors.Is(err, ErrRoleTooLow) {
			t.Fatalf("%s applied the forged view: %v", name, err)
		}
		if dump(t, dst, ws.ID, ScopeDesign) != before {
			t.Fatalf("%s's design changed", name)
		}
		if tools, _ := dst.Tools(ws.ID); len(tools[0].Views) != 0 {
			t.Fatalf("%s shows the forged view", name)
		}
	}
}

func TestMigratedRecordsSync(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	if _, err := a.PutRecords(ws.ID, testContacts().ID, contacts(20)); err != nil {
		t.Fatal(err)
	}
	b := joined(t, a, ws, "b")
	retyped := contactsWith(func(t *schema.Tool) {
		f := field(t, "City")
		f.Type, f.Choices = schema.Choice, []string{"Lisbon", "Oslo", "Quito", "Perth"}
	})
	rep, err := a.ApplyDesign(ws.ID, retyped)
	if err != nil || rep.Migrated != 20 {
		t.Fatalf("%+v, %v", rep, err)
	}
	// The migrated values are new local versions: one session carries them.
	if n := syncScope(t, a, b, ws.ID, ScopeData, 100, -1); n != 20 {
		t.Fatalf("sync moved %d records, want the 20 migrated", n)
	}
	syncBoth(t, a, b, ws.ID)
	sameDesign(t, a, b, ws.ID)
	if dump(t, a, ws.ID, ScopeData) != dump(t, b, ws.ID, ScopeData) {
		t.Fatal("data differs after sync")
	}
	for _, r := range allRecords(t, b, ws.ID) {
		if v := r.Value(fCity); v.Kind() != schema.Choice {
			t.Fatalf("b holds %#v", v)
		}
	}
	if cs, _ := b.Conflicts(ws.ID); len(cs) != 0 {
		t.Fatalf("conflicts %+v", cs)
	}
}

func TestConcurrentDesignEditsStayUsable(t *testing.T) {
	a, b, ws := twoManagers(t)
	// a removes Phone while b adds a rule that uses it.
	if _, err := a.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) { t.RemoveField(fPhone) })); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ApplyDesign(ws.ID, contactsWith(func(t *schema.Tool) {
		t.Rules = []schema.Rule{{ID: fid("contacts", "rule"), Name: "Phone or mail", Expr: "not empty(Phone) or not empty(Email)"}}
	})); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	tools := sameDesign(t, a, b, ws.ID)
	merged := tools[0]
	if err := merged.Check(); err == nil {
		t.Fatal("the merged design is expected to be broken: a rule on a removed field")
	}
	// Records can still be written: the broken rule is not enforced.
	if _, err := a.PutRecord(ws.ID, merged.ID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("Ann")}); err != nil {
		t.Fatalf("write under a broken merged design: %v", err)
	}
	// A manager repairs it with an ordinary design change.
	fixed := merged.Clone()
	fixed.Rules = nil
	if _, err := b.ApplyDesign(ws.ID, fixed); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	if err := sameDesign(t, a, b, ws.ID)[0].Check(); err != nil {
		t.Fatalf("repaired design: %v", err)
	}
}
