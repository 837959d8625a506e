package sync_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	grovesync "github.com/grove-team/grove/sync"
)

var (
	toolID = uuid.MustParse("8a1e6f52-0a3f-4b8e-9c55-1e2d3c4b5a01")
	fName  = uuid.MustParse("8a1e6f52-0a3f-4b8e-9c55-1e2d3c4b5a02")
)

func tool() *schema.Tool {
	return &schema.Tool{ID: toolID, Name: "Notes", Fields: []schema.Field{{ID: fName, Name: "Name", Type: schema.Text, Required: true}}}
}

type device struct {
	store *replica.Store
	node  *grovesync.Node
	stop  func()
}

func startDevice(t *testing.T, name string) *device {
	t.Helper()
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Init(name)
	n, err := grovesync.New(grovesync.Config{Store: s, Listen: "127.0.0.1:0", Debounce: 20 * time.Millisecond, Interval: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	d := &device{store: s, node: n}
	d.stop = func() { cancel(); <-done }
	t.Cleanup(func() {
		d.stop()
		if err := s.Check(); err != nil {
			t.Errorf("consistency: %v", err)
		}
		s.Close()
	})
	return d
}

func names(t *testing.T, s *replica.Store, ws uuid.UUID) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if err := s.Records(ws, uuid.Nil, func(r *replica.Record) error { out[r.Value(fName).Text()] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually waits for cond, failing after a generous bound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestInviteJoinAndAutoSync(t *testing.T) {
	a, b, c := startDevice(t, "a"), startDevice(t, "b"), startDevice(t, "c")
	ws, err := a.store.CreateWorkspace("Team", tool())
	if err != nil {
		t.Fatal(err)
	}
	a.store.PutRecord(ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("from a")})

	inv, err := a.node.Invite(ws.ID, replica.RoleParticipant, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := grovesync.ParseCode(inv.Code())
	if err != nil || parsed.Workspace != ws.ID || parsed.Secret != inv.Secret || parsed.Addrs[0] != a.node.Addr() {
		t.Fatalf("code round trip: %+v %v", parsed, err)
	}
	if _, _, err := b.node.Join(context.Background(), parsed); err != nil {
		t.Fatal(err)
	}
	if !names(t, b.store, ws.ID)["from a"] {
		t.Fatal("joined replica lacks the inviter's record")
	}
	// The same code does not work twice.
	if _, _, err := c.node.Join(context.Background(), parsed); !errors.Is(err, replica.ErrBadInvitation) {
		t.Fatalf("reused code: %v", err)
	}

	// A change at b reaches a by itself, a moment later.
	b.store.PutRecord(ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("from b")})
	b.node.Changed(ws.ID)
	eventually(t, "b's record at a", func() bool { return names(t, a.store, ws.ID)["from b"] })

	// A third member joins through a; b's record reaches it, and c's record
	// travels on from a to b.
	inv2, _ := a.node.Invite(ws.ID, replica.RoleParticipant, time.Hour, nil)
	if _, _, err := c.node.Join(context.Background(), inv2); err != nil {
		t.Fatal(err)
	}
	if !names(t, c.store, ws.ID)["from b"] {
		t.Fatal("c lacks b's record")
	}
	c.store.PutRecord(ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("from c")})
	c.node.Changed(ws.ID)
	eventually(t, "c's record at b (via a)", func() bool { return names(t, b.store, ws.ID)["from c"] })

	// Status counts from knowledge: b makes 3 changes, a lacks exactly 3.
	for i := 0; i < 3; i++ {
		b.store.PutRecord(ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue(fmt.Sprint("pending ", i))})
	}
	st, err := b.node.Status(context.Background(), ws.ID)
	if err != nil || len(st) != 1 || !st[0].Online {
		t.Fatalf("status: %+v %v", st, err)
	}
	for _, l := range st[0].Lacks {
		want := 0
		if l.Scope == replica.ScopeData {
			want = 3
		}
		if l.TheyLack != want || l.WeLack != 0 {
			t.Fatalf("scope %s: they lack %d (want %d), we lack %d", l.Scope, l.TheyLack, want, l.WeLack)
		}
	}
}

func TestSyncPeerByAddressAndRestart(t *testing.T) {
	a, b := startDevice(t, "a"), startDevice(t, "b")
	ws, _ := a.store.CreateWorkspace("Team", tool())
	inv, _ := a.node.Invite(ws.ID, replica.RoleParticipant, time.Hour, nil)
	if _, _, err := b.node.Join(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	// a restarts on a new port: b's pooled connection breaks; the next sync
	// by address retries on a fresh connection.
	addr := a.node.Addr()
	a.stop()
	a2, err := grovesync.New(grovesync.Config{Store: a.store, Listen: addr, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a2.Run(ctx)
	a.store.PutRecord(ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: schema.TextValue("after restart")})
	res, err := b.node.SyncPeer(context.Background(), ws.ID, addr)
	if err != nil {
		t.Fatal(err)
	}
	if !names(t, b.store, ws.ID)["after restart"] || res.BytesReceived == 0 {
		t.Fatalf("after restart: %+v", res)
	}
	ms, _ := b.store.Mappings(ws.ID)
	if len(ms) != 1 || ms[0].LastSync.IsZero() {
		t.Fatalf("mappings: %+v", ms)
	}
}
