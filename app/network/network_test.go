package network

import (
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/replicatest"
	"github.com/grove-team/grove/schema"
)

type recorder struct{ events []model.Event }

func (r *recorder) Publish(e model.Event) { r.events = append(r.events, e) }

// TestSyncAnnouncesChangedRecords: after a sync, the screens are told
// which records changed (so a window refreshes those rows), marked as
// coming from sync; a design change is announced as such; the first sync
// of a workspace the network has no snapshot of is one Resync.
func TestSyncAnnouncesChangedRecords(t *testing.T) {
	a, b := replicatest.Open(t, "a"), replicatest.Open(t, "b")
	name := schema.Field{ID: uuid.New(), Name: "Name", Type: schema.Text}
	tool := &schema.Tool{ID: uuid.New(), Name: "Contacts", Fields: []schema.Field{name}}
	ws, err := a.CreateWorkspace("Team", tool)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Device()
	db, _ := b.Device()
	if err := a.PutMember(ws.ID, replica.Member{Device: db.ID, Name: db.Name, Role: replica.RoleParticipant}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinWorkspace(ws.ID, ws.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	put := func(id uuid.UUID, v string) uuid.UUID {
		t.Helper()
		id, err := a.PutRecord(ws.ID, tool.ID, id, map[uuid.UUID]schema.Value{name.ID: schema.TextValue(v)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := put(uuid.Nil, "Ada")

	rec := &recorder{}
	n := New(b, nil, nil, nil)
	n.SetPublisher(rec)
	replicatest.PullAll(t, a, b, ws.ID)
	n.announceChanges(ws.ID, false)
	if len(rec.events) != 1 || rec.events[0].Kind != model.Resync || !rec.events[0].FromSync {
		t.Fatalf("first sync without a snapshot: %+v, want one Resync", rec.events)
	}

	rec.events = nil
	put(first, "Ada L.")
	second := put(uuid.Nil, "Grace")
	replicatest.PullAll(t, a, b, ws.ID)
	n.announceChanges(ws.ID, false)
	got := map[uuid.UUID]bool{}
	for _, e := range rec.events {
		if e.Kind != model.RecordChanged || !e.FromSync || e.Workspace != ws.ID {
			t.Fatalf("unexpected event %+v", e)
		}
		got[e.Record] = true
	}
	if len(got) != 2 || !got[first] || !got[second] || len(rec.events) != 2 {
		t.Fatalf("announced %+v, want %s and %s once each", rec.events, first, second)
	}

	rec.events = nil
	tool.Fields = append(tool.Fields, schema.Field{ID: uuid.New(), Name: "City", Type: schema.Text})
	if _, err := a.ApplyDesign(ws.ID, tool); err != nil {
		t.Fatal(err)
	}
	replicatest.PullAll(t, a, b, ws.ID)
	n.announceChanges(ws.ID, false)
	if len(rec.events) == 0 || rec.events[0].Kind != model.DesignChanged {
		t.Fatalf("after a design change: %+v, want DesignChanged", rec.events)
	}

	rec.events = nil
	n.announceChanges(ws.ID, false)
	if len(rec.events) != 0 {
		t.Fatalf("nothing new: %+v", rec.events)
	}
}
