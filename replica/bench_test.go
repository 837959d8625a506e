package replica

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkLocalEdit measures one local field edit committed with fsync:
// read the record, validate, write unit, tick, log and knowledge.
func BenchmarkLocalEdit(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Init("bench")
	ws, _ := s.CreateWorkspace("Bench", testContacts())
	ids := fill(b, s, ws.ID, 10_000, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.PutRecord(ws.ID, testContacts().ID, ids[i%len(ids)], map[uuid.UUID]schema.Value{fCity: schema.TextValue(fmt.Sprintf("City %d", i))}); err != nil {
			b.Fatal(err)
		}
	}
}

// fill inserts n contacts in batches and returns their IDs.
func fill(b testing.TB, s *Store, ws uuid.UUID, n, batch int) []uuid.UUID {
	b.Helper()
	return fillWith(b, s, ws, contacts(n), batch)
}

// contacts makes n deterministic contacts.
func contacts(n int) []map[uuid.UUID]schema.Value {
	out := make([]map[uuid.UUID]schema.Value, n)
	for i := range out {
		out[i] = contact(i)
	}
	return out
}

// fillWith inserts records in batches and returns their IDs.
func fillWith(b testing.TB, s *Store, ws uuid.UUID, recs []map[uuid.UUID]schema.Value, batch int) []uuid.UUID {
	b.Helper()
	var ids []uuid.UUID
	for start := 0; start < len(recs); start += batch {
		got, err := s.PutRecords(ws, testContacts().ID, recs[start:min(start+batch, len(recs))])
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, got...)
	}
	return ids
}

// BenchmarkInsert100k inserts 100,000 contacts (900,000 change units) in
// batches of 1,000 with fsync, and in the same run writes straight into
// bbolt two storage floors: every change unit under its own key
// (record|unit -> that unit's bytes, the layout DESIGN §3 sketches), and
// the stricter floor of one key per record holding the same bytes Grove
// stores. It reports the times and both ratios.
func BenchmarkInsert100k(b *testing.B) {
	const n, batch = 100_000, 1000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Init("bench")
		ws, _ := s.CreateWorkspace("Bench", testContacts())
		recs := contacts(n)
		b.StartTimer()
		t0 := time.Now()
		ids := fillWith(b, s, ws.ID, recs, batch)
		grove := time.Since(t0)
		b.StopTimer()
		// The floor: the same keys with the same stored bytes.
		vals := make([][]byte, n)
		s.db.View(func(tx *bolt.Tx) error {
			st, _ := s.openScope(tx, ws.ID, ScopeData)
			for j, id := range ids {
				vals[j] = append([]byte(nil), st.items.Get(id[:])...)
			}
			return nil
		})
		s.Close()
		floor := rawInsert(b, ids, vals, batch)
		unitFloor := rawUnitInsert(b, ids, vals, batch)
		b.ReportMetric(float64(grove.Milliseconds()), "grove-ms")
		b.ReportMetric(float64(unitFloor.Milliseconds()), "bbolt-units-ms")
		b.ReportMetric(float64(floor.Milliseconds()), "bbolt-records-ms")
		b.ReportMetric(float64(grove)/float64(unitFloor), "ratio-units")
		b.ReportMetric(float64(grove)/float64(floor), "ratio-records")
		b.StartTimer()
	}
}

func rawInsert(b testing.TB, ids []uuid.UUID, vals [][]byte, batch int) time.Duration {
	db, err := bolt.Open(b.(interface{ TempDir() string }).TempDir()+"/raw.db", 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now()
	for start := 0; start < len(ids); start += batch {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("items"))
			if err != nil {
				return err
			}
			for j := start; j < start+batch && j < len(ids); j++ {
				if err := bk.Put(ids[j][:], vals[j]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

// BenchmarkEnumerateOneChange measures finding and reading the one change a
// partner lacks in workspaces of growing size: the cost must stay flat.
func BenchmarkEnumerateOneChange(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			s, err := Open(dir, Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.Init("bench")
			ws, _ := s.CreateWorkspace("Bench", testContacts())
			ids := fill(b, s, ws.ID, n, 10_000)
			partner, _ := s.Knowledge(ws.ID, ScopeData)
			if _, err := s.PutRecord(ws.ID, testContacts().ID, ids[n/2], map[uuid.UUID]schema.Value{fCity: schema.TextValue("Changed")}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e, err := s.NewEnumerator(ws.ID, ScopeData, partner)
				if err != nil {
					b.Fatal(err)
				}
				batch, err := e.Next(1000, 1<<20)
				if err != nil || batch == nil || len(batch.Items) != 1 {
					b.Fatalf("batch %+v, %v", batch, err)
				}
			}
		})
	}
}

// rawUnitInsert writes each change unit of the records under its own
// record|unit key, with the unit's encoded bytes as the value.
func rawUnitInsert(b testing.TB, ids []uuid.UUID, vals [][]byte, batch int) time.Duration {
	keys := make([][]byte, 0, len(ids)*9)
	units := make([][]byte, 0, len(ids)*9)
	for j, id := range ids {
		it, err := decodeItem(id, vals[j], false)
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range it.units {
			keys = append(keys, append(append([]byte(nil), id[:]...), u.id[:]...))
			units = append(units, appendItem(nil, &item{id: id, units: []unit{u}}))
		}
	}
	db, err := bolt.Open(b.(interface{ TempDir() string }).TempDir()+"/raw-units.db", 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	per := len(keys) / len(ids) * batch
	t0 := time.Now()
	for start := 0; start < len(keys); start += per {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("units"))
			if err != nil {
				return err
			}
			for j := start; j < start+per && j < len(keys); j++ {
				if err := bk.Put(keys[j], units[j]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

// BenchmarkInitialSyncParts times the two halves of a first sync of 10,000
// contacts in one process: the source enumerating every batch, and the
// destination applying them (with fsync).
func BenchmarkInitialSyncParts(b *testing.B) {
	a := openTestStore(b, "a")
	ws := newWorkspace(b, a)
	fill(b, a, ws.ID, 10_000, 5000)
	for i := 0; i < b.N; i++ {
		dst, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		dst.Init("b")
		invite(b, a, dst, ws, RoleParticipant)
		syncScope(b, a, dst, ws.ID, ScopeDesign, 100, -1)
		dk, _ := dst.Knowledge(ws.ID, ScopeData)
		t0 := time.Now()
		e, err := a.NewEnumerator(ws.ID, ScopeData, dk)
		if err != nil {
			b.Fatal(err)
		}
		var batches []*Batch
		for {
			bt, err := e.Next(4096, 1<<20)
			if err != nil {
				b.Fatal(err)
			}
			if bt == nil {
				break
			}
			batches = append(batches, bt)
		}
		enum := time.Since(t0)
		t0 = time.Now()
		da, _ := a.Device()
		for _, bt := range batches {
			if _, err := dst.Apply(ws.ID, ScopeData, da.ID, bt); err != nil {
				b.Fatal(err)
			}
		}
		apply := time.Since(t0)
		b.ReportMetric(float64(enum.Microseconds())/1000, "enumerate-ms")
		b.ReportMetric(float64(apply.Microseconds())/1000, "apply-ms")
		dst.Close()
	}
}
