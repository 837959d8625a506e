package replica

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// syncScope runs one complete one-way session of scope sc from src to dst
// in batches of n items. When cutAfter >= 0 the session stops after that
// many batches, as a dropped connection would, and knowledge is not merged.
func syncScope(t testing.TB, src, dst *Store, ws uuid.UUID, sc Scope, n, cutAfter int) (items int) {
	t.Helper()
	dk, err := dst.Knowledge(ws, sc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := src.NewEnumerator(ws, sc, dk)
	if err != nil {
		t.Fatal(err)
	}
	for batches := 0; ; batches++ {
		if cutAfter >= 0 && batches == cutAfter {
			return items
		}
		b, err := e.Next(n, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		items += len(b.Items)
		from, _ := src.Device()
		if _, err := dst.Apply(ws, sc, from.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := dst.AddKnowledge(ws, sc, e.Knowledge()); err != nil {
		t.Fatal(err)
	}
	return items
}

// syncBoth runs both scopes both ways.
func syncBoth(t testing.TB, a, b *Store, ws uuid.UUID) {
	t.Helper()
	for _, sc := range Scopes {
		syncScope(t, a, b, ws, sc, 7, -1)
		syncScope(t, b, a, ws, sc, 7, -1)
	}
}

// joined returns a second store holding a replica of a's workspace, synced.
func joined(t testing.TB, a *Store, ws Workspace, name string) *Store {
	t.Helper()
	b := openTestStore(t, name)
	invite(t, a, b, ws, RoleParticipant)
	syncBoth(t, a, b, ws.ID)
	return b
}

// invite makes b a member of a's workspace with a role and gives b an
// empty replica of it that trusts a.
func invite(t testing.TB, a, b *Store, ws Workspace, role Role) {
	t.Helper()
	da, _ := a.Device()
	db, _ := b.Device()
	if err := a.PutMember(ws.ID, Member{Device: db.ID, Name: db.Name, Role: role}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinWorkspace(ws.ID, ws.Name, da.ID); err != nil {
		t.Fatal(err)
	}
}

// dump renders a scope's items, units and versions with replica IDs, so two
// replicas can be compared exactly.
func dump(t testing.TB, s *Store, ws uuid.UUID, sc Scope) string {
	t.Helper()
	var lines []string
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		return st.items.ForEach(func(k, v []byte) error {
			it, err := decodeItem(uuid.UUID(k), v, false)
			if err != nil {
				return err
			}
			for _, u := range it.units {
				line := fmt.Sprintf("%s/%s:", it.id, u.id)
				for _, ver := range u.versions {
					ref, err := rc.ref(ver.replica)
					if err != nil {
						return err
					}
					line += fmt.Sprintf(" %s.%d@%d/%d=%x", ref.ID, ver.tick, ver.hlc, ver.flags, ver.value)
				}
				lines = append(lines, line)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// knowledgeText renders portable knowledge keyed by replica ID.
func knowledgeText(t testing.TB, s *Store, ws uuid.UUID, sc Scope) string {
	t.Helper()
	k, err := s.Knowledge(ws, sc)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, r := range k.Set.Replicas() {
		parts = append(parts, fmt.Sprintf("%s:%v", k.Replicas[r].ID, k.Set.Set(r).Ranges()))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestSyncCopiesEverythingOnce(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	tool := testContacts().ID
	var batch []map[uuid.UUID]schema.Value
	for i := 0; i < 100; i++ {
		batch = append(batch, contact(i))
	}
	if _, err := a.PutRecords(ws.ID, tool, batch); err != nil {
		t.Fatal(err)
	}
	b := joined(t, a, ws, "b")
	for _, sc := range Scopes {
		if da, db := dump(t, a, ws.ID, sc), dump(t, b, ws.ID, sc); da != db {
			t.Fatalf("scope %s differs:\n%s\n---\n%s", sc, da, db)
		}
	}
	if n := countRecords(t, b, ws.ID, tool); n != 100 {
		t.Fatalf("b lists %d records", n)
	}
	tools, _ := b.Tools(ws.ID)
	if len(tools) != 1 || tools[0].Name != "Contacts" {
		t.Fatalf("b tools: %+v", tools)
	}
	// Nothing new either way: no items move.
	for _, sc := range Scopes {
		if n := syncScope(t, a, b, ws.ID, sc, 10, -1); n != 0 {
			t.Fatalf("resync a->b %s moved %d items", sc, n)
		}
		if n := syncScope(t, b, a, ws.ID, sc, 10, -1); n != 0 {
			t.Fatalf("resync b->a %s moved %d items", sc, n)
		}
	}
	// One edit moves one item.
	ids := recordIDs(t, a, ws.ID)
	if _, err := a.PutRecord(ws.ID, tool, ids[42], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Nuuk")}); err != nil {
		t.Fatal(err)
	}
	if n := syncScope(t, a, b, ws.ID, ScopeData, 10, -1); n != 1 {
		t.Fatalf("one edit moved %d items", n)
	}
	r, _ := b.Record(ws.ID, ids[42])
	if r.Value(fCity).Text() != "Nuuk" {
		t.Fatalf("edit not applied: %v", r.Value(fCity))
	}
}

func recordIDs(t testing.TB, s *Store, ws uuid.UUID) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	if err := s.Records(ws, uuid.Nil, func(r *Record) error { ids = append(ids, r.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestConcurrentEditsConflictAndResolve(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	tool := testContacts().ID
	id, _ := a.PutRecord(ws.ID, tool, uuid.Nil, contact(1))
	b := joined(t, a, ws, "b")

	// Same field on both sides: a conflict. Different fields: a merge.
	a.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Athens"), fPhone: schema.TextValue("111")})
	b.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Berlin"), fEmail: schema.TextValue("b@example.org")})
	syncBoth(t, a, b, ws.ID)

	ra, _ := a.Record(ws.ID, id)
	rb, _ := b.Record(ws.ID, id)
	if dump(t, a, ws.ID, ScopeData) != dump(t, b, ws.ID, ScopeData) {
		t.Fatal("replicas differ after two-way sync")
	}
	if ra.Value(fPhone).Text() != "111" || ra.Value(fEmail).Text() != "b@example.org" {
		t.Fatalf("different fields did not merge: %+v", ra)
	}
	if ra.Conflicts() != 1 || rb.Conflicts() != 1 {
		t.Fatalf("conflicts: a %d b %d, want 1", ra.Conflicts(), rb.Conflicts())
	}
	city, cityB := fieldState(ra, fCity), fieldState(rb, fCity)
	if len(city.Losers) != 1 || city.Winner != cityB.Winner || !city.Value.Equal(cityB.Value) {
		t.Fatalf("city: a shows %v (losers %+v), b shows %v", city.Value, city.Losers, cityB.Value)
	}
	if got := city.Value.Text() + "," + city.Losers[0].Value.Text(); got != "Athens,Berlin" && got != "Berlin,Athens" {
		t.Fatalf("city versions %s", got)
	}
	if city.Winner.HLC < city.Losers[0].HLC {
		t.Fatalf("winner HLC %d below loser's %d", city.Winner.HLC, city.Losers[0].HLC)
	}
	for _, s := range []*Store{a, b} {
		cs, _ := s.Conflicts(ws.ID)
		if len(cs) != 1 || cs[0].Item != id || cs[0].Unit != fCity {
			t.Fatalf("conflict list: %+v", cs)
		}
	}

	// Resolve on a with a merged value; it supersedes both everywhere.
	if err := a.ResolveField(ws.ID, id, fCity, schema.TextValue("Athens/Berlin")); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	for _, s := range []*Store{a, b} {
		r, _ := s.Record(ws.ID, id)
		if r.Conflicts() != 0 || r.Value(fCity).Text() != "Athens/Berlin" {
			t.Fatalf("after resolve: %+v", r)
		}
		if cs, _ := s.Conflicts(ws.ID); len(cs) != 0 {
			t.Fatalf("conflicts remain: %+v", cs)
		}
	}
}

func fieldState(r *Record, f uuid.UUID) FieldState {
	for _, fs := range r.Fields {
		if fs.Field == f {
			return fs
		}
	}
	return FieldState{}
}

func TestEditConcurrentWithDeleteIsKept(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	tool := testContacts().ID
	id, _ := a.PutRecord(ws.ID, tool, uuid.Nil, contact(1))
	b := joined(t, a, ws, "b")

	if err := a.DeleteRecord(ws.ID, id); err != nil {
		t.Fatal(err)
	}
	b.PutRecord(ws.ID, tool, id, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Cairo")})
	syncBoth(t, a, b, ws.ID)
	for _, s := range []*Store{a, b} {
		r, _ := s.Record(ws.ID, id)
		if !r.Deleted || r.Conflicts() != 1 {
			t.Fatalf("deleted record with concurrent edit: %+v", r)
		}
		city := fieldState(r, fCity)
		got := []string{city.Value.Text()}
		for _, l := range city.Losers {
			got = append(got, l.Value.Text())
		}
		sort.Strings(got)
		if strings.Join(got, ",") != "Cairo,Oslo" {
			t.Fatalf("edit lost: %v", got)
		}
	}
	// Restoring on b brings the record back; the edit resolves the field.
	if err := b.RestoreRecord(ws.ID, id); err != nil {
		t.Fatal(err)
	}
	if err := b.ResolveField(ws.ID, id, fCity, schema.TextValue("Cairo")); err != nil {
		t.Fatal(err)
	}
	syncBoth(t, a, b, ws.ID)
	r, _ := a.Record(ws.ID, id)
	if r.Deleted || r.Value(fCity).Text() != "Cairo" || r.Conflicts() != 0 {
		t.Fatalf("restored: %+v", r)
	}
	if n := countRecords(t, a, ws.ID, tool); n != 1 {
		t.Fatalf("a lists %d", n)
	}
}

func TestInterruptedSessionResumes(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	tool := testContacts().ID
	var batch []map[uuid.UUID]schema.Value
	for i := 0; i < 50; i++ {
		batch = append(batch, contact(i))
	}
	a.PutRecords(ws.ID, tool, batch)
	b := openTestStore(t, "b")
	invite(t, a, b, ws, RoleParticipant)
	syncScope(t, a, b, ws.ID, ScopeDesign, 10, -1)
	if n := syncScope(t, a, b, ws.ID, ScopeData, 10, 2); n != 20 {
		t.Fatalf("cut session moved %d", n)
	}
	kb := knowledgeText(t, b, ws.ID, ScopeData)
	if strings.Contains(kb, "[{1 50}]") {
		t.Fatalf("knowledge claims everything after a cut session: %s", kb)
	}
	// The resumed session sends only what did not arrive.
	if n := syncScope(t, a, b, ws.ID, ScopeData, 10, -1); n != 30 {
		t.Fatalf("resumed session moved %d, want 30", n)
	}
	if dump(t, a, ws.ID, ScopeData) != dump(t, b, ws.ID, ScopeData) {
		t.Fatal("differ after resume")
	}
	if ka, kb := knowledgeText(t, a, ws.ID, ScopeData), knowledgeText(t, b, ws.ID, ScopeData); ka != kb {
		t.Fatalf("knowledge differs: %s vs %s", ka, kb)
	}
}

func TestImpossibleKnowledgeIsRefused(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	a.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(1))
	k, _ := a.Knowledge(ws.ID, ScopeData)
	// The partner claims a's replica reached tick 1000.
	for _, r := range k.Set.Replicas() {
		if k.Replicas[r].ID == ws.Replica {
			k.Set.Add(r, 1000)
		}
	}
	if _, err := a.NewEnumerator(ws.ID, ScopeData, k); !errors.Is(err, ErrKnowledgeClaim) {
		t.Fatalf("enumerate: %v", err)
	}
	if err := a.AddKnowledge(ws.ID, ScopeData, k); !errors.Is(err, ErrKnowledgeClaim) {
		t.Fatalf("add knowledge: %v", err)
	}
}

func TestMalformedBatchChangesNothing(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	a.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(1))
	b := joined(t, a, ws, "b")
	before := dump(t, b, ws.ID, ScopeData)
	kBefore := knowledgeText(t, b, ws.ID, ScopeData)

	id, _ := a.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(2))
	good := func() *Batch {
		dk, _ := b.Knowledge(ws.ID, ScopeData)
		e, _ := a.NewEnumerator(ws.ID, ScopeData, dk)
		bt, _ := e.Next(100, 1<<20)
		return bt
	}
	cases := map[string]func(*Batch){
		"bad replica index":  func(bt *Batch) { bt.Items[0].Units[0].Versions[0].Replica = 99 },
		"tick zero":          func(bt *Batch) { bt.Items[0].Units[1].Versions[0].Tick = 0 },
		"undecodable value":  func(bt *Batch) { bt.Items[0].Units[1].Versions[0].Value = []byte{0xff, 0xff} },
		"bad existence":      func(bt *Batch) { bt.Items[0].Units[0].Versions[0].Value = []byte{1} },
		"oversized value":    func(bt *Batch) { bt.Items[0].Units[1].Versions[0].Value = make([]byte, MaxValueBytes+1) },
		"units out of order": func(bt *Batch) { u := bt.Items[0].Units; u[0], u[1] = u[1], u[0] },
		"no versions":        func(bt *Batch) { bt.Items[0].Units[1].Versions = nil },
		"good item then bad": func(bt *Batch) {
			bad := bt.Items[0]
			bad.Units = append([]UnitChange(nil), bad.Units...)
			bad.Units[1].Versions = nil
			bt.Items = append(bt.Items, bad)
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			bt := good()
			if len(bt.Items) != 1 || bt.Items[0].ID != id {
				t.Fatalf("unexpected batch %+v", bt.Items)
			}
			spoil(bt)
			da, _ := a.Device()
			if _, err := b.Apply(ws.ID, ScopeData, da.ID, bt); err == nil {
				t.Fatal("malformed batch applied")
			}
			if dump(t, b, ws.ID, ScopeData) != before || knowledgeText(t, b, ws.ID, ScopeData) != kBefore {
				t.Fatal("refused batch changed the store")
			}
		})
	}
}

// forceRecord writes a record on s bypassing the local role check, as a
// tampered client would.
func forceRecord(t *testing.T, s *Store, ws uuid.UUID) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		id, _ := uuid.NewV7()
		ex := existence{alive: true, tool: testContacts().ID}
		if _, _, err := st.localWrite(id, []unitWrite{{unit: existenceUnit, value: ex.encode()}, {unit: fName, value: encodeValue(schema.TextValue("forged"))}}, nil); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRolesEnforcedOnApply(t *testing.T) {
	a := openTestStore(t, "manager")
	ws := newWorkspace(t, a)
	guest := openTestStore(t, "guest")
	invite(t, a, guest, ws, RoleGuest)
	syncBoth(t, a, guest, ws.ID)
	part := openTestStore(t, "participant")
	invite(t, a, part, ws, RoleParticipant)
	syncBoth(t, a, part, ws.ID)

	// The guest's own store refuses the edit.
	if _, err := guest.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(1)); !errors.Is(err, ErrRoleTooLow) {
		t.Fatalf("guest local edit: %v", err)
	}
	// A tampered guest's edit is refused by the manager on apply.
	forceRecord(t, guest, ws.ID)
	before := dump(t, a, ws.ID, ScopeData)
	if err := trySync(a, guest, ws.ID, ScopeData); !errors.Is(err, ErrRoleTooLow) {
		t.Fatalf("guest's edit applied or wrong error: %v", err)
	}
	if dump(t, a, ws.ID, ScopeData) != before {
		t.Fatal("refused batch changed the store")
	}
	// A participant's design change is refused on apply too.
	if err := part.PutTool(ws.ID, testContacts()); !errors.Is(err, ErrRoleTooLow) {
		t.Fatalf("participant local design change: %v", err)
	}
	err := part.db.Update(func(tx *bolt.Tx) error {
		return part.writeTool(tx, ws.ID, &schema.Tool{ID: uuid.New(), Name: "Sneaky", Fields: testContacts().Fields[:1]})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := trySync(a, part, ws.ID, ScopeDesign); !errors.Is(err, ErrRoleTooLow) {
		t.Fatalf("participant's design applied or wrong error: %v", err)
	}
	if tools, _ := a.Tools(ws.ID); len(tools) != 1 {
		t.Fatalf("manager has %d tools", len(tools))
	}
	// The forged design keeps the participant's design scope from syncing,
	// not its records: its own record is accepted, and forwarded by others.
	if _, err := part.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(7)); err != nil {
		t.Fatal(err)
	}
	if err := trySync(a, part, ws.ID, ScopeData); err != nil {
		t.Fatalf("participant's record: %v", err)
	}
	for _, sc := range Scopes {
		if err := trySync(guest, a, ws.ID, sc); err != nil {
			t.Fatalf("guest receiving %s: %v", sc, err)
		}
	}
	if n := len(allRecords(t, guest, ws.ID)); n != 2 {
		t.Fatalf("guest holds %d records, want its forged one and the participant's", n)
	}
	if err := trySync(a, guest, ws.ID, ScopeData); !errors.Is(err, ErrRoleTooLow) {
		// The guest still holds its own forged record, so the session fails:
		t.Fatalf("forwarding through the guest: %v", err)
	}
}

// trySync runs one session from src to dst and returns the first error.
func trySync(dst, src *Store, ws uuid.UUID, sc Scope) error {
	dk, err := dst.Knowledge(ws, sc)
	if err != nil {
		return err
	}
	e, err := src.NewEnumerator(ws, sc, dk)
	if err != nil {
		return err
	}
	from, _ := src.Device()
	for {
		b, err := e.Next(100, 1<<20)
		if err != nil || b == nil {
			if err == nil {
				err = dst.AddKnowledge(ws, sc, e.Knowledge())
			}
			return err
		}
		if _, err := dst.Apply(ws, sc, from.ID, b); err != nil {
			return err
		}
	}
}

func TestNonMemberIsRefused(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	stranger := openTestStore(t, "stranger")
	sd, _ := stranger.Device()
	if _, ok, _ := a.MemberOf(ws.ID, sd.ID); ok {
		t.Fatal("stranger is a member")
	}
	// The stranger fabricates a replica of the workspace and writes to it.
	if _, err := stranger.JoinWorkspace(ws.ID, ws.Name, sd.ID); err != nil {
		t.Fatal(err)
	}
	err := stranger.db.Update(func(tx *bolt.Tx) error { return stranger.writeTool(tx, ws.ID, testContacts()) })
	if err != nil {
		t.Fatal(err)
	}
	forceRecord(t, stranger, ws.ID)
	if err := trySync(a, stranger, ws.ID, ScopeData); !errors.Is(err, ErrNotMember) {
		t.Fatalf("stranger's data: %v", err)
	}
}
