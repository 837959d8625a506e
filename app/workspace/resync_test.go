package workspace

import (
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// TestResyncShowsRecordsFromPeer: a sync announces what it brought with
// one Resync event (its report names no records); the open table must
// then show a peer's new record, and the form keep the record it shows.
func TestResyncShowsRecordsFromPeer(t *testing.T) {
	h := open(t)
	peer := apptest.NewDevice(t, "Pia")
	h.env.Join(t, peer, h.id, replica.RoleParticipant)
	h.settle()
	contacts := h.tool(t, "Contacts")
	if h.s.tool == nil || h.s.tool.ID != contacts.ID {
		t.Fatalf("the window shows %v, want Contacts", h.s.tool)
	}
	shown := h.s.data.Len()
	selected := h.s.view.ID(0)
	h.s.openRecord(selected)
	h.settle()
	if h.s.record == nil || h.s.record.ID != selected {
		t.Fatalf("the first row's record is not open in the form")
	}

	name, _ := contacts.FieldByName("Name")
	if _, err := peer.Store.PutRecord(h.id, contacts.ID, uuid.Nil, map[uuid.UUID]schema.Value{name.ID: schema.TextValue("Pia's new contact")}); err != nil {
		t.Fatal(err)
	}
	apptest.Sync(t, h.env, peer, h.id)
	h.env.Backend.Publish(model.Event{Kind: model.Resync, Workspace: h.id})
	h.settle()

	if got := h.s.data.Len(); got != shown+1 {
		t.Fatalf("table shows %d rows after the Resync, want %d", got, shown+1)
	}
	found := false
	for i := range h.s.data.Len() {
		if h.s.view.Label(i) == "Pia's new contact" {
			found = true
		}
	}
	if !found {
		t.Errorf("the peer's record is not in the table")
	}
	if h.s.record == nil || h.s.record.ID != selected {
		t.Errorf("the form no longer shows the record it showed before the Resync")
	}
}
