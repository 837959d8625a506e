package replica

import (
	"errors"
	"testing"
	"time"

	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkApplyDesign100k measures the safe design change on a workspace
// of 100,000 contacts (900,000 change units) with fsync on:
//
//   - retype: City text -> choice and back, so every record is cloned,
//     converted, validated and rewritten as a new local version;
//   - rename: a field renamed, which cannot affect records, so none is read;
//   - refused: a choice removed that every record uses; every record is
//     checked, nothing is written but the rejection.
//
// Besides ns/op (ApplyDesign end to end) it reports the phases of the
// retype: clone-µs (taking the snapshot), plan-ms (migrating and validating
// every record in memory on it) and commit-ms (the one write transaction).
func BenchmarkApplyDesign100k(b *testing.B) {
	const n = 100_000
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Init("bench"); err != nil {
		b.Fatal(err)
	}
	ws, _ := s.CreateWorkspace("Bench", testContacts())
	fill(b, s, ws.ID, n, 10_000)
	toChoice := contactsWith(func(t *schema.Tool) {
		f := field(t, "City")
		f.Type, f.Choices = schema.Choice, []string{"Lisbon", "Oslo", "Quito", "Perth"}
	})
	designs := []*schema.Tool{toChoice, testContacts()}

	b.Run("retype", func(b *testing.B) {
		var clone, plan, commit time.Duration
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c, p, m := applyTimed(b, s, ws.ID, designs[i%2], n)
			clone, plan, commit = clone+c, plan+p, commit+m
		}
		runs := float64(b.N)
		b.ReportMetric(float64(clone.Microseconds())/runs, "clone-µs")
		b.ReportMetric(float64(plan.Milliseconds())/runs, "plan-ms")
		b.ReportMetric(float64(commit.Milliseconds())/runs, "commit-ms")
	})
	current := func() *schema.Tool {
		t, err := s.FindTool(ws.ID, testContacts().ID.String())
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	b.Run("rename", func(b *testing.B) {
		names := []string{"Town", "City"}
		base := current()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			d := base.Clone()
			f, _ := d.FieldByID(fCity)
			f.Name = names[i%2]
			if rep, err := s.ApplyDesign(ws.ID, d); err != nil || rep.Checked != 0 {
				b.Fatalf("%+v, %v", rep, err)
			}
		}
	})
	b.Run("refused", func(b *testing.B) {
		bad := current().Clone()
		f, _ := bad.FieldByID(fid("contacts", "tag"))
		f.Choices = []string{"Supplier"}
		b.ReportAllocs()
		for b.Loop() {
			if rep, err := s.ApplyDesign(ws.ID, bad); !errors.Is(err, ErrDesignRejected) || rep.ProblemCount != n {
				b.Fatalf("%d problems, %v", rep.ProblemCount, err)
			}
		}
	})
}

// applyTimed runs ApplyDesigns' phases for one tool and times them.
func applyTimed(b *testing.B, s *Store, ws [16]byte, t *schema.Tool, want int) (clone, plan, commit time.Duration) {
	next, err := canonicalTools([]*schema.Tool{t})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	tx, err := s.db.Begin(false) // the clone: a copy-on-write snapshot
	if err != nil {
		b.Fatal(err)
	}
	clone = time.Since(t0)
	p, err := s.planDesign(tx, ws, next, sourceLocal)
	tx.Rollback()
	plan = time.Since(t0) - clone
	if err != nil || p.rejected() || p.reports[0].Migrated != want {
		b.Fatalf("plan: %v, %+v", err, p.reports[0])
	}
	t1 := time.Now()
	if err := s.db.Update(func(tx *bolt.Tx) error { return s.commitDesign(tx, ws, next, &p, sourceLocal) }); err != nil {
		b.Fatal(err)
	}
	return clone, plan, time.Since(t1)
}
