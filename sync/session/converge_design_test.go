package session_test

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/replica/knowledge"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/sync/session"
	"github.com/grove-team/grove/sync/transport"
	"github.com/grove-team/grove/sync/wire"
)

var (
	netDesignSeeds = flag.Int("net.design.seeds", 4, "seeds for the protocol-level convergence harness with design changes (2 with -short)")
	netDesignSteps = flag.Int("net.design.steps", 150, "random steps per seed of the harness with design changes")
	netDesignSeed  = flag.Uint64("net.design.seed", 0, "run only this seed of the harness with design changes")
	netDesignTrace = flag.Bool("net.design.trace", false, "log every step of the harness with design changes")
)

var (
	fCount = uuid.MustParse("6d0b1f3e-2a9c-4c11-8e0a-3b7e2f1d9c04")
	fTag   = uuid.MustParse("6d0b1f3e-2a9c-4c11-8e0a-3b7e2f1d9c05")
)

// tagPool is every choice Tag may have; Customer is never removed, so a
// record can always be fixed with it.
var tagPool = []string{"Customer", "Supplier", "Friend", "Partner"}

// designedTool is the harness's tool: Contacts with a Count (text at
// first) and a Tag choice.
func designedTool() *schema.Tool {
	t := tool()
	t.Fields = append(t.Fields,
		schema.Field{ID: fCount, Name: "Count", Type: schema.Text},
		schema.Field{ID: fTag, Name: "Tag", Type: schema.Choice, Choices: slices.Clone(tagPool)})
	return t
}

var errCut = errors.New("connection cut after a batch")

// batchCut is a replica that closes its connection when the batch after
// its first k arrives: the session ends between batches, the k applied
// ones committed and the next one lost in flight.
type batchCut struct {
	*replica.Store
	k    int
	conn io.Closer
}

func (c *batchCut) Apply(ws uuid.UUID, sc replica.Scope, from identity.DeviceID, b *replica.Batch) (replica.ApplyResult, error) {
	if c.k == 0 {
		c.conn.Close()
		return replica.ApplyResult{}, errCut
	}
	c.k--
	return c.Store.Apply(ws, sc, from, b)
}

// cutPlan says how a session ends early: after bytes written by the
// client (-1: never), or on the client's or the server's side after k
// batches applied (-1: never).
type cutPlan struct {
	bytes            int64
	clientK, serverK int
}

var noCut = cutPlan{bytes: -1, clientK: -1, serverK: -1}

func (p cutPlan) cuts() bool { return p.bytes >= 0 || p.clientK >= 0 || p.serverK >= 0 }

// designNet is the protocol-level harness with design changes: two
// managers (r0, r1) change the design while everyone edits records, and
// replicas sync only through real sessions over pipes or TLS on loopback.
type designNet struct {
	*netHarness
	extra int
	// refusing[i]: replica i holds a peer's design it refused.
	refusing []bool
	stats    designStats
}

type designStats struct {
	committed, localRefused int // managers' design changes
	peerRefused, reapplied  int // a replica began refusing; stopped, during the steps
	healed, fixRounds       int // stopped while healing; rounds of fixes needed
	fixedRecords            int
	sessions, tls, cut      int
	ended                   int // cut sessions that did end early
}

func (s *designStats) add(o designStats) {
	s.committed += o.committed
	s.localRefused += o.localRefused
	s.peerRefused += o.peerRefused
	s.reapplied += o.reapplied
	s.healed += o.healed
	s.fixRounds += o.fixRounds
	s.fixedRecords += o.fixedRecords
	s.sessions += o.sessions
	s.tls += o.tls
	s.cut += o.cut
	s.ended += o.ended
}

func newDesignNet(t *testing.T, seed uint64, n int) *designNet {
	h := &designNet{netHarness: newNetHarness(t, seed, n), refusing: make([]bool, n)}
	r0 := h.stores[0]
	if _, err := r0.ApplyDesign(h.ws.ID, designedTool()); err != nil {
		t.Fatal(err)
	}
	d1, _ := h.stores[1].Device()
	if err := r0.PutMember(h.ws.ID, replica.Member{Device: d1.ID, Name: "r1", Role: replica.RoleManager}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		h.sync(0, i, replica.Both, noCut, false)
	}
	return h
}

func (h *designNet) logf(format string, args ...any) {
	if *netDesignTrace {
		h.t.Logf(format, args...)
	}
}

// links returns the two ends of a connection from a to b: a pipe, or TLS
// on loopback with both devices' certificates.
func (h *designNet) links(a, b int, useTLS bool) (cli, srv io.ReadWriteCloser) {
	if !useTLS {
		return net.Pipe()
	}
	da, _ := h.stores[a].Device()
	db, _ := h.stores[b].Device()
	ca, err := transport.Certificate(da.Key)
	if err != nil {
		h.t.Fatal(err)
	}
	cb, err := transport.Certificate(db.Key)
	if err != nil {
		h.t.Fatal(err)
	}
	l, err := transport.Listen("127.0.0.1:0", cb)
	if err != nil {
		h.t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan *transport.Conn, 1)
	go func() {
		c, _ := l.AcceptConn(context.Background())
		accepted <- c
	}()
	cc, err := transport.Dial(context.Background(), l.Addr().String(), ca, db.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil || sc.Peer != da.ID {
		h.t.Fatal("TLS accept failed or proved the wrong device")
	}
	return cc, sc
}

// sync runs one session from a (client) to b (server), cut as planned.
// An uncut session must succeed; a cut one may fail, but never for a
// reason other than the cut.
func (h *designNet) sync(a, b int, dir replica.Direction, plan cutPlan, useTLS bool) {
	h.stats.sessions++
	if useTLS {
		h.stats.tls++
	}
	if plan.cuts() {
		h.stats.cut++
	}
	crw, srw := h.links(a, b, useTLS)
	cl := &cutter{ReadWriteCloser: crw}
	cl.left.Store(1 << 62)
	if plan.bytes >= 0 {
		cl.left.Store(plan.bytes)
	}
	var cs, ss session.Store = h.stores[a], h.stores[b]
	if plan.clientK >= 0 {
		cs = &batchCut{Store: h.stores[a], k: plan.clientK, conn: crw}
	}
	if plan.serverK >= 0 {
		ss = &batchCut{Store: h.stores[b], k: plan.serverK, conn: srw}
	}
	da, _ := h.stores[a].Device()
	db, _ := h.stores[b].Device()
	serverBatch := 1 + h.rng.IntN(5)
	done := make(chan error, 1)
	go func() {
		defer srw.Close()
		sc := session.New(srw, db.ID, da.ID)
		sc.BatchItems = serverBatch
		if err := sc.Handshake(false); err != nil {
			done <- nil // the client failed first; it reports why
			return
		}
		done <- sc.Serve(ss, session.Hooks{})
	}()
	cc := session.New(cl, da.ID, db.ID)
	cc.BatchItems = 1 + h.rng.IntN(5)
	err := cc.Handshake(true)
	if err == nil {
		_, err = cc.Sync(cs, session.Request{Workspace: h.ws.ID, Mapping: uuid.New(), Direction: dir, Scopes: replica.Scopes})
	}
	crw.Close()
	serr := <-done
	if err != nil || serr != nil {
		h.stats.ended++
		h.logf("session r%d->r%d ended early: client %v, server %v", a, b, err, serr)
	}
	if !plan.cuts() && (err != nil || serr != nil) {
		h.t.Fatalf("uncut session r%d->r%d: client %v, server %v", a, b, err, serr)
	}
	for _, e := range []error{err, serr} {
		for _, bad := range []error{replica.ErrCorrupt, replica.ErrRoleTooLow, replica.ErrNotMember, replica.ErrKnowledgeClaim,
			replica.ErrInvalidInput, replica.ErrUnsignedDesign, wire.ErrMalformed} {
			if errors.Is(e, bad) {
				h.t.Fatalf("session r%d->r%d (cut %+v): %v", a, b, plan, e)
			}
		}
	}
}

// localTool is the harness tool as replica s shows it.
func (h *designNet) localTool(s *replica.Store) *schema.Tool {
	tools, err := s.Tools(h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	i := slices.IndexFunc(tools, func(t *schema.Tool) bool { return t.ID == toolID })
	if i < 0 {
		h.t.Fatal("the tool is gone")
	}
	return tools[i]
}

// fitting returns values of Count and Tag valid under t; with bad set, a
// text Count that no number conversion accepts, when Count is text.
func (h *designNet) fitting(t *schema.Tool, bad bool) map[uuid.UUID]schema.Value {
	out := map[uuid.UUID]schema.Value{}
	n := h.rng.IntN(1000)
	switch f, _ := t.FieldByID(fCount); {
	case f.Type == schema.Number:
		out[fCount] = schema.NumberValue(float64(n))
	case bad:
		out[fCount] = schema.TextValue("about " + strconv.Itoa(n))
	default:
		out[fCount] = schema.TextValue(strconv.Itoa(n))
	}
	if f, _ := t.FieldByID(fTag); len(f.Choices) > 0 {
		out[fTag] = schema.ChoiceValue(f.Choices[h.rng.IntN(len(f.Choices))])
	}
	return out
}

// put writes values to a record (uuid.Nil: a new one), sometimes with
// Count and Tag, some of them values a later design will not accept. A
// record holding values another design gave (a Tag choice removed here,
// a Count of the other type) is given fitting ones, as its next edit in
// the application would be. Count and Tag are not tracked: a design's
// migration supersedes them.
func (h *designNet) put(s *replica.Store, id uuid.UUID, vals map[uuid.UUID]schema.Value) uuid.UUID {
	t := h.localTool(s)
	if h.rng.IntN(3) == 0 {
		for f, v := range h.fitting(t, h.rng.IntN(4) == 0) {
			vals[f] = v
		}
	}
	got, err := s.PutRecord(h.ws.ID, toolID, id, vals)
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		for f, v := range h.fitting(t, false) {
			vals[f] = v
		}
		got, err = s.PutRecord(h.ws.ID, toolID, id, vals)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func (h *designNet) step() {
	i := h.rng.IntN(len(h.stores))
	s := h.stores[i]
	ids := h.ids(s)
	switch op := h.rng.IntN(100); {
	case op < 18 || len(ids) == 0:
		v1, v2 := h.value(), h.value()
		id := h.put(s, uuid.Nil, map[uuid.UUID]schema.Value{fName: v1, fCity: v2})
		h.created[id] = true
		h.written[v1.Text()], h.written[v2.Text()] = true, true
		h.logf("r%d create %s", i, id)
	case op < 46:
		id := ids[h.rng.IntN(len(ids))]
		f := []uuid.UUID{fName, fCity}[h.rng.IntN(2)]
		h.supersede(s, id, f)
		v := h.value()
		h.put(s, id, map[uuid.UUID]schema.Value{f: v})
		h.written[v.Text()] = true
	case op < 51: // Count and Tag only, sometimes a Count a number field refuses
		id := ids[h.rng.IntN(len(ids))]
		h.put(s, id, h.fitting(h.localTool(s), h.rng.IntN(3) == 0))
	case op < 56:
		id := ids[h.rng.IntN(len(ids))]
		h.logf("r%d delete %s", i, id)
		if err := s.DeleteRecord(h.ws.ID, id); err != nil {
			h.t.Fatal(err)
		}
	case op < 61:
		h.resolveOne(s)
	case op < 64: // a process restart
		if err := s.Close(); err != nil {
			h.t.Fatal(err)
		}
		h.open(i)
	case op < 67: // partition or heal
		heal := h.rng.IntN(2) == 0
		for j := range h.group {
			h.group[j] = 0
			if !heal {
				h.group[j] = h.rng.IntN(2)
			}
		}
		h.logf("groups %v", h.group)
	case op < 75:
		h.designStep()
	default:
		a, b := h.rng.IntN(len(h.stores)), h.rng.IntN(len(h.stores))
		if a == b || h.group[a] != h.group[b] {
			return
		}
		plan := noCut
		switch h.rng.IntN(6) {
		case 0:
			plan.bytes = int64(h.rng.IntN(3000))
		case 1:
			plan.clientK = h.rng.IntN(4)
		case 2:
			plan.serverK = h.rng.IntN(4)
		}
		dir := []replica.Direction{replica.Both, replica.Push, replica.Pull}[h.rng.IntN(3)]
		useTLS := h.rng.IntN(5) == 0
		h.logf("sync r%d->r%d dir %v cut %+v tls %v", a, b, dir, plan, useTLS)
		h.sync(a, b, dir, plan, useTLS)
	}
}

// resolveOne resolves a random conflict of a text field or of a record's
// existence; design conflicts and Count/Tag ones are settled by a
// manager's next design or the record's next edit.
func (h *designNet) resolveOne(s *replica.Store) {
	cs, err := s.Conflicts(h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	cs = slices.DeleteFunc(cs, func(c replica.Conflict) bool {
		return c.Scope != replica.ScopeData || c.Unit == fCount || c.Unit == fTag
	})
	if len(cs) == 0 {
		return
	}
	c := cs[h.rng.IntN(len(cs))]
	if c.IsExistence() {
		if err := s.RestoreRecord(h.ws.ID, c.Item); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	r, err := s.Record(h.ws.ID, c.Item)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, fs := range r.Fields {
		if fs.Field != c.Unit {
			continue
		}
		keep := fs.Value
		if len(fs.Losers) > 0 && h.rng.IntN(2) == 0 {
			keep = fs.Losers[0].Value
		}
		h.supersede(s, c.Item, c.Unit)
		if err := s.ResolveField(h.ws.ID, c.Item, c.Unit, keep); err != nil {
			h.t.Fatal(err)
		}
	}
}

// designStep has a manager change the design: add a field, retype Count
// between text and number (refused by records holding a Count that is no
// number), or remove or add back a Tag choice. A change its own records
// do not fit is refused and recorded, as in the application.
func (h *designNet) designStep() {
	i := h.rng.IntN(2)
	s := h.stores[i]
	t := h.localTool(s).Clone()
	switch h.rng.IntN(3) {
	case 0:
		h.extra++
		t.Fields = append(t.Fields, schema.Field{ID: uuid.New(), Name: fmt.Sprintf("Extra %d", h.extra), Type: schema.Text})
	case 1:
		f, _ := t.FieldByID(fCount)
		f.Type = map[schema.FieldType]schema.FieldType{schema.Text: schema.Number, schema.Number: schema.Text}[f.Type]
	case 2:
		f, _ := t.FieldByID(fTag)
		c := tagPool[1+h.rng.IntN(len(tagPool)-1)]
		if j := slices.Index(f.Choices, c); j >= 0 {
			f.Choices = slices.Delete(f.Choices, j, j+1)
		} else {
			f.Choices = append(f.Choices, c)
		}
	}
	rep, err := s.ApplyDesign(h.ws.ID, t)
	h.logf("r%d design: %s: %v", i, rep.Diff, err)
	switch {
	case errors.Is(err, replica.ErrDesignRejected):
		h.stats.localRefused++
	case errors.Is(err, schema.ErrInvalidDesign):
	case err != nil:
		h.t.Fatal(err)
	case !rep.Diff.Empty():
		h.stats.committed++
	}
}

// peerRejections returns the refused peer designs replica s holds.
func (h *designNet) peerRejections(s *replica.Store) []replica.DesignRejection {
	rejs, err := s.DesignRejections(h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return slices.DeleteFunc(rejs, func(r replica.DesignRejection) bool { return r.Source != "peer" })
}

// observe counts replicas that begin, or stop, refusing a peer's design.
func (h *designNet) observe() {
	for i, s := range h.stores {
		now := len(h.peerRejections(s)) > 0
		switch {
		case now && !h.refusing[i]:
			h.stats.peerRefused++
			h.logf("r%d refuses a peer's design", i)
		case !now && h.refusing[i]:
			h.stats.reapplied++
			h.logf("r%d applied the design it refused", i)
		}
		h.refusing[i] = now
	}
}

// heal syncs every pair both ways, twice around, uncut.
func (h *designNet) heal() {
	for round := 0; round < 2; round++ {
		for a := range h.stores {
			for b := range h.stores {
				if a != b {
					h.sync(a, b, replica.Both, noCut, false)
				}
			}
		}
	}
}

// fixRefused fixes, on every replica that refused a peer's design, the
// records the rejection names, as their owner would; it reports whether
// any replica still refuses one.
func (h *designNet) fixRefused() bool {
	pending := false
	for i, s := range h.stores {
		for _, r := range h.peerRejections(s) {
			pending = true
			for _, p := range r.Problems {
				h.logf("r%d fixes %s", i, p)
				if p.Record == uuid.Nil {
					continue
				}
				vals := h.fitting(h.localTool(s), false)
				vals[fTag] = schema.ChoiceValue("Customer")
				if _, err := s.PutRecord(h.ws.ID, toolID, p.Record, vals); err != nil {
					h.t.Fatal(err)
				}
				h.stats.fixedRecords++
			}
		}
	}
	return pending
}

// dump renders a scope of a replica exactly: every item with every unit's
// versions (replica ID, tick, HLC, flag, value) and causal context, the
// scope's knowledge, and the workspace's conflicts of that scope.
func (h *designNet) dump(s *replica.Store, sc replica.Scope) string {
	e, err := s.NewEnumerator(h.ws.ID, sc, replica.Knowledge{Set: knowledge.New()})
	if err != nil {
		h.t.Fatal(err)
	}
	units := map[string]string{}
	for {
		b, err := e.Next(64, 1<<20)
		if err != nil {
			h.t.Fatal(err)
		}
		if b == nil {
			break
		}
		id := func(r uint32) string { return b.Replicas[r].ID.String()[:8] }
		for _, it := range b.Items {
			for _, u := range it.Units {
				var vs, ctx []string
				for _, v := range u.Versions {
					vs = append(vs, fmt.Sprintf("%s.%d@%d/%v=%s", id(v.Replica), v.Tick, v.HLC, v.Refused, hex.EncodeToString(v.Value)))
				}
				for _, d := range u.Context {
					ctx = append(ctx, fmt.Sprintf("%s.%d", id(d.Replica), d.Tick))
				}
				sort.Strings(vs)
				sort.Strings(ctx)
				units[it.ID.String()+"/"+u.ID.String()] = strings.Join(vs, " ") + " seen " + strings.Join(ctx, " ")
			}
		}
	}
	var lines []string
	for k, v := range units {
		lines = append(lines, k+" "+v)
	}
	k, err := s.Knowledge(h.ws.ID, sc)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, r := range k.Set.Replicas() {
		lines = append(lines, fmt.Sprint("knows ", k.Replicas[r].ID, k.Set.Set(r).Ranges()))
	}
	cs, err := s.Conflicts(h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Scope == sc {
			lines = append(lines, fmt.Sprint("conflict ", c.Item, " ", c.Unit))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// check asserts that every replica holds the same items, knowledge and
// conflicts in both scopes, that none refuses a design, and that every
// value written is current, a kept loser, or was superseded knowingly.
func (h *designNet) check() {
	for _, sc := range replica.Scopes {
		want := h.dump(h.stores[0], sc)
		for i, s := range h.stores[1:] {
			if got := h.dump(s, sc); got != want {
				h.t.Fatalf("replica %d scope %s differs from replica 0:\n%s\n---\n%s", i+1, sc, got, want)
			}
		}
	}
	for i, s := range h.stores {
		if rejs := h.peerRejections(s); len(rejs) > 0 {
			h.t.Fatalf("replica %d still refuses %+v", i, rejs)
		}
	}
	values := map[string]bool{}
	for id := range h.created {
		r, err := h.stores[0].Record(h.ws.ID, id)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, f := range r.Fields {
			values[f.Value.Text()] = true
			for _, l := range f.Losers {
				values[l.Value.Text()] = true
			}
		}
	}
	for v := range h.written {
		if !values[v] && !h.gone[v] {
			h.t.Fatalf("value %s lost: neither current, a kept loser, nor superseded knowingly", v)
		}
	}
}

// TestConvergenceWithDesignsOverProtocol: five replicas, two of them
// managers who change the design, edit at random and sync only through
// real sessions over pipes and TLS on loopback (random directions and
// batch sizes, sessions cut after k batches or at a random byte,
// restarts, partitions). A replica whose records do not fit a peer's
// design refuses it and is offered it again; after healing, and the
// owners fixing the records a refused design names, every replica holds
// the same items, knowledge and conflicts in both scopes, and no written
// value is lost.
func TestConvergenceWithDesignsOverProtocol(t *testing.T) {
	n := *netDesignSeeds
	if testing.Short() && n > 2 {
		n = 2
	}
	var seeds []uint64
	if *netDesignSeed != 0 {
		seeds = append(seeds, *netDesignSeed)
	} else {
		for i := 1; i <= n; i++ {
			seeds = append(seeds, uint64(200+i))
		}
	}
	var total designStats
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d (rerun with -net.design.seed=%d -net.design.trace)", seed, seed)
			h := newDesignNet(t, seed, 5)
			for i := 0; i < *netDesignSteps; i++ {
				h.step()
				h.observe()
			}
			steps := h.stats
			h.heal()
			h.observe()
			for h.fixRefused() {
				h.stats.fixRounds++
				if h.stats.fixRounds > 5 {
					t.Fatal("replicas still refuse designs after 5 rounds of fixes")
				}
				h.heal()
			}
			h.check()
			h.observe()
			h.stats.healed = h.stats.reapplied - steps.reapplied
			h.stats.reapplied = steps.reapplied
			t.Logf("%+v", h.stats)
			total.add(h.stats)
		})
	}
	t.Logf("%d seeds x %d steps: %+v", len(seeds), *netDesignSteps, total)
}
