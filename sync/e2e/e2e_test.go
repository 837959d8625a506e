package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	// syncDeadline bounds how long a record may take to reach another
	// device by itself (the node syncs 300 ms after a local change).
	syncDeadline = 15 * time.Second
	// seenDeadline bounds how long a running peer may take to show in
	// `grove peers` (it announces itself within about a second, and every
	// browse period of 10 s makes it answer).
	seenDeadline = 25 * time.Second
	// goodbyeDeadline bounds how long a cleanly stopped peer may stay in
	// `grove peers`: its mDNS goodbye removes it after a grace of 1 s.
	// Expiry cannot remove it within this bound (it takes at least two
	// periods, 20 s), so a peer gone by then went by its goodbye.
	goodbyeDeadline = 10 * time.Second
	// goneDeadline bounds how long a departed peer may stay in `grove
	// peers`: discovery drops a peer silent for more than 3 announce periods
	// (3 × 10 s, counted from its last answer, at most a period before it
	// left) at its next period tick, so at most 40 s after it left; plus
	// slack.
	goneDeadline = 55 * time.Second
	// exitDeadline bounds a clean shutdown (discovery waits up to 4 s for
	// the mDNS library's announcement goroutine).
	exitDeadline  = 20 * time.Second
	readyDeadline = 20 * time.Second
	pollEvery     = 100 * time.Millisecond
	basePort      = 7420
)

// TestLANSync runs two, then three devices, each `grove run` in its own
// namespace on one bridged LAN: an invitation and a join, automatic sync
// both ways with no address given, presence in `grove peers`, departures
// (clean stop and crash), and sync to a device that came back on a new port.
func TestLANSync(t *testing.T) {
	l := newLab(t, 3)
	started := time.Now()
	a := l.newDevice("alpha", l.hosts[0])
	b := l.newDevice("bravo", l.hosts[1])
	c := l.newDevice("charlie", l.hosts[2])
	for _, d := range []*device{a, b, c} {
		var id struct {
			DeviceID string `json:"device_id"`
		}
		d.mustJSON(&id, "id")
		if id.DeviceID != d.id {
			t.Fatalf("%s: grove id says %s, grove init said %s", d.name, id.DeviceID, d.id)
		}
	}
	t.Logf("devices: alpha %s @%s, bravo %s @%s, charlie %s @%s", a.id, a.host.IP, b.id, b.host.IP, c.id, c.host.IP)

	a.start(basePort).waitReady(readyDeadline)
	b.start(basePort).waitReady(readyDeadline)

	var ws struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	a.mustJSON(&ws, "workspace", "create", "Team", "--template", "contacts")
	if ws.ID == "" {
		t.Fatal("workspace create printed no id")
	}

	ok := t.Run("two/join", func(t *testing.T) {
		invite(t, a, ws.ID, b, "")
	})
	if !ok {
		t.FailNow()
	}
	t.Run("two/sync", func(t *testing.T) {
		propagate(t, ws.ID, a, b)
		propagate(t, ws.ID, b, a)
	})
	t.Run("two/presence", func(t *testing.T) {
		expectPeer(t, a, b, basePort, ws.Name)
		expectPeer(t, b, a, basePort, ws.Name)
	})

	c.start(basePort).waitReady(readyDeadline)
	ok = t.Run("three/join", func(t *testing.T) {
		before, err := a.records(ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		// charlie's code carries a hint that no longer answers (as if alpha
		// had listened elsewhere when it printed the code): the join finds
		// alpha through discovery.
		invite(t, a, ws.ID, c, fmt.Sprintf("%s:%d", a.host.IP, basePort+79))
		// The join's first sync brings everything alpha had.
		after, err := c.records(ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if missing := missingRecords(before, after); len(missing) > 0 {
			t.Errorf("charlie lacks %v right after joining", missing)
		}
	})
	if !ok {
		t.FailNow()
	}
	t.Run("three/sync", func(t *testing.T) {
		propagate(t, ws.ID, a, b, c)
		propagate(t, ws.ID, c, a, b) // reaches bravo through alpha: bravo and charlie are not partners
		propagate(t, ws.ID, b, a, c)
	})
	t.Run("three/presence", func(t *testing.T) {
		for _, d := range []*device{b, c} {
			expectPeer(t, a, d, basePort, ws.Name)
		}
		expectPeer(t, c, a, basePort, ws.Name)
		// bravo and charlie are no partners, but on one LAN.
		if _, err := waitPeer(b, c, basePort); err != nil {
			t.Error(err)
		}
	})
	t.Run("three/status", func(t *testing.T) {
		checkStatus(t, a, ws.ID, b, c)
	})

	t.Run("departures", func(t *testing.T) {
		// bravo stops cleanly, charlie crashes, at the same moment.
		stopped := time.Now()
		b.proc.signal(syscall.SIGTERM)
		c.proc.signal(syscall.SIGKILL)
		exitErr, exited := b.proc.wait(exitDeadline)
		switch {
		case !exited:
			t.Errorf("bravo did not exit within %v of SIGTERM", exitDeadline)
		case exitErr != nil:
			t.Errorf("bravo exit after SIGTERM: %v\nstderr:\n%s", exitErr, b.proc.stderr.String())
		default:
			t.Logf("bravo exited cleanly %v after SIGTERM", time.Since(stopped).Round(time.Millisecond))
		}
		if _, err := os.Stat(filepath.Join(b.data, "grove.sock")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("bravo's control socket is still there after a clean stop (stat: %v)", err)
		}
		if _, ok := c.proc.wait(exitDeadline); !ok {
			t.Fatalf("charlie did not die after SIGKILL")
		}
		var bGone, cGone time.Duration
		_, ok, state := eventually(goneDeadline, 250*time.Millisecond, func() (bool, string) {
			ps, err := a.peers()
			if err != nil {
				return false, err.Error()
			}
			if _, ok := findPeer(ps, b.id); !ok && bGone == 0 {
				bGone = time.Since(stopped)
			}
			if _, ok := findPeer(ps, c.id); !ok && cGone == 0 {
				cGone = time.Since(stopped)
			}
			return bGone > 0 && cGone > 0, fmt.Sprint(peerIDs(ps))
		})
		if !ok {
			t.Errorf("alpha still lists departed peers %v after stop; bravo gone after %v, charlie after %v (0: not gone)", state, bGone, cGone)
		}
		// bravo's goodbye removes it after discovery's grace (1 s); charlie
		// sent none and goes by expiry, no sooner than two periods (20 s)
		// after it died.
		if bGone == 0 || bGone >= cGone {
			t.Errorf("alpha dropped bravo (clean stop) after %v, charlie (crash) after %v: the goodbye should come first", bGone, cGone)
		}
		if !strings.Contains(a.proc.stderr.String(), "discovery: goodbye from bravo") {
			t.Errorf("alpha logged no goodbye from bravo; its stderr:\n%s", a.proc.stderr.String())
		}
		t.Logf("alpha dropped bravo (SIGTERM, goodbye) after %v, charlie (SIGKILL, expiry) after %v",
			bGone.Round(time.Millisecond), cGone.Round(time.Millisecond))
	})

	t.Run("restart/new-port", func(t *testing.T) {
		// A change while bravo is away, then bravo back on another port:
		// nobody gives an address; the one alpha remembers (7420) no longer
		// answers. bravo runs with --auto=false, so it never syncs by
		// itself and never calls alpha: whatever reaches it was pushed by
		// alpha, to the address alpha found through discovery.
		checkLastAddress(t, a, ws.ID, b, fmt.Sprintf("%s:%d", b.host.IP, basePort))
		whileAway := put(t, a, ws.ID)
		restarted := time.Now()
		b.start(basePort+1, "--auto=false").waitReady(readyDeadline)
		p, err := waitPeer(a, b, basePort+1)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("alpha sees bravo at %v %v after its restart", p.Addresses, time.Since(restarted).Round(time.Millisecond))
		waitRecord(t, ws.ID, whileAway, restarted, "bravo's restart", b)
		propagate(t, ws.ID, a, b)
		checkLastAddress(t, a, ws.ID, b, fmt.Sprintf("%s:%d", b.host.IP, basePort+1))
		// An explicit sync of every partner from bravo, no address given.
		var res []struct {
			Peer  string `json:"peer"`
			Addr  string `json:"addr"`
			Error string `json:"error"`
		}
		b.mustJSON(&res, "sync", "--ws", ws.ID)
		if len(res) != 1 || res[0].Peer != a.id || res[0].Error != "" || res[0].Addr != fmt.Sprintf("%s:%d", a.host.IP, basePort) {
			t.Errorf("grove sync at bravo: %+v, want one sync with alpha at %s:%d", res, a.host.IP, basePort)
		}
	})

	t.Run("restart/before-expiry", func(t *testing.T) {
		// bravo stops and comes back on a third port (syncing by itself
		// again) before alpha forgets it: alpha's pooled connection to bravo
		// is stale, its table entry is replaced by the restarted instance's.
		b.proc.signal(syscall.SIGTERM)
		if err, ok := b.proc.wait(exitDeadline); !ok || err != nil {
			t.Fatalf("bravo SIGTERM: exited %v, %v", ok, err)
		}
		restarted := time.Now()
		b.start(basePort + 2).waitReady(readyDeadline)
		p, err := waitPeer(a, b, basePort+2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("alpha sees restarted bravo at %v %v after its restart", p.Addresses, time.Since(restarted).Round(time.Millisecond))
		propagate(t, ws.ID, a, b)
		propagate(t, ws.ID, b, a)
	})

	t.Run("shutdown", func(t *testing.T) {
		for _, d := range []*device{a, b} {
			stopped := time.Now()
			d.proc.signal(syscall.SIGTERM)
			if err, ok := d.proc.wait(exitDeadline); !ok || err != nil {
				t.Errorf("%s SIGTERM: exited %v, %v", d.name, ok, err)
			} else {
				t.Logf("%s exited cleanly %v after SIGTERM", d.name, time.Since(stopped).Round(time.Millisecond))
			}
		}
		// Every device holds every record in the end (charlie offline).
		ra, err := a.records(ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.records(ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m := missingRecords(ra, rb); len(m) > 0 {
			t.Errorf("bravo lacks %v", m)
		}
		if m := missingRecords(rb, ra); len(m) > 0 {
			t.Errorf("alpha lacks %v", m)
		}
	})
	t.Logf("TestLANSync took %v", time.Since(started).Round(time.Millisecond))
}

// TestPresenceLatency measures, over several runs, the time from a new
// device's `grove run` start until it is in a running device's `grove
// peers`, and until the running device is in the new one's. It asserts
// nothing about time.
func TestPresenceLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement; skipped in -short")
	}
	l := newLab(t, 2)
	a := l.newDevice("alpha", l.hosts[0])
	a.start(basePort).waitReady(readyDeadline)
	const runs = 20
	var banner, theySee, itSees, polls []time.Duration
	for i := 0; i < runs; i++ {
		p := l.newDevice(fmt.Sprint("probe", i), l.hosts[1])
		inst := p.start(basePort)
		var seenByA atomic.Int64
		doneA := make(chan error, 1)
		go func() {
			for time.Since(inst.start) < seenDeadline {
				t0 := time.Now()
				ps, err := a.peers()
				if err != nil {
					doneA <- err
					return
				}
				if len(polls) < 200 {
					polls = append(polls, time.Since(t0)) // only this goroutine appends while it runs
				}
				if _, ok := findPeer(ps, p.id); ok {
					seenByA.Store(int64(time.Since(inst.start)))
					doneA <- nil
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			doneA <- fmt.Errorf("alpha does not list %s after %v", p.name, seenDeadline)
		}()
		took, err := inst.waitBanner(readyDeadline)
		if err != nil {
			t.Fatal(err)
		}
		banner = append(banner, took)
		took, ok, state := eventually(seenDeadline, 20*time.Millisecond, func() (bool, string) {
			ps, err := p.peers() // fails until the control socket serves
			if err != nil {
				return false, err.Error()
			}
			_, ok := findPeer(ps, a.id)
			return ok, fmt.Sprint(peerIDs(ps))
		})
		if !ok {
			t.Fatalf("%s does not list alpha after %v: %s", p.name, took, state)
		}
		itSees = append(itSees, time.Since(inst.start))
		if err := <-doneA; err != nil {
			t.Fatal(err)
		}
		theySee = append(theySee, time.Duration(seenByA.Load()))
		inst.signal(syscall.SIGKILL)
		if _, ok := inst.wait(exitDeadline); !ok {
			t.Fatalf("%s did not die after SIGKILL", p.name)
		}
	}
	t.Logf("`grove run` start → ..., %d runs, each a new device (bridged namespaces, announce period 10 s):", runs)
	t.Logf("  banner printed:                    %s", summary(banner))
	t.Logf("  new device in running one's peers: %s", summary(theySee))
	t.Logf("  running device in new one's peers: %s", summary(itSees))
	t.Logf("  (one `grove peers` poll, the resolution: %s)", summary(polls))
}

// TestGoodbyeLatency measures, over several runs, the time from a clean
// stop (SIGTERM) of a device's `grove run` until a running device's `grove
// peers` no longer lists it. The stopped device's mDNS goodbye removes it;
// expiry could not before goodbyeDeadline, which every run must meet.
func TestGoodbyeLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement; skipped in -short")
	}
	l := newLab(t, 2)
	a := l.newDevice("alpha", l.hosts[0])
	a.start(basePort).waitReady(readyDeadline)
	const runs = 7
	var gone, exited []time.Duration
	for i := 0; i < runs; i++ {
		p := l.newDevice(fmt.Sprint("leaver", i), l.hosts[1])
		inst := p.start(basePort)
		inst.waitReady(readyDeadline)
		if _, err := waitPeer(a, p, basePort); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		inst.signal(syscall.SIGTERM)
		took, ok, state := eventually(goodbyeDeadline, 20*time.Millisecond, func() (bool, string) {
			ps, err := a.peers()
			if err != nil {
				return false, err.Error()
			}
			_, listed := findPeer(ps, p.id)
			return !listed, fmt.Sprint(peerIDs(ps))
		})
		if !ok {
			t.Fatalf("alpha still lists %s %v after its clean stop: %s", p.name, took, state)
		}
		gone = append(gone, took)
		if err, ok := inst.wait(exitDeadline); !ok || err != nil {
			t.Fatalf("%s SIGTERM: exited %v, %v", p.name, ok, err)
		}
		exited = append(exited, time.Since(stopped))
	}
	if n := strings.Count(a.proc.stderr.String(), "discovery: goodbye from leaver"); n < runs {
		t.Errorf("alpha logged %d goodbyes, want %d", n, runs)
	}
	t.Logf("`grove run` SIGTERM → ..., %d runs (bridged namespaces, goodbye grace 1 s, announce period 10 s):", runs)
	t.Logf("  gone from the running device's peers: %s", summary(gone))
	t.Logf("  process exited:                       %s", summary(exited))
}

// invite makes an invitation at inviter and joins with it at joiner, whose
// running instance serves the join. A non-empty hint replaces the
// inviter's own addresses in the code.
func invite(t *testing.T, inviter *device, ws string, joiner *device, hint string) {
	t.Helper()
	var inv struct {
		Code      string   `json:"code"`
		Workspace string   `json:"workspace"`
		Addrs     []string `json:"addrs"`
	}
	args := []string{"invite", "--ws", ws}
	want := fmt.Sprintf("%s:%d", inviter.host.IP, basePort)
	if hint != "" {
		args = append(args, "--addr", hint)
		want = hint
	}
	inviter.mustJSON(&inv, args...)
	if !strings.HasPrefix(inv.Code, "GROVE-") || inv.Workspace != ws {
		t.Fatalf("invite: got %+v", inv)
	}
	if !slices.Equal(inv.Addrs, []string{want}) {
		t.Errorf("invitation hints %v, want [%s]", inv.Addrs, want)
	}
	var joined struct {
		Workspace string `json:"workspace"`
		Name      string `json:"name"`
		Received  int    `json:"received_items"`
	}
	start := time.Now()
	joiner.mustJSON(&joined, "join", inv.Code)
	if joined.Workspace != ws {
		t.Fatalf("join: got %+v, want workspace %s", joined, ws)
	}
	t.Logf("%s joined %q in %v, received %d items", joiner.name, joined.Name, time.Since(start).Round(time.Millisecond), joined.Received)
	// The running instance has the workspace: the join went through it.
	if _, err := joiner.records(ws); err != nil {
		t.Fatalf("after join: %v", err)
	}
}

var putCount atomic.Int64

// put creates a contact with a unique name at d.
func put(t *testing.T, d *device, ws string) record {
	t.Helper()
	name := fmt.Sprintf("Contact %d from %s", putCount.Add(1), d.name)
	return record{id: d.put(ws, name), name: name, from: d.name}
}

type record struct{ id, name, from string }

// propagate puts a contact at from and waits until every device in to
// lists it, with no sync command and no address given.
func propagate(t *testing.T, ws string, from *device, to ...*device) {
	t.Helper()
	start := time.Now()
	r := put(t, from, ws)
	waitRecord(t, ws, r, start, "the put began", to...)
}

// waitRecord waits until every device in to lists r, and logs how long
// after since (described by what) it arrived.
func waitRecord(t *testing.T, ws string, r record, since time.Time, what string, to ...*device) {
	t.Helper()
	for _, d := range to {
		_, ok, state := eventually(syncDeadline, pollEvery, func() (bool, string) {
			rs, err := d.records(ws)
			if err != nil {
				return false, err.Error()
			}
			for _, x := range rs {
				if x.ID == r.id {
					if x.Fields["Name"] == r.name {
						return true, ""
					}
					return false, fmt.Sprintf("has it with fields %v", x.Fields)
				}
			}
			return false, fmt.Sprintf("%d records, not this one", len(rs))
		})
		if !ok {
			t.Errorf("record %s (%q) put at %s is not at %s %v later: %s", r.id, r.name, r.from, d.name, time.Since(since).Round(time.Millisecond), state)
			continue
		}
		t.Logf("%s → %s: record there %v after %s", r.from, d.name, time.Since(since).Round(time.Millisecond), what)
	}
}

// waitPeer waits until at's `grove peers` lists want with its address on
// port.
func waitPeer(at, want *device, port int) (peerJSON, error) {
	addr := fmt.Sprintf("%s:%d", want.host.IP, port)
	var found peerJSON
	took, ok, state := eventually(seenDeadline, pollEvery, func() (bool, string) {
		ps, err := at.peers()
		if err != nil {
			return false, err.Error()
		}
		p, ok := findPeer(ps, want.id)
		if ok && slices.Contains(p.Addresses, addr) {
			found = p
			return true, ""
		}
		return false, fmt.Sprint(peerIDs(ps))
	})
	if !ok {
		return peerJSON{}, fmt.Errorf("%s does not list %s (%s) at %s after %v; it lists %s", at.name, want.name, want.id, addr, took, state)
	}
	return found, nil
}

// expectPeer checks at's entry for want: device ID, name, address and the
// shared workspace.
func expectPeer(t *testing.T, at, want *device, port int, wsName string) {
	t.Helper()
	p, err := waitPeer(at, want, port)
	if err != nil {
		t.Error(err)
		return
	}
	if p.Name != want.name {
		t.Errorf("%s lists %s with name %q", at.name, want.name, p.Name)
	}
	if !slices.Contains(p.Workspaces, wsName) {
		t.Errorf("%s lists %s with shared workspaces %v, want %q among them", at.name, want.name, p.Workspaces, wsName)
	}
	if p.LastSeen.IsZero() || time.Since(p.LastSeen) > 35*time.Second {
		t.Errorf("%s lists %s as last seen at %v", at.name, want.name, p.LastSeen)
	}
}

// checkStatus waits until `grove status` at d reports every partner online
// with nothing lacking on either side.
func checkStatus(t *testing.T, d *device, ws string, partners ...*device) {
	t.Helper()
	type lacks struct {
		Scope    string `json:"scope"`
		WeLack   int    `json:"we_lack"`
		TheyLack int    `json:"they_lack"`
	}
	type partner struct {
		Partner string  `json:"partner"`
		Online  bool    `json:"online"`
		Addr    string  `json:"addr"`
		Lacks   []lacks `json:"lacks"`
		Error   string  `json:"error"`
	}
	_, ok, state := eventually(syncDeadline, 500*time.Millisecond, func() (bool, string) {
		var st []partner
		if err := d.groveJSON(&st, "status", "--ws", ws); err != nil {
			return false, err.Error()
		}
		for _, want := range partners {
			i := slices.IndexFunc(st, func(p partner) bool { return p.Partner == want.id })
			if i < 0 {
				return false, fmt.Sprintf("no partner %s in %+v", want.name, st)
			}
			p := st[i]
			if !p.Online {
				return false, fmt.Sprintf("%s offline: %s", want.name, p.Error)
			}
			for _, l := range p.Lacks {
				if l.WeLack != 0 || l.TheyLack != 0 {
					return false, fmt.Sprintf("with %s at %s: %+v", want.name, p.Addr, p.Lacks)
				}
			}
		}
		return true, ""
	})
	if !ok {
		t.Errorf("grove status at %s: %s", d.name, state)
	}
}

// checkLastAddress checks the address d remembers for partner: the one
// the partner now listens on.
func checkLastAddress(t *testing.T, d *device, ws string, partner *device, want string) {
	t.Helper()
	var ms []struct {
		Workspace string `json:"workspace"`
		Partner   string `json:"partner"`
		LastAddr  string `json:"last_address"`
	}
	d.mustJSON(&ms, "mappings", "list", "--ws", ws)
	for _, m := range ms {
		if m.Partner == partner.id && m.LastAddr != want {
			t.Errorf("%s's mapping with %s remembers %q, want %q", d.name, partner.name, m.LastAddr, want)
		}
	}
}

// missingRecords lists the IDs in want that got lacks.
func missingRecords(want, got []recordJSON) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g recordJSON) bool { return g.ID == w.ID }) {
			out = append(out, w.ID)
		}
	}
	return out
}
