package session_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/sync/session"
	"github.com/grove-team/grove/sync/transport"
	"github.com/grove-team/grove/sync/wire"
)

// A link connects a client and a server device; the suite runs over every
// link.
type link func(t testing.TB, client, server *replica.Store) (cli, srv io.ReadWriteCloser)

func pipeLink(t testing.TB, _, _ *replica.Store) (io.ReadWriteCloser, io.ReadWriteCloser) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func tlsLink(t testing.TB, client, server *replica.Store) (io.ReadWriteCloser, io.ReadWriteCloser) {
	cd, _ := client.Device()
	sd, _ := server.Device()
	ccert, err := transport.Certificate(cd.Key)
	if err != nil {
		t.Fatal(err)
	}
	scert, _ := transport.Certificate(sd.Key)
	l, err := transport.Listen("127.0.0.1:0", scert)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted := make(chan *transport.Conn, 1)
	go func() {
		c, err := l.AcceptConn(context.Background())
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	cc, err := transport.Dial(context.Background(), l.Addr().String(), ccert, sd.ID)
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.FailNow()
	}
	if sc.Peer != cd.ID || cc.Peer != sd.ID {
		t.Fatalf("TLS proved %s / %s, want %s / %s", sc.Peer.Short(), cc.Peer.Short(), cd.ID.Short(), sd.ID.Short())
	}
	t.Cleanup(func() { cc.Close(); sc.Close() })
	return cc, sc
}

var links = map[string]link{"pipe": pipeLink, "tls": tlsLink}

// counter counts bytes a stream writes.
type counter struct {
	io.ReadWriteCloser
	n atomic.Int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// harness runs a server on one end of a link.
type harness struct {
	t              testing.TB
	client, server *replica.Store
	cli            *session.Conn
	cliBytes       *counter
	srvBytes       *counter
	serveErr       chan error
}

func connect(t testing.TB, mk link, client, server *replica.Store) *harness {
	t.Helper()
	crw, srw := mk(t, client, server)
	cd, _ := client.Device()
	sd, _ := server.Device()
	h := &harness{t: t, client: client, server: server, cliBytes: &counter{ReadWriteCloser: crw}, srvBytes: &counter{ReadWriteCloser: srw}, serveErr: make(chan error, 1)}
	sconn := session.New(h.srvBytes, sd.ID, cd.ID)
	go func() {
		if err := sconn.Handshake(false); err != nil {
			h.serveErr <- err
			return
		}
		h.serveErr <- sconn.Serve(server, session.Hooks{Join: func(peer identity.DeviceID, ws uuid.UUID, secret [32]byte, name string) (string, replica.Role, error) {
			return server.RedeemInvitation(ws, secret, peer, name)
		}})
	}()
	h.cli = session.New(h.cliBytes, cd.ID, sd.ID)
	if err := h.cli.Handshake(true); err != nil {
		t.Fatal(err)
	}
	return h
}

// close ends the client side and returns what Serve returned.
func (h *harness) close() error {
	h.cliBytes.Close()
	return <-h.serveErr
}

func (h *harness) sync(ws uuid.UUID, dir replica.Direction) (session.Report, error) {
	return h.cli.Sync(h.client, session.Request{Workspace: ws, Mapping: uuid.New(), Direction: dir, Scopes: replica.Scopes})
}

func openStore(t *testing.T, name string) *replica.Store {
	t.Helper()
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Init(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("consistency: %v", err)
		}
		s.Close()
	})
	return s
}

var (
	toolID = uuid.MustParse("6d0b1f3e-2a9c-4c11-8e0a-3b7e2f1d9c01")
	fName  = uuid.MustParse("6d0b1f3e-2a9c-4c11-8e0a-3b7e2f1d9c02")
	fCity  = uuid.MustParse("6d0b1f3e-2a9c-4c11-8e0a-3b7e2f1d9c03")
)

func tool() *schema.Tool {
	return &schema.Tool{ID: toolID, Name: "Contacts", Fields: []schema.Field{
		{ID: fName, Name: "Name", Type: schema.Text, Required: true},
		{ID: fCity, Name: "City", Type: schema.Text},
	}}
}

func rec(name, city string) map[uuid.UUID]schema.Value {
	return map[uuid.UUID]schema.Value{fName: schema.TextValue(name), fCity: schema.TextValue(city)}
}

// team makes a workspace on a (manager) with n records and invites b with
// role, giving b an empty replica.
func team(t *testing.T, a, b *replica.Store, role replica.Role, n int) replica.Workspace {
	t.Helper()
	ws, err := a.CreateWorkspace("Team", tool())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := a.PutRecord(ws.ID, toolID, uuid.Nil, rec(fmt.Sprintf("Person %d", i), "Oslo")); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := a.Device()
	db, _ := b.Device()
	if err := a.PutMember(ws.ID, replica.Member{Device: db.ID, Name: "b", Role: role}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinWorkspace(ws.ID, ws.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	return ws
}

func records(t *testing.T, s *replica.Store, ws uuid.UUID) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.Records(ws, uuid.Nil, func(r *replica.Record) error {
		out[r.Value(fName).Text()] = r.Value(fCity).Text()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalRecords(t *testing.T, a, b *replica.Store, ws uuid.UUID) {
	t.Helper()
	ra, rb := records(t, a, ws), records(t, b, ws)
	if fmt.Sprint(ra) != fmt.Sprint(rb) {
		t.Fatalf("records differ:\n%v\n%v", ra, rb)
	}
}

func forEachLink(t *testing.T, fn func(t *testing.T, mk link)) {
	for name, mk := range links {
		t.Run(name, func(t *testing.T) { fn(t, mk) })
	}
}

func TestTwoWaySync(t *testing.T) {
	forEachLink(t, func(t *testing.T, mk link) {
		a, b := openStore(t, "a"), openStore(t, "b")
		ws := team(t, a, b, replica.RoleParticipant, 50)
		h := connect(t, mk, b, a)
		rep, err := h.sync(ws.ID, replica.Both)
		if err != nil {
			t.Fatal(err)
		}
		if rep.ReceivedItems < 50 {
			t.Fatalf("received %d items", rep.ReceivedItems)
		}
		equalRecords(t, a, b, ws.ID)

		// Edits on both sides, one conflicting, converge in one session.
		ids := map[string]uuid.UUID{}
		b.Records(ws.ID, uuid.Nil, func(r *replica.Record) error { ids[r.Value(fName).Text()] = r.ID; return nil })
		a.PutRecord(ws.ID, toolID, ids["Person 1"], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Lima")})
		b.PutRecord(ws.ID, toolID, ids["Person 1"], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Rome")})
		b.PutRecord(ws.ID, toolID, uuid.Nil, rec("New at b", "Kyiv"))
		rep, err = h.sync(ws.ID, replica.Both)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Conflicts != 1 || rep.PeerConflicts != 1 {
			t.Fatalf("conflicts: here %d, there %d", rep.Conflicts, rep.PeerConflicts)
		}
		equalRecords(t, a, b, ws.ID)
		ca, _ := a.Conflicts(ws.ID)
		cb, _ := b.Conflicts(ws.ID)
		if len(ca) != 1 || len(cb) != 1 {
			t.Fatalf("conflict lists: %v %v", ca, cb)
		}

		// Nothing new: no items move and little goes on the wire.
		before := h.cliBytes.n.Load() + h.srvBytes.n.Load()
		rep, err = h.sync(ws.ID, replica.Both)
		if err != nil || rep.ReceivedItems != 0 || rep.SentItems != 0 {
			t.Fatalf("idle sync: %+v %v", rep, err)
		}
		t.Logf("idle sync: %d bytes of frames", h.cliBytes.n.Load()+h.srvBytes.n.Load()-before)
		if err := h.close(); err != nil {
			t.Fatalf("serve: %v", err)
		}
	})
}

func TestDirections(t *testing.T) {
	forEachLink(t, func(t *testing.T, mk link) {
		a, b := openStore(t, "a"), openStore(t, "b")
		ws := team(t, a, b, replica.RoleParticipant, 3)
		h := connect(t, mk, b, a)
		if _, err := h.sync(ws.ID, replica.Pull); err != nil {
			t.Fatal(err)
		}
		b.PutRecord(ws.ID, toolID, uuid.Nil, rec("Only at b", "Quito"))
		// Pull does not push b's record.
		if _, err := h.sync(ws.ID, replica.Pull); err != nil {
			t.Fatal(err)
		}
		if _, ok := records(t, a, ws.ID)["Only at b"]; ok {
			t.Fatal("pull pushed")
		}
		// Push does, and does not make b claim what it did not receive.
		a.PutRecord(ws.ID, toolID, uuid.Nil, rec("Only at a", "Lagos"))
		if _, err := h.sync(ws.ID, replica.Push); err != nil {
			t.Fatal(err)
		}
		if _, ok := records(t, a, ws.ID)["Only at b"]; !ok {
			t.Fatal("push did not push")
		}
		if _, err := h.sync(ws.ID, replica.Pull); err != nil {
			t.Fatal(err)
		}
		if _, ok := records(t, b, ws.ID)["Only at a"]; !ok {
			t.Fatal("a push session made b skip a's record")
		}
		h.close()
	})
}

func TestRefusals(t *testing.T) {
	forEachLink(t, func(t *testing.T, mk link) {
		t.Run("non-member client", func(t *testing.T) {
			a, stranger := openStore(t, "a"), openStore(t, "stranger")
			ws, _ := a.CreateWorkspace("Team", tool())
			a.PutRecord(ws.ID, toolID, uuid.Nil, rec("x", "y"))
			da, _ := a.Device()
			stranger.JoinWorkspace(ws.ID, ws.Name, da.ID) // fabricated replica
			// The stranger's own check passes (it trusts a), a's does not.
			h := connect(t, mk, stranger, a)
			_, err := h.sync(ws.ID, replica.Both)
			if !errors.Is(err, replica.ErrNotMember) {
				t.Fatalf("client got %v", err)
			}
			if err := h.close(); !errors.Is(err, replica.ErrNotMember) {
				t.Fatalf("server got %v", err)
			}
			if n := len(records(t, stranger, ws.ID)); n != 0 {
				t.Fatalf("stranger received %d records", n)
			}
		})
		t.Run("client refuses non-member server", func(t *testing.T) {
			a, b, c := openStore(t, "a"), openStore(t, "b"), openStore(t, "c")
			ws := team(t, a, b, replica.RoleParticipant, 1)
			h := connect(t, mk, b, c)
			sent := h.cliBytes.n.Load()
			if _, err := h.sync(ws.ID, replica.Both); !errors.Is(err, replica.ErrNotMember) {
				t.Fatalf("got %v", err)
			}
			if h.cliBytes.n.Load() != sent {
				t.Fatal("bytes sent to a non-member")
			}
			h.close()
		})
		t.Run("guest push", func(t *testing.T) {
			a, g := openStore(t, "a"), openStore(t, "guest")
			ws := team(t, a, g, replica.RoleGuest, 2)
			h := connect(t, mk, g, a)
			if _, err := h.sync(ws.ID, replica.Both); err != nil {
				t.Fatal(err)
			}
			if _, err := g.PutRecord(ws.ID, toolID, uuid.Nil, rec("guest", "x")); !errors.Is(err, replica.ErrRoleTooLow) {
				t.Fatalf("guest local write: %v", err)
			}
			h.close()
		})
		t.Run("unknown workspace", func(t *testing.T) {
			a, b := openStore(t, "a"), openStore(t, "b")
			ws := team(t, a, b, replica.RoleParticipant, 1)
			h := connect(t, mk, b, a)
			a.DeleteWorkspace(ws.ID)
			if _, err := h.sync(ws.ID, replica.Both); !errors.Is(err, replica.ErrNoWorkspace) {
				t.Fatalf("got %v", err)
			}
			h.close()
		})
	})
}

func TestJoin(t *testing.T) {
	forEachLink(t, func(t *testing.T, mk link) {
		a, b := openStore(t, "a"), openStore(t, "b")
		ws, _ := a.CreateWorkspace("Team", tool())
		a.PutRecord(ws.ID, toolID, uuid.Nil, rec("Ada", "London"))
		inv, err := a.CreateInvitation(ws.ID, replica.RoleParticipant, 3600e9)
		if err != nil {
			t.Fatal(err)
		}
		h := connect(t, mk, b, a)
		bad := inv.Secret
		bad[0] ^= 1
		if _, _, err := h.cli.Join(ws.ID, bad, "b"); !errors.Is(err, replica.ErrBadInvitation) {
			t.Fatalf("wrong secret: %v", err)
		}
		h.close()
		h = connect(t, mk, b, a)
		name, role, err := h.cli.Join(ws.ID, inv.Secret, "Bea")
		if err != nil || name != "Team" || role != replica.RoleParticipant {
			t.Fatalf("join: %q %v %v", name, role, err)
		}
		da, _ := a.Device()
		if _, err := b.JoinWorkspace(ws.ID, name, da.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.sync(ws.ID, replica.Both); err != nil {
			t.Fatal(err)
		}
		equalRecords(t, a, b, ws.ID)
		db, _ := b.Device()
		if m, ok, _ := b.MemberOf(ws.ID, db.ID); !ok || m.Role != replica.RoleParticipant || m.Name != "Bea" {
			t.Fatalf("b's membership as b sees it: %+v %v", m, ok)
		}
		h.close()
		// The invitation was used up.
		h = connect(t, mk, openStore(t, "c"), a)
		if _, _, err := h.cli.Join(ws.ID, inv.Secret, "c"); !errors.Is(err, replica.ErrBadInvitation) {
			t.Fatalf("reused invitation: %v", err)
		}
		h.close()
	})
}

// TestMalformedFrames sends hostile bytes to a server: each is refused and
// the server stops cleanly with nothing applied.
func TestMalformedFrames(t *testing.T) {
	cases := map[string][]byte{
		"oversized frame": {0x7f, 0xff, 0xff, 0xff, wire.TypeSync},
		"empty frame":     {0, 0, 0, 0},
		"unknown type":    {0, 0, 0, 1, 99},
		"garbage sync":    {0, 0, 0, 4, wire.TypeSync, 1, 2, 3},
		"batch first":     append([]byte{0, 0, 0, 3, wire.TypeBatch}, 0, 2),
	}
	for name, frame := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := openStore(t, "a"), openStore(t, "b")
			ws := team(t, a, b, replica.RoleParticipant, 1)
			before := records(t, a, ws.ID)
			h := connect(t, pipeLink, b, a)
			go h.cliBytes.Write(frame)
			// Drain whatever the server answers until it hangs up.
			go io.Copy(io.Discard, h.cliBytes)
			if err := <-h.serveErr; err == nil {
				t.Fatal("server accepted a malformed frame")
			}
			if fmt.Sprint(records(t, a, ws.ID)) != fmt.Sprint(before) {
				t.Fatal("malformed frame changed the store")
			}
		})
	}
}

// TestUnsignedDesignRefusal: in a connected workspace a peer's design
// change that the server did not sign is refused with its own code, so
// both sides see replica.ErrUnsignedDesign, and nothing of it is applied.
// The refusal comes mid-session, while the client may still be writing:
// it runs over TLS, whose buffers let the refusal through (net.Pipe has
// none, so both sides would block writing).
func TestUnsignedDesignRefusal(t *testing.T) {
	{
		a, b := openStore(t, "a"), openStore(t, "b")
		ws := team(t, a, b, replica.RoleManager, 1)
		h := connect(t, links["tls"], b, a)
		if _, err := h.sync(ws.ID, replica.Both); err != nil {
			t.Fatal(err)
		}
		pub, _, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.RecordConnection(ws.ID, pub); err != nil {
			t.Fatal(err)
		}
		// b sees a data edit made after the connection (its clock moves past
		// it) but not the connection, so its design edit is new and unsigned.
		if _, err := a.PutRecord(ws.ID, toolID, uuid.Nil, rec("after", "Bergen")); err != nil {
			t.Fatal(err)
		}
		dataOnly := session.Request{Workspace: ws.ID, Mapping: uuid.New(), Direction: replica.Pull, Scopes: []replica.Scope{replica.ScopeData}}
		if _, err := h.cli.Sync(b, dataOnly); err != nil {
			t.Fatal(err)
		}
		edited := tool()
		edited.Fields = append(edited.Fields, schema.Field{ID: uuid.New(), Name: "Phone", Type: schema.Text})
		if err := b.PutTool(ws.ID, edited); err != nil {
			t.Fatal(err)
		}
		_, err = h.sync(ws.ID, replica.Push)
		if !errors.Is(err, replica.ErrUnsignedDesign) {
			t.Fatalf("client got %v, want ErrUnsignedDesign", err)
		}
		var refused *session.RefusedError
		if !errors.As(err, &refused) || refused.Code != wire.CodeUnsignedDesign {
			t.Fatalf("client got %v, want a refusal with CodeUnsignedDesign", err)
		}
		if err := h.close(); !errors.Is(err, replica.ErrUnsignedDesign) {
			t.Fatalf("server got %v, want ErrUnsignedDesign", err)
		}
		tools, err := a.Tools(ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tools) != 1 || len(tools[0].Fields) != 2 {
			t.Fatalf("a's design changed: %+v", tools)
		}
	}
}
