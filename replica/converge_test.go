package replica

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

var (
	convergeSeeds = flag.Int("converge.seeds", 12, "number of seeds the convergence harness runs")
	convergeSteps = flag.Int("converge.steps", 250, "random steps per seed")
	convergeSeed  = flag.Uint64("converge.seed", 0, "run only this seed (0: seeds 1..converge.seeds)")
)

// harness is a set of replicas of one workspace that edit and sync at random.
type harness struct {
	t       *testing.T
	rng     *rand.Rand
	ws      Workspace
	dirs    []string
	stores  []*Store
	tool    *schema.Tool
	written map[string]bool // every value ever written, unique
	gone    map[string]bool // values superseded by a write made with knowledge of them
	seq     int
	group   []int // partition group of each replica
	designs bool  // managers change the design too (converge_design_test.go)
}

func newHarness(t *testing.T, seed uint64, n int) *harness {
	h := &harness{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), tool: testContacts(),
		written: map[string]bool{}, gone: map[string]bool{}, group: make([]int, n)}
	for i := 0; i < n; i++ {
		dir := t.TempDir()
		s, err := Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Init(fmt.Sprintf("r%d", i)); err != nil {
			t.Fatal(err)
		}
		h.dirs, h.stores = append(h.dirs, dir), append(h.stores, s)
		_ = i
	}
	var err error
	if h.ws, err = h.stores[0].CreateWorkspace("Team", h.tool); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		invite(t, h.stores[0], h.stores[i], h.ws, RoleParticipant)
		syncScope(t, h.stores[0], h.stores[i], h.ws.ID, ScopeDesign, 5, -1)
	}
	for i, s := range h.stores {
		w, _ := s.Workspace(h.ws.ID)
		h.logf("r%d is replica %s", i, w.Replica)
	}
	t.Cleanup(func() {
		for _, s := range h.stores {
			if err := s.Check(); err != nil {
				t.Errorf("consistency: %v", err)
			}
			s.Close()
		}
	})
	return h
}

func (h *harness) value() schema.Value {
	h.seq++
	return schema.TextValue(fmt.Sprintf("v%d", h.seq))
}

// put writes values and notes them as written.
func (h *harness) put(s *Store, id uuid.UUID, vals map[uuid.UUID]schema.Value) {
	if h.designs {
		h.putDesigned(s, id, vals)
	} else if _, err := s.PutRecord(h.ws.ID, h.tool.ID, id, vals); err != nil {
		h.t.Fatal(err)
	}
	for f, v := range vals {
		h.written[v.Text()] = true
		h.logf("r%d put %s %s.%s=%s", h.index(s), id, "", f.String()[:4], v.Text())
	}
}

var convergeTrace = flag.Bool("converge.trace", false, "log every step of the convergence harness")

func (h *harness) logf(format string, args ...any) {
	if *convergeTrace {
		h.t.Logf(format, args...)
	}
}

func (h *harness) index(s *Store) int {
	for i, x := range h.stores {
		if x == s {
			return i
		}
	}
	return -1
}

// supersede notes the values a local write of unit f on s replaces.
func (h *harness) supersede(s *Store, id, f uuid.UUID) {
	r, err := s.Record(h.ws.ID, id)
	if err != nil {
		h.t.Fatal(err)
	}
	fs := fieldState(r, f)
	h.logf("r%d supersedes %s.%s: %s %v", h.index(s), id, f.String()[:4], fs.Value.Text(), fs.Losers)
	h.gone[fs.Value.Text()] = true
	for _, l := range fs.Losers {
		h.gone[l.Value.Text()] = true
	}
}

var textFields = []uuid.UUID{fName, fCity, fPhone, fid("contacts", "company"), fid("contacts", "title")}

func (h *harness) step() {
	i := h.rng.IntN(len(h.stores))
	s := h.stores[i]
	ids := recordIDs(h.t, s, h.ws.ID)
	switch op := h.rng.IntN(100); {
	case op < 20 || len(ids) == 0:
		h.put(s, uuid.Nil, map[uuid.UUID]schema.Value{fName: h.value(), fCity: h.value()})
	case op < 55:
		id := ids[h.rng.IntN(len(ids))]
		vals := map[uuid.UUID]schema.Value{}
		for n := 1 + h.rng.IntN(2); n > 0; n-- {
			f := textFields[h.rng.IntN(len(textFields))]
			h.supersede(s, id, f)
			vals[f] = h.value()
		}
		h.put(s, id, vals)
	case op < 62:
		id := ids[h.rng.IntN(len(ids))]
		h.logf("r%d delete %s", i, id)
		if err := s.DeleteRecord(h.ws.ID, id); err != nil {
			h.t.Fatal(err)
		}
	case op < 68:
		h.resolveOne(s)
	case op < 70:
		h.restart(i)
	case op < 73:
		h.partition()
	default:
		h.syncRandom()
	}
}

// resolveOne resolves a random conflict on s, keeping a random version.
func (h *harness) resolveOne(s *Store) {
	cs, err := s.Conflicts(h.ws.ID)
	if err != nil || len(cs) == 0 {
		return
	}
	c := cs[h.rng.IntN(len(cs))]
	if h.designs && (c.Scope == ScopeDesign || c.Unit == fCount || c.Unit == fTag) {
		return // a manager's next design, or the record's next edit, settles these
	}
	h.logf("r%d resolve %s.%s", h.index(s), c.Item, c.Unit.String()[:4])
	if c.IsExistence() {
		if err := s.RestoreRecord(h.ws.ID, c.Item); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	r, _ := s.Record(h.ws.ID, c.Item)
	fs := fieldState(r, c.Unit)
	keep := fs.Value
	if len(fs.Losers) > 0 && h.rng.IntN(2) == 0 {
		keep = fs.Losers[0].Value
	}
	// The resolution rewrites the kept value under a new version: every
	// version it held is superseded knowingly, the kept value lives on.
	h.supersede(s, c.Item, c.Unit)
	if err := s.ResolveField(h.ws.ID, c.Item, c.Unit, keep); err != nil {
		h.t.Fatal(err)
	}
}

// restart closes and reopens a replica's store, as a process restart would.
func (h *harness) restart(i int) {
	if err := h.stores[i].Close(); err != nil {
		h.t.Fatal(err)
	}
	s, err := Open(h.dirs[i], Options{NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	h.stores[i] = s
}

// partition splits the replicas into two random groups, or heals.
func (h *harness) partition() {
	heal := h.rng.IntN(2) == 0
	for i := range h.group {
		h.group[i] = 0
		if !heal {
			h.group[i] = h.rng.IntN(2)
		}
	}
}

// syncRandom syncs a random pair in the same partition, one or both ways,
// sometimes cutting a session after a random number of batches.
func (h *harness) syncRandom() {
	a, b := h.rng.IntN(len(h.stores)), h.rng.IntN(len(h.stores))
	if a == b || h.group[a] != h.group[b] {
		return
	}
	cut := -1
	if h.rng.IntN(5) == 0 {
		cut = h.rng.IntN(3)
	}
	batch := 1 + h.rng.IntN(6)
	h.logf("sync r%d -> r%d batch %d cut %d", a, b, batch, cut)
	// A session syncs the design (and so the membership) before the data;
	// a cut design session ends the connection.
	cutScope := Scopes[h.rng.IntN(len(Scopes))]
	for _, sc := range Scopes {
		if cut >= 0 && sc == cutScope {
			syncScope(h.t, h.stores[a], h.stores[b], h.ws.ID, sc, batch, cut)
			return
		}
		syncScope(h.t, h.stores[a], h.stores[b], h.ws.ID, sc, batch, -1)
	}
	if h.rng.IntN(2) == 0 {
		h.logf("sync r%d -> r%d", b, a)
		for _, sc := range Scopes {
			syncScope(h.t, h.stores[b], h.stores[a], h.ws.ID, sc, batch, -1)
		}
	}
}

// heal syncs every pair both ways, twice around, with no cuts.
func (h *harness) heal() {
	for round := 0; round < 2; round++ {
		for a := range h.stores {
			for b := range h.stores {
				if a != b {
					for _, sc := range Scopes {
						syncScope(h.t, h.stores[a], h.stores[b], h.ws.ID, sc, 50, -1)
					}
					if *convergeTrace {
						h.logf("heal sync r%d -> r%d", a, b)
						for i, s := range h.stores {
							h.logf("r%d knows %s", i, knowledgeText(h.t, s, h.ws.ID, ScopeData))
							for _, r := range allRecords(h.t, s, h.ws.ID) {
								for _, f := range r.Fields {
									if f.Field == textFields[4] {
										h.logf("  r%d %s title %s %+v / %+v", i, r.ID.String()[:13], f.Value.Text(), f.Winner, f.Losers)
									}
								}
							}
						}
						h.checkNothingLost(-1)
					}
				}
			}
		}
	}
}

// check asserts that all replicas are identical and nothing was lost.
func (h *harness) check() {
	first := h.stores[0]
	for _, sc := range Scopes {
		want, wantK := dump(h.t, first, h.ws.ID, sc), knowledgeText(h.t, first, h.ws.ID, sc)
		for i, s := range h.stores[1:] {
			if got := dump(h.t, s, h.ws.ID, sc); got != want {
				h.t.Fatalf("replica %d scope %s differs from replica 0:\n%s\n---\n%s", i+1, sc, got, want)
			}
			if got := knowledgeText(h.t, s, h.ws.ID, sc); got != wantK {
				h.t.Fatalf("replica %d scope %s knowledge %s, replica 0 %s", i+1, sc, got, wantK)
			}
		}
	}
	cs0, _ := first.Conflicts(h.ws.ID)
	for i, s := range h.stores[1:] {
		cs, _ := s.Conflicts(h.ws.ID)
		if fmt.Sprint(cs) != fmt.Sprint(cs0) {
			h.t.Fatalf("replica %d conflicts %v, replica 0 %v", i+1, cs, cs0)
		}
	}
	present := map[string]bool{}
	for _, r := range allRecords(h.t, first, h.ws.ID) {
		for _, f := range r.Fields {
			present[f.Value.Text()] = true
			for _, l := range f.Losers {
				present[l.Value.Text()] = true
			}
		}
	}
	for v := range h.written {
		if !present[v] && !h.gone[v] {
			h.t.Fatalf("value %s was lost: neither current, a conflict loser, nor superseded knowingly", v)
		}
	}
}

// checkNothingLost asserts that every written value is held by some replica
// or was superseded knowingly.
func (h *harness) checkNothingLost(step int) {
	present := map[string]bool{}
	for _, s := range h.stores {
		for _, r := range allRecords(h.t, s, h.ws.ID) {
			for _, f := range r.Fields {
				present[f.Value.Text()] = true
				for _, l := range f.Losers {
					present[l.Value.Text()] = true
				}
			}
		}
	}
	for v := range h.written {
		if !present[v] && !h.gone[v] {
			h.t.Fatalf("step %d: value %s is held by no replica", step, v)
		}
	}
}

var watchValue = flag.String("converge.watch", "", "trace the unit holding this value")

var watched = map[int]string{}

// watch logs, on every replica, the state of the unit that first held the
// watched value.
func (h *harness) watch() {
	if *watchValue == "" {
		return
	}
	for i, s := range h.stores {
		for _, r := range allRecords(h.t, s, h.ws.ID) {
			for _, f := range r.Fields {
				hit := f.Value.Text() == *watchValue
				for _, l := range f.Losers {
					hit = hit || l.Value.Text() == *watchValue
				}
				if hit {
					line := fmt.Sprintf("%s %s.%d@%d losers %v", f.Value.Text(), f.Winner.Replica.String()[:8], f.Winner.Tick, f.Winner.HLC, f.Losers)
					if watched[i] == line {
						continue
					}
					watched[i] = line
					h.logf("  watch r%d %s %s %s.%d@%d losers %v", i, r.ID, f.Value.Text(), f.Winner.Replica.String()[:8], f.Winner.Tick, f.Winner.HLC, f.Losers)
				}
			}
		}
	}
}

// allRecords reads every record, deleted ones included.
func allRecords(t testing.TB, s *Store, ws uuid.UUID) []*Record {
	t.Helper()
	var out []*Record
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		return st.items.ForEach(func(k, v []byte) error {
			r, err := st.readRecord(uuid.UUID(k), v, rc)
			out = append(out, r)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConvergence(t *testing.T) {
	seeds := []uint64{}
	if *convergeSeed != 0 {
		seeds = append(seeds, *convergeSeed)
	} else {
		for i := 1; i <= *convergeSeeds; i++ {
			seeds = append(seeds, uint64(i))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Logf("seed %d (rerun with -converge.seed=%d)", seed, seed)
			h := newHarness(t, seed, 5)
			for i := 0; i < *convergeSteps; i++ {
				h.step()
				if *convergeTrace {
					h.checkNothingLost(i)
					h.watch()
				}
			}
			h.heal()
			h.check()
		})
	}
}
