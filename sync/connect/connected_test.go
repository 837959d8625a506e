package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/knowledge"
	"github.com/grove-team/grove/replica/replicatest"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// addPeer adds a member replica that never talks to the server and brings
// it up to date with tm.a by peer sync.
func addPeer(t *testing.T, tm *team, name string, role replica.Role) *replica.Store {
	t.Helper()
	p := openReplica(t, name)
	dp, _ := p.Device()
	da, _ := tm.a.Device()
	if err := tm.a.PutMember(tm.ws, replica.Member{Device: dp.ID, Name: name, Role: role}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.JoinWorkspace(tm.ws, "Team", da.ID); err != nil {
		t.Fatal(err)
	}
	peerSync(t, tm.a, p, tm.ws)
	return p
}

// production dumps a replica's design and data scopes: every item's units
// with their versions and values, and the scopes' knowledge.
func production(t *testing.T, s *replica.Store, ws uuid.UUID) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, sc := range replica.Scopes {
		e, err := s.NewEnumerator(ws, sc, replica.Knowledge{Set: knowledge.New()})
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := e.Next(1000, 64<<20)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			fmt.Fprintf(&out, "%v\n", *b)
		}
		k, err := s.Knowledge(ws, sc)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := k.Set.MarshalBinary()
		fmt.Fprintf(&out, "%v %x\n", k.Replicas, kb)
	}
	return out.Bytes()
}

// tryApply applies every change of scope sc that dst lacks from src and
// returns the error of the first refused batch.
func tryApply(t *testing.T, src, dst *replica.Store, ws uuid.UUID, sc replica.Scope) error {
	t.Helper()
	return replicatest.Pull(src, dst, ws, sc)
}

func TestLocalDesignEditsRefusedOnEveryReplica(t *testing.T) {
	tm := newTeam(t)
	peer := addPeer(t, tm, "pia", replica.RoleManager) // a manager that never connected
	if _, ok, err := peer.Connection(tm.ws); err != nil || !ok {
		t.Fatalf("peer does not know the workspace is connected: %v %v", ok, err)
	}
	edited := tm.tool.Clone()
	edited.Fields[0].Name = "Full name"
	for _, c := range []struct {
		name string
		s    *replica.Store
	}{{"manager client", tm.a}, {"participant client", tm.c}, {"peer manager", peer}} {
		t.Run(c.name, func(t *testing.T) {
			before := production(t, c.s, tm.ws)
			if err := c.s.PutTool(tm.ws, edited); !errors.Is(err, replica.ErrConnected) {
				t.Fatalf("PutTool: %v, want ErrConnected", err)
			}
			if _, err := c.s.ApplyDesign(tm.ws, &schema.Tool{ID: uuid.New(), Name: "New", Fields: []schema.Field{{ID: uuid.New(), Name: "A", Type: schema.Text}}}); !errors.Is(err, replica.ErrConnected) {
				t.Fatalf("ApplyDesign of a new tool: %v, want ErrConnected", err)
			}
			if err := c.s.CheckDesignEditable(tm.ws); !errors.Is(err, replica.ErrConnected) {
				t.Fatalf("CheckDesignEditable: %v", err)
			}
			if !bytes.Equal(before, production(t, c.s, tm.ws)) {
				t.Fatal("a refused design edit changed the replica")
			}
		})
	}
}

func TestForgedDesignRefusedOnEveryReplica(t *testing.T) {
	tm := newTeam(t)
	peer := addPeer(t, tm, "pia", replica.RoleManager)
	peerSync(t, tm.a, tm.c, tm.ws) // C learns the peer's membership
	dp, _ := peer.Device()
	forged := tm.tool.Clone()
	forged.Fields[0].Name = "Hacked"
	rid := uuid.New()
	hlc := replica.HLC(1 << 62) // later than anything, so it would win
	batch := func(unitID uuid.UUID, value []byte) *replica.Batch {
		return &replica.Batch{Replicas: []replica.ReplicaRef{{ID: rid, Device: dp.ID}},
			Items: []replica.ItemChange{{ID: tm.tool.ID, Units: []replica.UnitChange{{ID: unitID,
				Versions: []replica.VersionData{{Replica: 0, Tick: 1, HLC: hlc, Value: value}}}}}}}
	}
	// A signed design of another key: the peer's own.
	other := server.List{ID: 1, Name: "Contacts", DesignVersion: 99, Fields: []server.Field{{Internal: "Name", Title: "Hacked", Kind: wireform.Text}}}
	other.Signature = bytes.Repeat([]byte{7}, 64)
	cases := []struct {
		name  string
		batch *replica.Batch
	}{
		{"field changed", batch(forged.Fields[0].ID, forged.Fields[0].AppendBinary(nil))},
		{"design re-signed by another key", batch(uuid.UUID{15: 11}, mustJSON(t, other))},
		{"new unsigned tool", &replica.Batch{Replicas: []replica.ReplicaRef{{ID: rid, Device: dp.ID}},
			Items: []replica.ItemChange{{ID: uuid.New(), Units: []replica.UnitChange{
				{ID: uuid.Nil, Versions: []replica.VersionData{{Replica: 0, Tick: 1, HLC: hlc, Value: []byte{1, 'T'}}}},
				{ID: uuid.UUID{15: 1}, Versions: []replica.VersionData{{Replica: 0, Tick: 1, HLC: hlc, Value: []byte("Rogue")}}}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for name, s := range map[string]*replica.Store{"manager client": tm.a, "participant client": tm.c} {
				before := production(t, s, tm.ws)
				_, err := s.Apply(tm.ws, replica.ScopeDesign, dp.ID, c.batch)
				if !errors.Is(err, replica.ErrUnsignedDesign) {
					t.Fatalf("%s: Apply: %v, want ErrUnsignedDesign", name, err)
				}
				if !bytes.Equal(before, production(t, s, tm.ws)) {
					t.Fatalf("%s: a refused design batch changed the replica", name)
				}
			}
		})
	}
}

func mustJSON(t *testing.T, l server.List) []byte {
	t.Helper()
	raw, err := jsonMarshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestPeerEditUnawareOfConnectionRefused: a peer manager edits a local
// tool after the workspace was connected, before the connection reached
// it; the edit is refused by the connected replicas.
func TestPeerEditUnawareOfConnectionRefused(t *testing.T) {
	srv := startServer(t)
	a, p := openReplica(t, "ann"), openReplica(t, "pia")
	w, err := a.CreateWorkspace("Team")
	if err != nil {
		t.Fatal(err)
	}
	notes := &schema.Tool{ID: uuid.New(), Name: "Notes", Fields: []schema.Field{{ID: uuid.New(), Name: "Text", Type: schema.Text}}}
	if err := a.PutTool(w.ID, notes); err != nil {
		t.Fatal(err)
	}
	da, _ := a.Device()
	dp, _ := p.Device()
	if err := a.PutMember(w.ID, replica.Member{Device: dp.ID, Name: "pia", Role: replica.RoleManager}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.JoinWorkspace(w.ID, w.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	peerSync(t, a, p, w.ID)
	ca, err := New(Config{Store: a, WS: w.ID, Server: srv.url, Token: srv.tokens["alice"], Fingerprint: srv.fp, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if _, err := ca.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	edited := notes.Clone()
	edited.Fields = append(edited.Fields, schema.Field{ID: uuid.New(), Name: "More", Type: schema.Text})
	if err := p.PutTool(w.ID, edited); err != nil {
		t.Fatalf("the peer does not know yet: %v", err)
	}
	if err := tryApply(t, p, a, w.ID, replica.ScopeDesign); !errors.Is(err, replica.ErrUnsignedDesign) {
		t.Fatalf("peer's design change reached the connected replica: %v", err)
	}
	// The other way, the peer learns about the connection and its tool
	// history (made before the connection) is accepted.
	if err := tryApply(t, a, p, w.ID, replica.ScopeDesign); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckDesignEditable(w.ID); !errors.Is(err, replica.ErrConnected) {
		t.Fatalf("peer after sync: %v", err)
	}
}

// putServerList redesigns the Contacts list on the server.
func putServerList(t *testing.T, tm *team, fields []server.Field) server.List {
	t.Helper()
	l, err := tm.srv.store.PutList(server.List{Name: "Contacts", Fields: fields,
		Rules: server.Rules{EmailDomains: []string{"company.com"}, EmailFields: []string{"Email"}, Unique: []string{"Email"}}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var contactFields = []server.Field{
	{Internal: "Name", Title: "Name", Kind: wireform.Text, Required: true},
	{Internal: "Email", Title: "Email", Kind: wireform.Text},
	{Internal: "CreatedBy", Title: "CreatedBy", Kind: wireform.Person},
	{Internal: "Due_x0020_Date", Title: "Due Date", Kind: wireform.Date},
}

func TestServerDesignUpdates(t *testing.T) {
	tm := newTeam(t)
	peer := addPeer(t, tm, "pia", replica.RoleManager)
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Ann", "Email", "ann@company.com")); err != nil {
		t.Fatal(err)
	}
	sync1(t, tm.ca)

	// An invalid update: Email becomes a number while records hold text.
	bad := append([]server.Field(nil), contactFields...)
	bad[1].Kind = wireform.Number
	putServerList(t, tm, bad)
	before := production(t, tm.a, tm.ws)
	rep := sync1(t, tm.ca)
	if rep.DesignsRejected != 1 || rep.DesignsApplied != 0 {
		t.Fatalf("invalid update: %+v", rep)
	}
	if !bytes.Equal(before, production(t, tm.a, tm.ws)) {
		t.Fatal("an invalid server design changed production")
	}
	rej, err := tm.a.DesignRejections(tm.ws)
	if err != nil || len(rej) != 1 || rej[0].Source != "server" || rej[0].Tool != tm.tool.ID {
		t.Fatalf("rejection not recorded: %+v %v", rej, err)
	}
	// Data keeps syncing on the design the replica has; the same version is
	// not tried again.
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Bo")); err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, tm.ca); rep.Accepted != 1 || rep.DesignsRejected != 0 {
		t.Fatalf("data sync while waiting for the next design: %+v", rep)
	}

	// The next, valid update: Email text again, and a new Phone field.
	good := append(append([]server.Field(nil), contactFields...), server.Field{Internal: "Phone", Title: "Phone", Kind: wireform.Text})
	putServerList(t, tm, good)
	if rep := sync1(t, tm.cc); rep.DesignsApplied != 0 {
		t.Fatalf("a participant's device authored a design: %+v", rep)
	}
	if rep := sync1(t, tm.ca); rep.DesignsApplied != 1 || rep.DesignsRejected != 0 {
		t.Fatalf("valid update: %+v", rep)
	}
	if rej, _ := tm.a.DesignRejections(tm.ws); len(rej) != 0 {
		t.Fatalf("rejection kept after a valid design: %+v", rej)
	}
	hasPhone := func(s *replica.Store) bool {
		tool, err := s.FindTool(tm.ws, "Contacts")
		if err != nil {
			t.Fatal(err)
		}
		_, ok := tool.FieldByName("Phone")
		return ok
	}
	if !hasPhone(tm.a) {
		t.Fatal("client tool lacks the new field")
	}
	// It reaches the peers by ordinary peer sync: the signature verifies.
	peerSync(t, tm.a, tm.c, tm.ws)
	peerSync(t, tm.a, peer, tm.ws)
	if !hasPhone(tm.c) || !hasPhone(peer) {
		t.Fatal("the server's design did not reach the peers")
	}
	// The participant's client now translates the new field.
	tool, _ := tm.c.FindTool(tm.ws, "Contacts")
	phone, _ := tool.FieldByName("Phone")
	id, err := tm.c.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{tm.fields["Name"]: schema.TextValue("Cy"), phone.ID: schema.TextValue("555")})
	if err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, tm.cc); rep.Accepted != 1 {
		t.Fatalf("participant push: %+v", rep)
	}
	found := false
	for _, it := range serverItems(t, tm) {
		found = found || (it.Key == id.String() && it.Values["Phone"] == "555")
	}
	if !found {
		t.Fatal("the new field's value did not reach the server")
	}
}

func jsonMarshal(l server.List) ([]byte, error) { return json.Marshal(l) }
