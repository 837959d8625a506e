package workspace

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"

	"github.com/grove-team/grove/app/fake"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func TestResolveConflictSideBySide(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Ana")
	b := apptest.NewDevice(t, "Ben")
	id := a.Demo(t)
	a.Join(t, b, id, replica.RoleParticipant)

	// Both change the same contact's city without knowing of each other.
	contacts, err := a.Store.FindTool(id, "Contacts")
	if err != nil {
		t.Fatal(err)
	}
	city, _ := contacts.FieldByName("City")
	var rec *replica.Record
	a.Store.Records(id, contacts.ID, func(r *replica.Record) error {
		if rec == nil {
			rec = r
		}
		return nil
	})
	if _, err := a.Store.PutRecord(id, contacts.ID, rec.ID, map[uuid.UUID]schema.Value{city.ID: schema.TextValue("Lisbon")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store.PutRecord(id, contacts.ID, rec.ID, map[uuid.UUID]schema.Value{city.ID: schema.TextValue("Porto")}); err != nil {
		t.Fatal(err)
	}
	apptest.Sync(t, a, b, id)

	h := openOn(t, a, id)
	if h.s.ConflictCount() != 1 || h.s.conflictsBtn.Disabled() {
		t.Fatalf("header shows %d conflicts (button disabled %v), want 1", h.s.ConflictCount(), h.s.conflictsBtn.Disabled())
	}
	if h.s.data.Mark(0) != 2 { // widgets.MarkConflict
		t.Errorf("row of the conflicted record is not marked")
	}

	c := NewConflicts(h.ws, h.q.Do)
	w := test.NewTempWindow(t, c.Content())
	w.Resize(fyne.NewSize(900, 560))
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() { c.Close(); c.Loop().Wait(); cancel() })
	h.q.Settle(h.s.Loop(), c.Loop())

	items := c.Items()
	if len(items) != 1 || items[0].FieldName != "City" || len(items[0].Versions) != 2 {
		t.Fatalf("inbox = %+v", items)
	}
	vs := items[0].Versions
	if !vs[0].Won || vs[1].Won {
		t.Errorf("winner not first: %+v", vs)
	}
	authors := map[string]string{}
	for _, v := range vs {
		authors[v.Value.String()] = v.AuthorName
	}
	if authors["Lisbon"] != "Tester" || authors["Porto"] != "Ben" {
		t.Errorf("authors = %v", authors)
	}
	keep := 0
	for i, v := range vs {
		if v.Value.String() == "Porto" {
			keep = i
		}
	}
	c.Chooser().Keep(keep)
	h.q.Settle(h.s.Loop(), c.Loop())

	r, err := a.Store.Record(id, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Value(city.ID).String(); got != "Porto" || r.Conflicts() != 0 {
		t.Errorf("after keeping Porto: city %q, %d conflicts", got, r.Conflicts())
	}
	if len(c.Items()) != 0 || h.s.ConflictCount() != 0 {
		t.Errorf("inbox %d, header %d after resolving", len(c.Items()), h.s.ConflictCount())
	}
	if !strings.Contains(c.Status(), "Porto") {
		t.Errorf("status = %q", c.Status())
	}
}

func TestMergedValueIsValidated(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Ana")
	b := apptest.NewDevice(t, "Ben")
	id := a.Demo(t)
	a.Join(t, b, id, replica.RoleParticipant)
	contacts, _ := a.Store.FindTool(id, "Contacts")
	email, _ := contacts.FieldByName("Email")
	var rid uuid.UUID
	a.Store.Records(id, contacts.ID, func(r *replica.Record) error { rid = r.ID; return nil })
	a.Store.PutRecord(id, contacts.ID, rid, map[uuid.UUID]schema.Value{email.ID: schema.TextValue("a@one.example")})
	b.Store.PutRecord(id, contacts.ID, rid, map[uuid.UUID]schema.Value{email.ID: schema.TextValue("b@two.example")})
	apptest.Sync(t, a, b, id)

	ws, _ := a.Backend.Open(id)
	q := &loop.Queue{}
	c := NewConflicts(ws, q.Do)
	test.NewTempWindow(t, c.Content())
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() { c.Close(); c.Loop().Wait(); cancel() })
	q.Settle(c.Loop())
	ch := c.Chooser()
	if ch == nil {
		t.Fatal("no chooser")
	}
	test.Type(ch.MergedEntry(), "not an address")
	ch.OnMerge(ch.MergedEntry().Text)
	q.Settle(c.Loop())
	if !strings.Contains(c.Status(), "not valid") || len(c.Items()) != 1 {
		t.Fatalf("invalid merge: status %q, %d conflicts left", c.Status(), len(c.Items()))
	}
	ch.MergedEntry().SetText("both@team.example")
	ch.OnMerge(ch.MergedEntry().Text)
	q.Settle(c.Loop())
	r, _ := a.Store.Record(id, rid)
	if got := r.Value(email.ID).String(); got != "both@team.example" || len(c.Items()) != 0 {
		t.Errorf("merged email %q, %d conflicts left", got, len(c.Items()))
	}
}

func TestMembersPaneShowsPresenceAndSync(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Ana")
	b := apptest.NewDevice(t, "Ben")
	id := a.Demo(t)
	a.Join(t, b, id, replica.RoleParticipant)
	db, _ := b.Store.Device()
	h := openOn(t, a, id)

	if len(h.s.members.members) != 2 {
		t.Fatalf("members = %+v", h.s.members.members)
	}
	for _, m := range h.s.members.members {
		if m.Name == "Ben" && m.Online {
			t.Error("Ben online before his device was seen")
		}
	}
	last := time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC)
	a.Net.SetPeers(model.Peer{Device: db.ID.String(), Name: "Ben's laptop"})
	a.Net.SetStatus(id, model.SyncStatus{Partners: []model.Partner{fake.Partner(db.ID.String(), "Ben", 3, 5, last)}})
	h.settle()
	online := false
	for _, m := range h.s.members.members {
		if m.Name == "Ben" {
			online = m.Online
			if !m.LastSync.Equal(last) {
				t.Errorf("Ben's last sync = %v", m.LastSync)
			}
		}
	}
	if !online {
		t.Error("Ben not online after his device was seen")
	}
	if n := len(h.s.members.partners.Objects); n != 1 {
		t.Fatalf("%d partner lines", n)
	}
	test.Tap(h.s.members.syncBtn)
	h.settle()
	if got := a.Net.Syncs(); len(got) != 1 || got[0] != id {
		t.Errorf("SyncNow calls = %v", got)
	}
	if !h.s.members.progress.Visible() || !h.s.members.syncBtn.Disabled() {
		t.Error("no progress while the sync runs")
	}
	a.Net.SetStatus(id, model.SyncStatus{Running: true, Done: 40, Total: 100})
	h.settle()
	if h.s.members.progress.Value != 40 || h.s.members.progress.Max != 100 {
		t.Errorf("progress %v of %v", h.s.members.progress.Value, h.s.members.progress.Max)
	}
}
