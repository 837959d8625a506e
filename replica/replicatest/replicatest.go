// Package replicatest helps tests outside replica work with real stores:
// open one in a temporary folder, and move changes between two stores the
// way a complete sync session does, without a network. Only tests import
// it.
package replicatest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
)

// Open opens an initialized store named name in a temporary folder
// (without fsync) and, when the test ends, checks its consistency and
// closes it.
func Open(t testing.TB, name string) *replica.Store {
	t.Helper()
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatalf("open store %s: %v", name, err)
	}
	if _, err := s.Init(name); err != nil {
		t.Fatalf("init store %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("store %s consistency: %v", name, err)
		}
		s.Close()
	})
	return s
}

// Pull applies to dst, in batches, every change of scope sc that dst
// lacks from src, then adds src's knowledge as a complete session does. It
// returns the first error, from enumerating or from a refused batch;
// knowledge is then not added.
func Pull(src, dst *replica.Store, ws uuid.UUID, sc replica.Scope) error {
	dk, err := dst.Knowledge(ws, sc)
	if err != nil {
		return fmt.Errorf("destination knowledge: %w", err)
	}
	e, err := src.NewEnumerator(ws, sc, dk)
	if err != nil {
		return err
	}
	from, err := src.Device()
	if err != nil {
		return fmt.Errorf("source device: %w", err)
	}
	for {
		b, err := e.Next(50, 1<<20)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		if _, err := dst.Apply(ws, sc, from.ID, b); err != nil {
			return err
		}
	}
	return dst.AddKnowledge(ws, sc, e.Knowledge())
}

// MustPull is Pull failing the test on error.
func MustPull(t testing.TB, src, dst *replica.Store, ws uuid.UUID, sc replica.Scope) {
	t.Helper()
	if err := Pull(src, dst, ws, sc); err != nil {
		t.Fatalf("pull %s: %v", sc, err)
	}
}

// PullAll is MustPull for both scopes, design first.
func PullAll(t testing.TB, src, dst *replica.Store, ws uuid.UUID) {
	t.Helper()
	for _, sc := range replica.Scopes {
		MustPull(t, src, dst, ws, sc)
	}
}

// SyncBoth runs a full sync between a and b: both scopes, both ways.
func SyncBoth(t testing.TB, a, b *replica.Store, ws uuid.UUID) {
	t.Helper()
	for _, sc := range replica.Scopes {
		MustPull(t, a, b, ws, sc)
		MustPull(t, b, a, ws, sc)
	}
}
