package session_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/sync/session"
)

var (
	netSeeds = flag.Int("net.seeds", 6, "seeds for the protocol-level convergence harness")
	netSteps = flag.Int("net.steps", 150, "random steps per seed")
)

// cutter is a stream that fails after a byte budget, as a dropped
// connection would, mid-batch or anywhere.
type cutter struct {
	io.ReadWriteCloser
	left atomic.Int64
}

func (c *cutter) Write(p []byte) (int, error) {
	if c.left.Add(-int64(len(p))) < 0 {
		c.ReadWriteCloser.Close()
		return 0, errors.New("connection cut")
	}
	return c.ReadWriteCloser.Write(p)
}

// netHarness drives replicas that sync only through the protocol.
type netHarness struct {
	t       *testing.T
	rng     *rand.Rand
	dirs    []string
	stores  []*replica.Store
	ws      replica.Workspace
	group   []int
	written map[string]bool
	gone    map[string]bool
	seq     int
	created map[uuid.UUID]bool // every record ever created, deleted ones too
}

func (h *netHarness) open(i int) {
	s, err := replica.Open(h.dirs[i], replica.Options{NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	h.stores[i] = s
}

func newNetHarness(t *testing.T, seed uint64, n int) *netHarness {
	h := &netHarness{t: t, rng: rand.New(rand.NewPCG(seed, 99)), stores: make([]*replica.Store, n), group: make([]int, n),
		written: map[string]bool{}, gone: map[string]bool{}, created: map[uuid.UUID]bool{}}
	for i := 0; i < n; i++ {
		h.dirs = append(h.dirs, t.TempDir())
		h.open(i)
		h.stores[i].Init(fmt.Sprint("r", i))
	}
	t.Cleanup(func() {
		for _, s := range h.stores {
			if err := s.Check(); err != nil {
				t.Errorf("consistency: %v", err)
			}
			s.Close()
		}
	})
	var err error
	if h.ws, err = h.stores[0].CreateWorkspace("Team", tool()); err != nil {
		t.Fatal(err)
	}
	d0, _ := h.stores[0].Device()
	for i := 1; i < n; i++ {
		di, _ := h.stores[i].Device()
		h.stores[0].PutMember(h.ws.ID, replica.Member{Device: di.ID, Name: fmt.Sprint("r", i), Role: replica.RoleParticipant})
		h.stores[i].JoinWorkspace(h.ws.ID, h.ws.Name, d0.ID)
	}
	for i := 1; i < n; i++ { // everyone learns every membership
		h.session(0, i, replica.Both, -1)
	}
	return h
}

// session runs one protocol session between a (client) and b (server)
// over a pipe cut after budget bytes (-1: never). Errors from cuts are
// expected; anything else fails the test.
func (h *netHarness) session(a, b int, dir replica.Direction, budget int64) {
	ca, cb := net.Pipe()
	cl := &cutter{ReadWriteCloser: ca}
	cl.left.Store(1 << 62)
	if budget >= 0 {
		cl.left.Store(budget)
	}
	da, _ := h.stores[a].Device()
	db, _ := h.stores[b].Device()
	done := make(chan error, 1)
	go func() {
		sc := session.New(cb, db.ID, da.ID)
		if err := sc.Handshake(false); err != nil {
			done <- nil
			return
		}
		done <- sc.Serve(h.stores[b], session.Hooks{})
		cb.Close()
	}()
	cc := session.New(cl, da.ID, db.ID)
	cc.BatchItems = 1 + h.rng.IntN(5)
	var err error
	if err = cc.Handshake(true); err == nil {
		_, err = cc.Sync(h.stores[a], session.Request{Workspace: h.ws.ID, Mapping: uuid.New(), Direction: dir, Scopes: replica.Scopes})
	}
	ca.Close()
	serr := <-done
	if budget < 0 && (err != nil || serr != nil) {
		h.t.Fatalf("uncut session %d->%d: client %v, server %v", a, b, err, serr)
	}
	for _, e := range []error{err, serr} {
		if e != nil && (errors.Is(e, replica.ErrCorrupt) || errors.Is(e, replica.ErrRoleTooLow) || errors.Is(e, replica.ErrNotMember)) {
			h.t.Fatalf("session %d->%d: %v", a, b, e)
		}
	}
}

func (h *netHarness) value() schema.Value {
	h.seq++
	return schema.TextValue(fmt.Sprint("v", h.seq))
}

func (h *netHarness) ids(s *replica.Store) []uuid.UUID {
	var ids []uuid.UUID
	s.Records(h.ws.ID, uuid.Nil, func(r *replica.Record) error { ids = append(ids, r.ID); return nil })
	return ids
}

func (h *netHarness) supersede(s *replica.Store, id, f uuid.UUID) {
	r, err := s.Record(h.ws.ID, id)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, fs := range r.Fields {
		if fs.Field == f {
			h.gone[fs.Value.Text()] = true
			for _, l := range fs.Losers {
				h.gone[l.Value.Text()] = true
			}
		}
	}
}

func (h *netHarness) step() {
	i := h.rng.IntN(len(h.stores))
	s := h.stores[i]
	ids := h.ids(s)
	switch op := h.rng.IntN(100); {
	case op < 20 || len(ids) == 0:
		v1, v2 := h.value(), h.value()
		id, err := s.PutRecord(h.ws.ID, toolID, uuid.Nil, map[uuid.UUID]schema.Value{fName: v1, fCity: v2})
		if err != nil {
			h.t.Fatal(err)
		}
		h.created[id] = true
		h.written[v1.Text()], h.written[v2.Text()] = true, true
	case op < 50:
		id := ids[h.rng.IntN(len(ids))]
		f := []uuid.UUID{fName, fCity}[h.rng.IntN(2)]
		h.supersede(s, id, f)
		v := h.value()
		if _, err := s.PutRecord(h.ws.ID, toolID, id, map[uuid.UUID]schema.Value{f: v}); err != nil {
			h.t.Fatal(err)
		}
		h.written[v.Text()] = true
	case op < 56:
		if err := s.DeleteRecord(h.ws.ID, ids[h.rng.IntN(len(ids))]); err != nil {
			h.t.Fatal(err)
		}
	case op < 62:
		cs, _ := s.Conflicts(h.ws.ID)
		if len(cs) == 0 {
			return
		}
		c := cs[h.rng.IntN(len(cs))]
		if c.Unit == uuid.Nil {
			s.RestoreRecord(h.ws.ID, c.Item)
			return
		}
		r, _ := s.Record(h.ws.ID, c.Item)
		for _, fs := range r.Fields {
			if fs.Field == c.Unit {
				h.supersede(s, c.Item, c.Unit)
				if err := s.ResolveField(h.ws.ID, c.Item, c.Unit, fs.Value); err != nil {
					h.t.Fatal(err)
				}
			}
		}
	case op < 65: // a process restart
		s.Close()
		h.open(i)
	case op < 68: // partition or heal
		heal := h.rng.IntN(2) == 0
		for j := range h.group {
			h.group[j] = 0
			if !heal {
				h.group[j] = h.rng.IntN(2)
			}
		}
	default:
		a, b := h.rng.IntN(len(h.stores)), h.rng.IntN(len(h.stores))
		if a == b || h.group[a] != h.group[b] {
			return
		}
		budget := int64(-1)
		if h.rng.IntN(4) == 0 {
			budget = int64(h.rng.IntN(3000))
		}
		dir := []replica.Direction{replica.Both, replica.Push, replica.Pull}[h.rng.IntN(3)]
		h.session(a, b, dir, budget)
	}
}

func (h *netHarness) heal() {
	for round := 0; round < 2; round++ {
		for a := range h.stores {
			for b := range h.stores {
				if a != b {
					h.session(a, b, replica.Both, -1)
				}
			}
		}
	}
}

// state renders a replica's records, conflicts and knowledge.
func (h *netHarness) state(s *replica.Store) (string, map[string]bool) {
	var lines []string
	values := map[string]bool{}
	all := map[uuid.UUID]bool{}
	for id := range h.created {
		all[id] = true
	}
	cs, _ := s.Conflicts(h.ws.ID)
	for _, c := range cs {
		all[c.Item] = true
		lines = append(lines, fmt.Sprint("conflict ", c.Item, c.Unit))
	}
	for id := range all {
		r, err := s.Record(h.ws.ID, id)
		if err != nil {
			h.t.Fatal(err)
		}
		line := fmt.Sprint(id, r.Deleted)
		for _, f := range r.Fields {
			line += fmt.Sprintf(" %s=%s@%s.%d", f.Field.String()[:4], f.Value.Text(), f.Winner.Replica.String()[:4], f.Winner.Tick)
			values[f.Value.Text()] = true
			for _, l := range f.Losers {
				line += fmt.Sprintf("|%s@%s.%d", l.Value.Text(), l.Replica.String()[:4], l.Tick)
				values[l.Value.Text()] = true
			}
		}
		lines = append(lines, line)
	}
	for _, sc := range replica.Scopes {
		k, _ := s.Knowledge(h.ws.ID, sc)
		var parts []string
		for _, r := range k.Set.Replicas() {
			parts = append(parts, fmt.Sprint(k.Replicas[r].ID, k.Set.Set(r).Ranges()))
		}
		sort.Strings(parts)
		lines = append(lines, "knowledge "+sc.String()+" "+strings.Join(parts, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), values
}

// TestConvergenceOverProtocol: five replicas edit at random and sync only
// through real sessions (random directions, random batch sizes,
// connections cut at random bytes, restarts, partitions). After healing,
// every replica holds the same records, conflicts and knowledge, and every
// value written is current, a kept loser, or was superseded knowingly.
func TestConvergenceOverProtocol(t *testing.T) {
	for seed := uint64(1); seed <= uint64(*netSeeds); seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d (more with -net.seeds)", seed)
			h := newNetHarness(t, seed, 5)
			for i := 0; i < *netSteps; i++ {
				h.step()
			}
			h.heal()
			want, values := h.state(h.stores[0])
			for i, s := range h.stores[1:] {
				if got, _ := h.state(s); got != want {
					t.Fatalf("replica %d differs from replica 0:\n%s\n---\n%s", i+1, got, want)
				}
			}
			for v := range h.written {
				if !values[v] && !h.gone[v] {
					t.Fatalf("value %s lost", v)
				}
			}
		})
	}
}
