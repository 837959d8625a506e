package replica

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(dir, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrDataFolderInUse) {
		t.Fatalf("second open: got %v, want ErrDataFolderInUse", err)
	}
}

func TestInitIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Device(); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("device before init: %v", err)
	}
	d1, err := s.Init("laptop")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := s.Init("")
	if err != nil {
		t.Fatal(err)
	}
	if d1.ID != d2.ID || d2.Name != "laptop" {
		t.Fatalf("second init changed identity: %v %q -> %v %q", d1.ID, d1.Name, d2.ID, d2.Name)
	}
	d3, err := s.Init("desk")
	if err != nil || d3.ID != d1.ID || d3.Name != "desk" {
		t.Fatalf("rename: %v %v %q", err, d3.ID, d3.Name)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d4, err := s.Device()
	if err != nil || d4.ID != d1.ID || d4.Name != "desk" || !d4.Key.Equal(d1.Key) {
		t.Fatalf("after reopen: %v %v %q", err, d4.ID, d4.Name)
	}
	if _, err := s.Init("bad\x00name"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("control characters accepted: %v", err)
	}
}

func TestMigrations(t *testing.T) {
	t.Run("from empty file", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		err = s.db.View(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketMeta, bucketDevice, bucketWorkspaces, bucketWS} {
				if tx.Bucket(b) == nil {
					t.Errorf("bucket %s missing", b)
				}
			}
			if got := tx.Bucket(bucketMeta).Get(keyFormat); len(got) != 8 || got[7] != byte(len(migrations)) {
				t.Errorf("format marker %x", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("newer format refused", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucket(bucketMeta)
			return b.Put(keyFormat, []byte{0, 0, 0, 0, 0, 0, 0, 99})
		})
		db.Close()
		if _, err := Open(dir, Options{}); !errors.Is(err, ErrTooNew) {
			t.Fatalf("got %v, want ErrTooNew", err)
		}
	})
	t.Run("reopen keeps data", func(t *testing.T) {
		dir := t.TempDir()
		s, _ := Open(dir, Options{})
		s.Init("a")
		ws := newWorkspace(t, s)
		s.Close()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Workspace(ws.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWorkspaces(t *testing.T) {
	s := openTestStore(t, "a")
	a, err := s.CreateWorkspace("Sales", testContacts())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateWorkspace("Support")
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Workspaces()
	if err != nil || len(all) != 2 || all[0].ID != a.ID || all[1].ID != b.ID {
		t.Fatalf("list: %v %+v", err, all)
	}
	cases := []struct {
		name, ref string
		want      uuid.UUID
		err       error
	}{
		{"by id", a.ID.String(), a.ID, nil},
		{"by name", "sales", a.ID, nil},
		{"by prefix", b.ID.String()[:8], b.ID, nil},
		{"by name start", "supp", b.ID, nil},
		{"ambiguous name start", "s", uuid.Nil, ErrAmbiguous},
		{"unknown", "nothing", uuid.Nil, ErrNoWorkspace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.FindWorkspace(c.ref)
			if !errors.Is(err, c.err) || got.ID != c.want {
				t.Fatalf("FindWorkspace(%q) = %v, %v", c.ref, got.ID, err)
			}
		})
	}
	if _, err := s.CreateWorkspace("Sales"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindWorkspace("Sales"); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("duplicate names: %v", err)
	}
	if _, err := s.CreateWorkspace("  "); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("empty name: %v", err)
	}
	members, err := s.Members(a.ID)
	if err != nil || len(members) != 1 || members[0].Role != RoleManager {
		t.Fatalf("creator membership: %v %+v", err, members)
	}
	tools, err := s.Tools(a.ID)
	if err != nil || len(tools) != 1 || len(tools[0].Fields) != len(testContacts().Fields) {
		t.Fatalf("tools: %v %+v", err, tools)
	}
}

func TestRenameAndDeleteWorkspace(t *testing.T) {
	s := openTestStore(t, "a")
	ws := newWorkspace(t, s)
	s.PutRecord(ws.ID, testContacts().ID, uuid.Nil, contact(1))
	if err := s.RenameWorkspace(ws.ID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Workspace(ws.ID); w.Name != "Renamed" {
		t.Fatalf("name %q", w.Name)
	}
	if err := s.RenameWorkspace(ws.ID, ""); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("empty rename: %v", err)
	}
	if err := s.DeleteWorkspace(ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Workspace(ws.ID); !errors.Is(err, ErrNoWorkspace) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Records(ws.ID, uuid.Nil, func(*Record) error { return nil }); !errors.Is(err, ErrNoWorkspace) {
		t.Fatalf("records after delete: %v", err)
	}
	if err := s.DeleteWorkspace(ws.ID); !errors.Is(err, ErrNoWorkspace) {
		t.Fatalf("second delete: %v", err)
	}
}
