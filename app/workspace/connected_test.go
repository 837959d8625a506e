package workspace

import (
	"context"
	"net"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/fake"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/connect"
	"github.com/grove-team/grove/sync/server"
)

// testServer is a real Grove server on 127.0.0.1 with TLS, with one list
// ("Clients") whose e-mail addresses must be at company.com.
type testServer struct {
	store *server.Store
	url   string
	fp    string
	token string
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	st, err := server.Open(t.TempDir(), server.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := st.AddUser("alice", "alice@company.com", true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.PutList(server.List{Name: "Clients", Fields: []server.Field{
		{Internal: "Name", Title: "Name", Kind: wireform.Text, Required: true},
		{Internal: "Email", Title: "Email", Kind: wireform.Text},
	}, Rules: server.Rules{EmailDomains: []string{"company.com"}, EmailFields: []string{"Email"}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return &testServer{store: st, url: "https://" + ln.Addr().String(), fp: srv.Fingerprint(), token: tok}
}

// connectWith types into the open connect dialog, taps Connect and waits
// for the result.
func (h *harness) connectWith(t *testing.T, server, token, fp string) *ConnectForm {
	t.Helper()
	h.s.ShowConnect()
	f := h.s.ConnectForm()
	if f == nil {
		t.Fatal("no connect dialog")
	}
	f.Server.SetText("")
	test.Type(f.Server, server)
	test.Type(f.Token, token)
	f.Fingerprint.SetText("")
	test.Type(f.Fingerprint, fp)
	test.Tap(f.ConnectBtn)
	f.Wait()
	h.settle()
	return f
}

func TestConnectDialogAgainstServer(t *testing.T) {
	srv := startServer(t)
	h := open(t)
	if h.s.Badge() != "" || !h.s.cu.connectBtn.Visible() {
		t.Fatalf("badge %q before connecting", h.s.Badge())
	}

	f := h.connectWith(t, srv.url, "not-the-token", "")
	if !strings.Contains(f.Note.Text, "did not accept the access token") {
		t.Errorf("wrong token: note %q", f.Note.Text)
	}
	f = h.connectWith(t, srv.url, srv.token, strings.Repeat("ab", 32))
	if !strings.Contains(f.Note.Text, "does not match the fingerprint") {
		t.Errorf("wrong fingerprint: note %q", f.Note.Text)
	}
	if _, ok, _ := h.env.Store.Binding(h.id); ok || h.s.Badge() != "" {
		t.Fatalf("bound after failed connects (badge %q)", h.s.Badge())
	}

	f = h.connectWith(t, srv.url, srv.token, srv.fp)
	host := strings.TrimPrefix(srv.url, "https://")
	if !strings.Contains(f.Note.Text, "Connected to "+host) || !strings.Contains(f.Note.Text, "Clients") ||
		!strings.Contains(f.Note.Text, groupHex(srv.fp)[:9]) {
		t.Errorf("connected: note %q", f.Note.Text)
	}
	if b := h.s.Badge(); !strings.HasPrefix(b, "Connected to "+host) || !strings.Contains(b, "synced") {
		t.Errorf("badge %q", b)
	}
	if h.s.cu.connectBtn.Visible() || !h.s.Connected() {
		t.Error("still offers to connect, or the header does not know it is connected")
	}
	h.tool(t, "Clients") // the server's list is a tool here
}

func TestRefusedByServerEditAndResubmit(t *testing.T) {
	srv := startServer(t)
	h := open(t)
	h.connectWith(t, srv.url, srv.token, srv.fp)
	clients := h.tool(t, "Clients")
	name, _ := clients.FieldByName("Name")
	email, _ := clients.FieldByName("Email")
	id, err := h.ws.PutRecord(clients.ID, uuid.Nil, map[uuid.UUID]schema.Value{
		name.ID: schema.TextValue("Bob"), email.ID: schema.TextValue("bob@elsewhere.org")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := connect.New(connect.Config{Store: h.env.Store, WS: h.id, Server: srv.url, Token: srv.token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if rep, err := cl.Sync(context.Background()); err != nil || rep.Refused != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	h.env.Backend.Publish(model.Event{Kind: model.Resync, Workspace: h.id})
	h.settle()

	var emailAt = -1
	for i, r := range h.s.Refused().Items() {
		if r.Record == id && r.Field == email.ID {
			emailAt = i
		}
	}
	if emailAt < 0 || h.s.RefusedCount() == 0 || !h.s.cu.refusedBtn.Visible() {
		t.Fatalf("refused list %+v", h.s.Refused().Items())
	}
	r := h.s.Refused().Items()[emailAt]
	if r.Version.Value.String() != "bob@elsewhere.org" || r.Reason == "" || r.Label != "Bob" {
		t.Errorf("refused entry %+v", r)
	}
	if h.s.ConflictCount() != 0 {
		t.Errorf("a refused change counted as %d conflicts", h.s.ConflictCount())
	}

	h.s.Refused().Select(emailAt)
	test.Tap(h.s.Refused().EditButton())
	h.settle()
	ed := h.s.rec.form.Editor(email.ID)
	if h.s.record == nil || h.s.record.ID != id || ed.Text() != "bob@elsewhere.org" {
		t.Fatalf("form shows %v with email %q", h.s.record, ed.Text())
	}
	ed.SetText("bob@company.com")
	test.Tap(h.s.rec.saveBtn)
	h.settle()
	rec, err := h.env.Store.Record(h.id, id)
	if err != nil || rec.Deleted || rec.Value(email.ID).Text() != "bob@company.com" {
		t.Fatalf("after resubmit: %+v %v", rec, err)
	}
	if n := h.s.RefusedCount(); n != 0 {
		t.Errorf("%d refused changes left after resubmitting: %+v", n, h.s.Refused().Items())
	}
	// The next sync with the server sends the new version, and it passes.
	if rep, err := cl.Sync(context.Background()); err != nil || rep.Accepted != 1 || rep.Refused != 0 {
		t.Fatalf("resubmission: %+v %v", rep, err)
	}
}

// bindAndRefuse binds the demo workspace to a server that is never
// contacted and marks a new City of the first contact refused.
func bindAndRefuse(t *testing.T, s *replica.Store, ws uuid.UUID, city, reason string) (uuid.UUID, uuid.UUID) {
	t.Helper()
	if err := s.Bind(ws, replica.Binding{Server: "https://grove.test:8443", Fingerprint: strings.Repeat("cd", 32)}); err != nil {
		t.Fatal(err)
	}
	contacts, err := s.FindTool(ws, "Contacts")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := contacts.FieldByName("City")
	var rid uuid.UUID
	s.Records(ws, contacts.ID, func(r *replica.Record) error {
		if rid == uuid.Nil {
			rid = r.ID
		}
		return nil
	})
	if _, err := s.PutRecord(ws, contacts.ID, rid, map[uuid.UUID]schema.Value{f.ID: schema.TextValue(city)}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.ServerPending(ws, contacts.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pending {
		if p.ID != rid {
			continue
		}
		for _, pf := range p.Fields {
			if pf.Field == f.ID {
				if err := s.MarkRefused(ws, rid, []replica.VersionRef{pf.Origin}, reason); err != nil {
					t.Fatal(err)
				}
				return rid, f.ID
			}
		}
	}
	t.Fatal("the change is not pending for the server")
	return uuid.Nil, uuid.Nil
}

func TestBadgeShowsServerStatus(t *testing.T) {
	h := open(t)
	servers := fake.NewServers()
	be := local.New(h.env.Store, local.WithSync(h.env.Net), local.WithDiscovery(h.env.Net), local.WithServerSync(servers))
	servers.Notify = be.Publish
	env := *h.env
	env.Backend = be
	bindAndRefuse(t, env.Store, h.id, "Atlantis", "City must be a real place")
	h = openOn(t, &env, h.id)
	if b := h.s.Badge(); b != "Connected to grove.test:8443" {
		t.Errorf("badge %q", b)
	}
	servers.SetServerStatus(h.id, model.ServerStatus{LastError: "the server did not answer"})
	h.settle()
	if b := h.s.Badge(); !strings.Contains(b, "last sync failed: the server did not answer") {
		t.Errorf("badge after a failed sync %q", b)
	}
	servers.SetServerStatus(h.id, model.ServerStatus{Running: true})
	h.settle()
	if b := h.s.Badge(); !strings.HasSuffix(b, "syncing…") {
		t.Errorf("badge while syncing %q", b)
	}
}

func TestRefusedListEditAndDiscard(t *testing.T) {
	h := open(t)
	rid, city := bindAndRefuse(t, h.env.Store, h.id, "Atlantis", "City must be a real place")
	h.env.Backend.Publish(model.Event{Kind: model.Resync, Workspace: h.id})
	h.settle()
	items := h.s.Refused().Items()
	if len(items) != 1 || items[0].FieldName != "City" || items[0].Version.Value.String() != "Atlantis" ||
		items[0].Reason != "City must be a real place" || items[0].Version.AuthorName != "Tester" {
		t.Fatalf("refused list %+v", items)
	}
	if got := h.s.cu.refusedBtn.Text; got != "1 refused change" {
		t.Errorf("header %q", got)
	}
	test.Tap(h.s.cu.refusedBtn)
	if h.s.side.SelectedIndex() != 2 {
		t.Error("the header count does not open the list")
	}

	// Edit and resubmit: the form opens with the refused value to fix.
	test.Tap(h.s.Refused().EditButton())
	h.settle()
	ed := h.s.rec.form.Editor(city)
	if h.s.side.SelectedIndex() != 0 || h.s.record == nil || h.s.record.ID != rid || ed.Text() != "Atlantis" {
		t.Fatalf("form: record %v, city %q", h.s.record, ed.Text())
	}
	ed.SetText("Lisbon")
	test.Tap(h.s.rec.saveBtn)
	h.settle()
	r, _ := h.env.Store.Record(h.id, rid)
	if got := r.Value(city).Text(); got != "Lisbon" || len(h.s.Refused().Items()) != 0 {
		t.Fatalf("after resubmit: city %q, list %+v", got, h.s.Refused().Items())
	}
	pending, _ := h.env.Store.ServerPending(h.id, r.Tool, 1000)
	sent := false
	for _, p := range pending {
		sent = sent || p.ID == rid
	}
	if !sent {
		t.Error("the new value is not waiting for the next sync with the server")
	}

	// Discard: the server's value stays, the entry leaves the list, the
	// store keeps the refused version.
	rid2, _ := bindAndRefuse(t, h.env.Store, h.id, "Nowhere", "No such city")
	h.env.Backend.Publish(model.Event{Kind: model.Resync, Workspace: h.id})
	h.settle()
	if n := len(h.s.Refused().Items()); n != 1 {
		t.Fatalf("%d refused", n)
	}
	test.Tap(h.s.Refused().DiscardButton())
	h.settle()
	if n := len(h.s.Refused().Items()); n != 0 || h.s.cu.refusedBtn.Visible() {
		t.Errorf("%d refused after discarding", n)
	}
	kept, _ := h.env.Store.RefusedChanges(h.id)
	if len(kept) != 1 || kept[0].Record != rid2 || kept[0].Value.String() != "Nowhere" {
		t.Errorf("store after discard: %+v", kept)
	}
	// Discarded stays discarded on this device.
	ws2, _ := local.New(h.env.Store).Open(h.id)
	if rs, err := ws2.Refused(); err != nil || len(rs) != 0 {
		t.Errorf("another backend lists %+v %v", rs, err)
	}
}

func TestConnectNeedsManager(t *testing.T) {
	open(t)
	f := NewConnectForm(nil, model.RoleParticipant, nil, nil)
	if !f.ConnectBtn.Disabled() || !f.Server.Disabled() || !strings.Contains(f.Note.Text, "Only managers") {
		t.Errorf("participant: button disabled %v, note %q", f.ConnectBtn.Disabled(), f.Note.Text)
	}
}
