// Package apptest builds real backends for the app's UI tests: a replica
// store in a temporary folder behind app/local, with the fake network of
// app/fake, and a second device to sync with. It is for tests only: it
// imports the store (and so bbolt), which the screens never do.
package apptest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/fake"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/replicatest"
)

// Env is one device: its store, backend and fake network.
type Env struct {
	Store   *replica.Store
	Backend *local.Backend
	Net     *fake.Network
}

// Setup isolates Fyne's files and locale for a UI test.
func Setup(t testing.TB) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("LANG", "en_US.UTF-8")
}

// NewDevice opens a store named name in a temporary folder.
func NewDevice(t testing.TB, name string) *Env {
	t.Helper()
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("store consistency: %v", err)
		}
		s.Close()
	})
	if _, err := s.Init(name); err != nil {
		t.Fatal(err)
	}
	n := fake.New()
	b := local.New(s, local.WithSync(n), local.WithDiscovery(n), local.WithSharing(n))
	n.Notify = b.Publish
	return &Env{Store: s, Backend: b, Net: n}
}

// Demo makes the first-run demo workspace and returns its ID.
func (e *Env) Demo(t testing.TB) uuid.UUID {
	t.Helper()
	id, err := e.Backend.Welcome("Tester")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Join makes other a member of e's workspace with role and syncs both
// ways.
func (e *Env) Join(t testing.TB, other *Env, ws uuid.UUID, role replica.Role) {
	t.Helper()
	da, _ := e.Store.Device()
	db, _ := other.Store.Device()
	w, err := e.Store.Workspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.PutMember(ws, replica.Member{Device: db.ID, Name: db.Name, Role: role}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Store.JoinWorkspace(ws, w.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	Sync(t, e, other, ws)
}

// Sync runs every scope both ways between two devices, as sync/ will.
func Sync(t testing.TB, a, b *Env, ws uuid.UUID) {
	t.Helper()
	replicatest.SyncBoth(t, a.Store, b.Store, ws)
}

// Fixed is a clock for screens under test.
func Fixed() time.Time { return time.Date(2026, time.March, 10, 9, 0, 0, 0, time.UTC) }
