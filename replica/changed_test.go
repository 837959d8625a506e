package replica

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// TestChangedItemsListsWhatASyncBrought: after a snapshot, ChangedItems
// names exactly the records edited or created since (here arriving by
// sync), each once; past the limit it says so instead of listing.
func TestChangedItemsListsWhatASyncBrought(t *testing.T) {
	a := openTestStore(t, "a")
	ws := newWorkspace(t, a)
	tool := testContacts().ID
	var ids []uuid.UUID
	for i := range 20 {
		id, err := a.PutRecord(ws.ID, tool, uuid.Nil, contact(i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	b := joined(t, a, ws, "b")
	since, err := b.Knowledge(ws.ID, ScopeData)
	if err != nil {
		t.Fatal(err)
	}
	got, now, complete, err := b.ChangedItems(ws.ID, ScopeData, since, 100)
	if err != nil || !complete || len(got) != 0 {
		t.Fatalf("nothing changed yet: %v %v %v", got, complete, err)
	}

	// Two edits to one record and one new record, made on a, synced to b.
	for _, v := range []string{"Oslo", "Perth"} {
		if _, err := a.PutRecord(ws.ID, tool, ids[3], map[uuid.UUID]schema.Value{fCity: schema.TextValue(v)}); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := a.PutRecord(ws.ID, tool, uuid.Nil, contact(99))
	if err != nil {
		t.Fatal(err)
	}
	syncScope(t, a, b, ws.ID, ScopeData, 7, -1)
	got, now2, complete, err := b.ChangedItems(ws.ID, ScopeData, now, 100)
	if err != nil || !complete {
		t.Fatalf("changed items: %v %v", complete, err)
	}
	want := []uuid.UUID{ids[3], fresh}
	slices.SortFunc(got, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	slices.SortFunc(want, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("changed items %v, want %v", got, want)
	}

	// A local edit counts too; the new snapshot no longer lists the old ones.
	if _, err := b.PutRecord(ws.ID, tool, ids[5], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Quito")}); err != nil {
		t.Fatal(err)
	}
	got, _, _, err = b.ChangedItems(ws.ID, ScopeData, now2, 100)
	if err != nil || !slices.Equal(got, []uuid.UUID{ids[5]}) {
		t.Fatalf("after a local edit: %v %v", got, err)
	}

	// Over the limit: not complete, nothing listed.
	got, _, complete, err = b.ChangedItems(ws.ID, ScopeData, since, 2)
	if err != nil || complete || got != nil {
		t.Fatalf("over the limit: %v %v %v", got, complete, err)
	}
}
