package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/replicatest"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// testServer is a real server on 127.0.0.1 with TLS.
type testServer struct {
	dir    string
	store  *server.Store
	addr   string
	url    string
	fp     string
	cancel context.CancelFunc
	done   chan error
	tokens map[string]string
	users  map[string]server.User
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{dir: t.TempDir(), tokens: map[string]string{}, users: map[string]server.User{}}
	st, err := server.Open(ts.dir, server.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.store = st
	for _, u := range []struct {
		name, email string
		admin       bool
	}{{"alice", "alice@company.com", true}, {"carol", "carol@company.com", false}} {
		user, tok, err := st.AddUser(u.name, u.email, u.admin)
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[u.name], ts.users[u.name] = tok, user
	}
	l, err := st.PutList(server.List{Name: "Contacts", Fields: []server.Field{
		{Internal: "Name", Title: "Name", Kind: wireform.Text, Required: true},
		{Internal: "Email", Title: "Email", Kind: wireform.Text},
		{Internal: "CreatedBy", Title: "CreatedBy", Kind: wireform.Person},
		{Internal: "Due_x0020_Date", Title: "Due Date", Kind: wireform.Date},
	}, Rules: server.Rules{EmailDomains: []string{"company.com"}, EmailFields: []string{"Email"}, Unique: []string{"Email"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Grant(ts.users["carol"].ID, l.ID, server.PermRead|server.PermEdit); err != nil {
		t.Fatal(err)
	}
	ts.serve(t, "127.0.0.1:0")
	t.Cleanup(func() { ts.stop(t); ts.store.Close() })
	return ts
}

func (ts *testServer) serve(t *testing.T, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port of a stopped server may linger a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: ts.store})
	if err != nil {
		t.Fatal(err)
	}
	ts.addr, ts.url, ts.fp = ln.Addr().String(), "https://"+ln.Addr().String(), srv.Fingerprint()
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel, ts.done = cancel, make(chan error, 1)
	go func() { ts.done <- srv.Serve(ctx, ln) }()
}

func (ts *testServer) stop(t *testing.T) {
	t.Helper()
	if ts.cancel == nil {
		return
	}
	ts.cancel()
	if err := <-ts.done; err != nil {
		t.Errorf("serve: %v", err)
	}
	ts.cancel = nil
}

// restart stops the server, closes and reopens its store, and serves again
// on the same address.
func (ts *testServer) restart(t *testing.T) {
	t.Helper()
	ts.stop(t)
	ts.store.Close()
	st, err := server.Open(ts.dir, server.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.store = st
	ts.serve(t, ts.addr)
}

func openReplica(t *testing.T, name string) *replica.Store { return replicatest.Open(t, name) }

// peerSync runs a full peer sync between two replicas, both ways, both scopes.
func peerSync(t *testing.T, a, b *replica.Store, ws uuid.UUID) { replicatest.SyncBoth(t, a, b, ws) }

func oneWay(t *testing.T, src, dst *replica.Store, ws uuid.UUID, sc replica.Scope) {
	t.Helper()
	replicatest.MustPull(t, src, dst, ws, sc)
}

// team is two member replicas of one workspace connected to one server.
type team struct {
	srv    *testServer
	ws     uuid.UUID
	a, c   *replica.Store
	ca, cc *Client
	tool   *schema.Tool
	fields map[string]uuid.UUID // local name -> field ID
}

func newTeam(t *testing.T) *team {
	t.Helper()
	tm := &team{srv: startServer(t), a: openReplica(t, "ann"), c: openReplica(t, "cid")}
	w, err := tm.a.CreateWorkspace("Team")
	if err != nil {
		t.Fatal(err)
	}
	tm.ws = w.ID
	dc, _ := tm.c.Device()
	da, _ := tm.a.Device()
	if err := tm.a.PutMember(w.ID, replica.Member{Device: dc.ID, Name: "cid", Role: replica.RoleParticipant}); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.c.JoinWorkspace(w.ID, w.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tm.ca = tm.client(t, tm.a, "alice")
	if _, err := tm.ca.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	peerSync(t, tm.a, tm.c, tm.ws) // tools and the server's membership reach C
	tm.cc = tm.client(t, tm.c, "carol")
	if _, err := tm.cc.Connect(ctx); err != nil {
		t.Fatalf("participant connects a connected workspace: %v", err)
	}
	tools, err := tm.a.Tools(tm.ws)
	if err != nil || len(tools) != 1 {
		t.Fatalf("tools %v %v", tools, err)
	}
	tm.tool, tm.fields = tools[0], map[string]uuid.UUID{}
	for _, f := range tm.tool.Fields {
		tm.fields[f.Name] = f.ID
	}
	return tm
}

func (tm *team) client(t *testing.T, s *replica.Store, user string) *Client {
	t.Helper()
	c, err := New(Config{Store: s, WS: tm.ws, Server: tm.srv.url, Token: tm.srv.tokens[user], Fingerprint: tm.srv.fp, BatchSize: 50, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func (tm *team) values(kv ...string) map[uuid.UUID]schema.Value {
	m := map[uuid.UUID]schema.Value{}
	for i := 0; i < len(kv); i += 2 {
		id, ok := tm.fields[kv[i]]
		if !ok {
			panic("no field " + kv[i])
		}
		m[id] = schema.TextValue(kv[i+1])
	}
	return m
}

func sync1(t *testing.T, c *Client) Report {
	t.Helper()
	rep, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func serverItems(t *testing.T, tm *team) []server.Item {
	t.Helper()
	rep, err := tm.srv.store.Changes(tm.srv.users["alice"], "Contacts", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Items
}

func TestNameMapCollision(t *testing.T) {
	tm := newTeam(t)
	if _, ok := tm.fields["CreatedBy"]; ok {
		t.Fatal("server field CreatedBy took a reserved local name")
	}
	if _, ok := tm.fields["CreatedBy (server)"]; !ok {
		t.Fatalf("no alias for CreatedBy: %v", tm.fields)
	}
	if _, ok := tm.fields["Due Date"]; !ok {
		t.Fatalf("Due_x0020_Date not shown as Due Date: %v", tm.fields)
	}
	// Local -> server: the alias travels as the server's internal name.
	alice := tm.srv.users["alice"]
	person := alice.Person()
	vals := tm.values("Name", "Ann")
	vals[tm.fields["CreatedBy (server)"]] = schema.PersonValue(schema.PersonParts{ID: fmt.Sprintf("user:%d", alice.ID), Email: alice.Email, Name: alice.Name})
	id, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, tm.ca); rep.Accepted != 1 || rep.Refused != 0 {
		t.Fatalf("push: %+v", rep)
	}
	items := serverItems(t, tm)
	if len(items) != 1 || items[0].Values["CreatedBy"] != person || items[0].Key != id.String() {
		t.Fatalf("server item %+v", items)
	}
	// Server -> local: a change made on the server by another user.
	carol := tm.srv.users["carol"]
	rep, err := tm.srv.store.ApplyBatch(carol, "Contacts", []server.Update{{ID: items[0].ID, Values: map[string]string{"CreatedBy": carol.Person()}}})
	if err != nil || rep.Results[0].Status != server.StatusAccepted {
		t.Fatalf("server edit: %+v %v", rep, err)
	}
	sync1(t, tm.ca)
	r, err := tm.a.Record(tm.ws, id)
	if err != nil {
		t.Fatal(err)
	}
	want := schema.PersonParts{ID: fmt.Sprintf("user:%d", carol.ID), Email: carol.Email, Name: carol.Name}
	if got := r.Value(tm.fields["CreatedBy (server)"]).Person(); got != want {
		t.Fatalf("local CreatedBy (server) = %+v, want %+v", got, want)
	}
}

func TestRefusalKeptMarkedAndResubmitted(t *testing.T) {
	tm := newTeam(t)
	id, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Bob", "Email", "bob@elsewhere.org"))
	if err != nil {
		t.Fatal(err)
	}
	rep := sync1(t, tm.ca)
	if rep.Refused != 1 || rep.Refusals[0].Code != server.CodeEmailDomain {
		t.Fatalf("want an email-domain refusal, got %+v", rep)
	}
	t.Logf("refusal: %s: %s", rep.Refusals[0].Code, rep.Refusals[0].Reason)
	// Kept on the server, marked invalid with the reason.
	kept, err := tm.srv.store.RefusedChanges(tm.srv.users["alice"], "Contacts", 0)
	if err != nil || len(kept) != 1 || kept[0].Code != server.CodeEmailDomain || kept[0].Key != id.String() {
		t.Fatalf("server refused log %+v %v", kept, err)
	}
	// Marked on the client, kept: the server's "not held" wins, the record's
	// create stays as a refused version.
	r, err := tm.a.Record(tm.ws, id)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Deleted || !r.DeleteConflict {
		t.Fatalf("record after refused create: deleted=%v conflict=%v", r.Deleted, r.DeleteConflict)
	}
	refA, err := tm.a.RefusedChanges(tm.ws)
	if err != nil || len(refA) == 0 || refA[0].Reason == "" {
		t.Fatalf("refused changes on A: %+v %v", refA, err)
	}
	// The mark travels to a peer with the versions.
	peerSync(t, tm.a, tm.c, tm.ws)
	refC, err := tm.c.RefusedChanges(tm.ws)
	if err != nil || len(refC) == 0 {
		t.Fatalf("refusal mark did not reach the peer: %+v %v", refC, err)
	}
	// Nothing more is pushed for it.
	if rep := sync1(t, tm.ca); rep.Pushed != 0 {
		t.Fatalf("refused change pushed again: %+v", rep)
	}
	// Resubmission after an edit: restore, fix the e-mail, sync.
	if err := tm.a.RestoreRecord(tm.ws, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, id, tm.values("Email", "bob@company.com")); err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, tm.ca); rep.Accepted != 1 || rep.Refused != 0 {
		t.Fatalf("resubmission: %+v", rep)
	}
	items := serverItems(t, tm)
	if len(items) != 1 || items[0].Deleted || items[0].Values["Email"] != "bob@company.com" || items[0].Values["Name"] != "Bob" {
		t.Fatalf("server after resubmission: %+v", items)
	}
	// C learns it from the server.
	sync1(t, tm.cc)
	rc, err := tm.c.Record(tm.ws, id)
	if err != nil || rc.Deleted || rc.Value(tm.fields["Email"]).Text() != "bob@company.com" {
		t.Fatalf("C's record %+v %v", rc, err)
	}
	// An update refused by a rule: the server's value wins, the edit stays.
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, id, tm.values("Email", "bob@evil.com")); err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, tm.ca); rep.Refused != 1 {
		t.Fatalf("update refusal: %+v", rep)
	}
	r, _ = tm.a.Record(tm.ws, id)
	var email replica.FieldState
	for _, f := range r.Fields {
		if f.Field == tm.fields["Email"] {
			email = f
		}
	}
	if email.Value.Text() != "bob@company.com" || len(email.Losers) != 1 || !email.Losers[0].Refused || email.Losers[0].Value.Text() != "bob@evil.com" {
		t.Fatalf("email after refused update: %+v", email)
	}
	peerSync(t, tm.a, tm.c, tm.ws)
	rc, _ = tm.c.Record(tm.ws, id)
	for _, f := range rc.Fields {
		if f.Field == tm.fields["Email"] && (len(f.Losers) != 1 || !f.Losers[0].Refused || f.Value.Text() != "bob@company.com") {
			t.Fatalf("peer's email after refused update: %+v", f)
		}
	}
}

func TestSameChangeTwoRoutes(t *testing.T) {
	tm := newTeam(t)
	var ids []uuid.UUID
	for i, name := range []string{"Dee", "Eve", "Fay"} {
		id, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", name, "Email", name+"@company.com"))
		if err != nil {
			t.Fatal(err, i)
		}
		ids = append(ids, id)
	}
	peerSync(t, tm.a, tm.c, tm.ws)
	// C pushes A's creates first, then A pushes the same.
	if rep := sync1(t, tm.cc); rep.Accepted != 3 {
		t.Fatalf("C push: %+v", rep)
	}
	if rep := sync1(t, tm.ca); rep.Refused != 0 {
		t.Fatalf("A push: %+v", rep)
	}
	// An edit, too, by both routes at once.
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, ids[0], tm.values("Name", "Dee Dee")); err != nil {
		t.Fatal(err)
	}
	peerSync(t, tm.a, tm.c, tm.ws)
	var wg sync.WaitGroup
	var repA, repC Report
	var errA, errC error
	wg.Add(2)
	go func() { defer wg.Done(); repA, errA = tm.ca.Sync(context.Background()) }()
	go func() { defer wg.Done(); repC, errC = tm.cc.Sync(context.Background()) }()
	wg.Wait()
	if errA != nil || errC != nil || repA.Refused+repC.Refused != 0 {
		t.Fatalf("concurrent pushes: %+v %v / %+v %v", repA, errA, repC, errC)
	}
	sync1(t, tm.ca)
	sync1(t, tm.cc)
	peerSync(t, tm.a, tm.c, tm.ws)
	items := serverItems(t, tm)
	if len(items) != 3 {
		t.Fatalf("server holds %d items, want 3: %+v", len(items), items)
	}
	for _, s := range []*replica.Store{tm.a, tm.c} {
		n := 0
		if err := s.Records(tm.ws, tm.tool.ID, func(*replica.Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		cs, _ := s.Conflicts(tm.ws)
		if n != 3 || len(cs) != 0 {
			t.Fatalf("replica holds %d records, %d conflicts", n, len(cs))
		}
	}
	r, _ := tm.c.Record(tm.ws, ids[0])
	if r.Value(tm.fields["Name"]).Text() != "Dee Dee" {
		t.Fatalf("C's name %q", r.Value(tm.fields["Name"]).Text())
	}
}

func TestServerWinsConflict(t *testing.T) {
	tm := newTeam(t)
	id, _ := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Gil", "Email", "gil@company.com"))
	sync1(t, tm.ca)
	items := serverItems(t, tm)
	// The server's value changes (curl, with the version it read) while A
	// edits the same field offline.
	rep, err := tm.srv.store.ApplyBatch(tm.srv.users["carol"], "Contacts", []server.Update{{ID: items[0].ID, BaseVersion: items[0].Version, Values: map[string]string{"Name": "Gil (server)"}}})
	if err != nil || rep.Results[0].Status != server.StatusAccepted {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, id, tm.values("Name", "Gil (client)")); err != nil {
		t.Fatal(err)
	}
	sync1(t, tm.ca)
	r, _ := tm.a.Record(tm.ws, id)
	if got := r.Value(tm.fields["Name"]).Text(); got != "Gil (server)" {
		t.Fatalf("winner %q, want the server's", got)
	}
	if r.Conflicts() != 1 {
		t.Fatalf("client's losing version not kept: %+v", r.Fields)
	}
	if got := serverItems(t, tm)[0].Values["Name"]; got != "Gil (server)" {
		t.Fatalf("server value %q", got)
	}
	_ = errors.New
}

func TestRestartMidPush(t *testing.T) {
	tm := newTeam(t)
	const n = 1500
	recs := make([]map[uuid.UUID]schema.Value, n)
	for i := range recs {
		name := "p" + uuid.NewString()[:8]
		recs[i] = tm.values("Name", name, "Email", name+"@company.com")
	}
	if _, err := tm.a.PutRecords(tm.ws, tm.tool.ID, recs); err != nil {
		t.Fatal(err)
	}
	cl, err := New(Config{Store: tm.a, WS: tm.ws, Server: tm.srv.url, Token: tm.srv.tokens["alice"], Fingerprint: tm.srv.fp, BatchSize: 20, RetryFor: 20 * time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	done := make(chan error, 1)
	var rep Report
	go func() { var err error; rep, err = cl.Sync(context.Background()); done <- err }()
	// Restart once some batches have landed.
	for {
		if c, _ := tm.srv.store.Changes(tm.srv.users["alice"], "Contacts", 0, 1000); len(c.Items) >= 200 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	tm.srv.restart(t)
	if err := <-done; err != nil {
		t.Fatalf("sync across a restart: %v", err)
	}
	sync1(t, cl)
	total, keys := 0, map[string]bool{}
	for since := int64(0); ; {
		c, err := tm.srv.store.Changes(tm.srv.users["alice"], "Contacts", since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range c.Items {
			total++
			keys[it.Key] = true
		}
		var tok int64
		for _, ch := range c.Token {
			tok = tok*10 + int64(ch-'0')
		}
		since = tok
		if !c.More {
			break
		}
	}
	if total != n || len(keys) != n {
		t.Fatalf("server holds %d items (%d keys), want %d", total, len(keys), n)
	}
	pend, _ := tm.a.ServerPending(tm.ws, tm.tool.ID, 10)
	if len(pend) != 0 {
		t.Fatalf("%d records still pending", len(pend))
	}
	t.Logf("restart mid-push: %d records, first sync %+v", n, Report{Pushed: rep.Pushed, Accepted: rep.Accepted, Refused: rep.Refused})
}
