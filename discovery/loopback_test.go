package discovery

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestTwoServicesOnLoopback runs two services on lo in a private namespace:
// they find each other, see name, port, ID and address, and notice a clean
// stop, a MarkGone and a restart.
func TestTwoServicesOnLoopback(t *testing.T) {
	requireIsolated(t)
	const period = 500 * time.Millisecond
	devA, devB := newDevice(t), newDevice(t)
	a := startService(t, Config{Interfaces: []string{"lo"}, Device: devA, Name: "Ada's laptop", Port: 7001, Announce: period})
	b := startService(t, Config{Interfaces: []string{"lo"}, Device: devB, Name: "Bob.desk", Port: 7002, Announce: period})

	seenB := waitFor(t, a.events, 10*time.Second, "A sees B", is(PeerAppeared, devB)).Peer
	seenA := waitFor(t, b.events, 10*time.Second, "B sees A", is(PeerAppeared, devA)).Peer
	checkPeer(t, seenB, devB, "Bob.desk", 7002, b.Instance())
	checkPeer(t, seenA, devA, "Ada's laptop", 7001, a.Instance())
	if got, ok := a.Lookup(devB); !ok || got.Port != 7002 {
		t.Errorf("A.Lookup(B) = %+v, %v", got, ok)
	}
	if _, ok := a.Lookup(devA); ok {
		t.Errorf("A lists itself")
	}

	a.MarkGone(devB)
	ev := waitFor(t, a.events, time.Second, "gone after MarkGone", is(PeerGone, devB))
	if ev.Reason != GoneMarked {
		t.Errorf("reason %v, want marked", ev.Reason)
	}
	waitFor(t, a.events, 10*time.Second, "B back after MarkGone", is(PeerAppeared, devB))

	if err := b.Run(context.Background()); !errors.Is(err, ErrAlreadyRun) {
		t.Errorf("second Run: %v, want ErrAlreadyRun", err)
	}

	// Restart B under the same device: a new instance ID. The old one stops
	// in the background, as a restarting process would exit.
	stopped := make(chan time.Duration, 1)
	go func() { stopped <- b.stop() }()
	b2 := startService(t, Config{Interfaces: []string{"lo"}, Device: devB, Name: "Bob.desk", Port: 7002, Announce: period})
	// The first B's goodbye names its own instance: it never removes the
	// second. If it arrives more than GoodbyeGrace before the second B
	// announces itself, A drops B for that second and sees it appear anew.
	ev = waitFor(t, a.events, 10*time.Second, "B restart", func(ev Event) bool {
		return ev.Peer.Device == devB && ev.Kind != PeerUpdated
	})
	if ev.Kind == PeerGone && ev.Reason == GoneGoodbye {
		t.Logf("the first B's goodbye came well before the second B's announcement")
		ev = waitFor(t, a.events, 10*time.Second, "B back", is(PeerAppeared, devB))
	} else if ev.Kind != PeerRestarted {
		t.Errorf("after restart got %v (%v), want restarted", ev.Kind, ev.Reason)
	}
	if ev.Peer.Instance != b2.Instance() {
		t.Errorf("after restart A has instance %s, want %s", ev.Peer.Instance, b2.Instance())
	}

	t.Logf("first B's Run returned %v after cancel", <-stopped)

	// Clean stop: the goodbye, or expiry if that came first (the period is
	// short here; TestCleanStopSaysGoodbye tells them apart).
	start := time.Now()
	b2.stop()
	ev = waitFor(t, a.events, 10*time.Second, "B gone after clean stop", is(PeerGone, devB))
	t.Logf("clean stop noticed after %v (%v)", time.Since(start), ev.Reason)
	if len(a.Peers()) != 0 {
		t.Errorf("A still lists %v", a.Peers())
	}
}

// TestCleanStopSaysGoodbye stops a service cleanly: the other one drops it
// because of its mDNS goodbye (GoneGoodbye), long before expiry could
// (three default periods, 30 s). A service killed without a goodbye still
// goes by expiry (TestMultiHost).
func TestCleanStopSaysGoodbye(t *testing.T) {
	requireIsolated(t)
	devA, devB := newDevice(t), newDevice(t)
	a := startService(t, Config{Interfaces: []string{"lo"}, Device: devA, Name: "Laptop", Port: 7001})
	b := startService(t, Config{Interfaces: []string{"lo"}, Device: devB, Name: "Laptop", Port: 7002})
	waitFor(t, a.events, 10*time.Second, "A sees B", is(PeerAppeared, devB))
	waitFor(t, b.events, 10*time.Second, "B sees A", is(PeerAppeared, devA))
	if p, _ := a.table.lookup(devB); p.host != hostName(devB.String()) {
		t.Errorf("B's host name seen by A: %q, want %q", p.host, hostName(devB.String()))
	}

	start := time.Now()
	go b.stop()
	gone := waitFor(t, a.events, 25*time.Second, "B gone after clean stop", is(PeerGone, devB))
	t.Logf("B's clean stop noticed by A after %v (grace %v)", time.Since(start), GoodbyeGrace)
	if gone.Reason != GoneGoodbye {
		t.Errorf("B left A's table with reason %v, want %v", gone.Reason, GoneGoodbye)
	}
	if _, ok := a.Lookup(devB); ok || len(a.Peers()) != 0 {
		t.Errorf("A still lists %v", a.Peers())
	}
}

func checkPeer(t *testing.T, p Peer, dev interface{ String() string }, name string, port int, inst string) {
	t.Helper()
	if p.Device.String() != dev.String() || p.Name != name || p.Port != port || p.Instance != inst || p.Version != DefaultVersion {
		t.Errorf("peer %+v, want %s %q port %d inst %s", p, dev, name, port, inst)
	}
	if !slices.Contains(p.Addrs, netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("peer addresses %v lack 127.0.0.1", p.Addrs)
	}
	if got := p.Addresses(); len(got) == 0 || got[0] != "127.0.0.1:"+itoa(port) {
		t.Errorf("Addresses() = %v", got)
	}
}

// TestRunLeavesNoGoroutines checks that once Run has returned, every
// goroutine it (and the library) started has ended.
func TestRunLeavesNoGoroutines(t *testing.T) {
	requireIsolated(t)
	before := runtime.NumGoroutine()
	devA, devB := newDevice(t), newDevice(t)
	a := startService(t, Config{Interfaces: []string{"lo"}, Device: devA, Name: "A", Port: 7001, Announce: 300 * time.Millisecond})
	b := startService(t, Config{Interfaces: []string{"lo"}, Device: devB, Name: "B", Port: 7002, Announce: 300 * time.Millisecond})
	waitFor(t, a.events, 10*time.Second, "A sees B", is(PeerAppeared, devB))
	waitFor(t, b.events, 10*time.Second, "B sees A", is(PeerAppeared, devA))
	time.Sleep(time.Second) // let several browse cycles come and go
	during := runtime.NumGoroutine()
	a.stop()
	b.stop()
	immediately := runtime.NumGoroutine()
	after := settleGoroutines(before, 5*time.Second)
	t.Logf("goroutines: before %d, running %d, right after Run returned %d, settled %d", before, during, immediately, after)
	if after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines leaked:\n%s", after-before, buf[:runtime.Stack(buf, true)])
	}
}
