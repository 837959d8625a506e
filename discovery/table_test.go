package discovery

import (
	"net/netip"
	"testing"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// fakeClock is an injectable clock for the table.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

func TestPeerTableEvents(t *testing.T) {
	self := newDevice(t)
	dev := newDevice(t)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tab := newPeerTable(self)
	events, cancel := tab.subscribe(16)
	defer cancel()

	base := Peer{Device: dev, Name: "B", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.2")}, Port: 7000, Instance: "0000000000000001", Version: 1}
	seen := func(p Peer) Peer { p.LastSeen = clock.Now(); return p }
	moved := base
	moved.Addrs = []netip.Addr{netip.MustParseAddr("10.0.0.3")}
	restarted := moved
	restarted.Instance = "0000000000000002"

	steps := []struct {
		name string
		do   func()
		want []EventKind
	}{
		{"appears", func() { tab.observe(seen(base)) }, []EventKind{PeerAppeared}},
		{"same again is quiet", func() { clock.advance(time.Second); tab.observe(seen(base)) }, nil},
		{"own announcement dropped", func() { own := base; own.Device = self; tab.observe(seen(own)) }, nil},
		{"new address is an update", func() { tab.observe(seen(moved)) }, []EventKind{PeerUpdated}},
		{"new instance is a restart", func() { tab.observe(seen(restarted)) }, []EventKind{PeerRestarted}},
		{"not yet expired", func() { clock.advance(30 * time.Second); tab.expire(clock.Now().Add(-30 * time.Second)) }, nil},
		{"expired", func() { clock.advance(time.Millisecond); tab.expire(clock.Now().Add(-30 * time.Second)) }, []EventKind{PeerGone}},
		{"back", func() { tab.observe(seen(base)) }, []EventKind{PeerAppeared}},
		{"marked gone", func() { tab.remove(dev, GoneMarked) }, []EventKind{PeerGone}},
		{"marking unknown is quiet", func() { tab.remove(dev, GoneMarked) }, nil},
		{"cleared", func() { tab.observe(seen(base)); tab.clear(GoneStopped) }, []EventKind{PeerAppeared, PeerGone}},
	}
	for _, s := range steps {
		s.do()
		got := drain(events)
		if len(got) != len(s.want) {
			t.Fatalf("%s: events %v, want %v", s.name, got, s.want)
		}
		for i := range got {
			if got[i].Kind != s.want[i] || got[i].Peer.Device != dev {
				t.Fatalf("%s: event %d = %v, want %v", s.name, i, got[i], s.want[i])
			}
		}
	}
}

func TestPeerTableReasonsAndCopies(t *testing.T) {
	dev := newDevice(t)
	tab := newPeerTable(newDevice(t))
	events, cancel := tab.subscribe(4)
	defer cancel()
	addrs := []netip.Addr{netip.MustParseAddr("10.0.0.2")}
	tab.observe(Peer{Device: dev, Name: "B", Addrs: addrs, Port: 1, Instance: "x"})
	addrs[0] = netip.MustParseAddr("10.9.9.9") // the caller's slice is not the table's
	p, ok := tab.lookup(dev)
	if !ok || p.Addrs[0] != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("lookup = %+v, %v", p, ok)
	}
	p.Addrs[0] = netip.MustParseAddr("10.9.9.9") // nor is the returned one
	if q, _ := tab.lookup(dev); q.Addrs[0] != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("lookup result aliases the table")
	}
	tab.remove(dev, GoneMarked)
	got := drain(events)
	if len(got) != 2 || got[0].Reason != NotGone || got[1].Reason != GoneMarked {
		t.Fatalf("events %v", got)
	}
}

func TestPeersSorted(t *testing.T) {
	tab := newPeerTable(newDevice(t))
	for _, name := range []string{"c", "a", "b"} {
		tab.observe(Peer{Device: newDevice(t), Name: name, Instance: "i"})
	}
	var names string
	for _, p := range tab.list() {
		names += p.Name
	}
	if names != "abc" {
		t.Errorf("order %q", names)
	}
}

func drain(ch <-chan Event) []Event {
	var out []Event
	for {
		select {
		case ev := <-ch:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func TestPeerTableBounded(t *testing.T) {
	tab := newPeerTable(newDevice(t))
	for i := 0; i < maxPeers; i++ {
		if err := tab.observe(Peer{Device: newDevice(t), Instance: "i"}); err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
	}
	known := tab.list()[0]
	if err := tab.observe(Peer{Device: newDevice(t), Instance: "i"}); err != errTableFull {
		t.Fatalf("peer beyond the bound: %v", err)
	}
	known.Port = 9
	if err := tab.observe(known); err != nil {
		t.Fatalf("known peer refused when full: %v", err)
	}
}

// TestPeerTableGoodbye follows goodbyes through the table: the peer leaves
// with GoneGoodbye when its grace is over, not before; the same
// announcement again (an answer sent before the goodbye) does not keep it,
// a changed one (a renewed registration) or a new instance does; a goodbye
// of an earlier instance of the device, or one naming only a label two
// peers share, removes nobody.
func TestPeerTableGoodbye(t *testing.T) {
	start := time.Unix(1000, 0)
	due := start.Add(GoodbyeGrace)
	tab := newPeerTable(newDevice(t))
	events, cancel := tab.subscribe(16)
	defer cancel()
	b, c := newDevice(t), newDevice(t)
	pb := Peer{Device: b, Name: "Bob", Port: 7000, Instance: "000000000000000b", label: "Bob (B)", host: "b.local."}
	pc := Peer{Device: c, Name: "Twin", Instance: "000000000000000c", label: "Twin", host: "c.local."}
	pd := Peer{Device: newDevice(t), Name: "Twin", Instance: "000000000000000d", label: "Twin", host: "d.local."}
	for _, p := range []Peer{pb, pc, pd} {
		tab.observe(p)
	}
	drain(events)
	byeB := goodbye{label: "Bob (B)", host: "b.local.", device: b, instance: pb.Instance}
	renewed := pb
	renewed.Port = 7001
	restarted := renewed
	restarted.Instance = "00000000000000bb"
	byeRestarted := byeB
	byeRestarted.instance = restarted.Instance

	type ev struct {
		kind EventKind
		why  GoneReason
		dev  identity.DeviceID
	}
	steps := []struct {
		name  string
		do    func() int // how many peers a goodbye marked, or -1
		named int
		want  []ev
	}{
		{"goodbye", func() int { return tab.goodbye(byeB, due) }, 1, nil},
		{"the same goodbye on another socket", func() int { return tab.goodbye(byeB, due.Add(time.Second)) }, 0, nil},
		{"not due yet", func() int { tab.depart(due.Add(-time.Millisecond)); return -1 }, -1, nil},
		{"same announcement again", func() int { tab.observe(pb); return -1 }, -1, nil},
		{"renewed", func() int { tab.observe(renewed); return -1 }, -1, []ev{{PeerUpdated, NotGone, b}}},
		{"not leaving any more", func() int { tab.depart(due.Add(time.Hour)); return -1 }, -1, nil},
		{"goodbye again", func() int { return tab.goodbye(byeB, due) }, 1, nil},
		{"restarted", func() int { tab.observe(restarted); return -1 }, -1, []ev{{PeerRestarted, NotGone, b}}},
		{"nothing due after the restart", func() int { tab.depart(due.Add(time.Hour)); return -1 }, -1, nil},
		{"earlier instance's goodbye", func() int { return tab.goodbye(byeB, due) }, 0, nil},
		{"label two peers share", func() int { return tab.goodbye(goodbye{label: "Twin"}, due) }, 0, nil},
		{"label and host", func() int { return tab.goodbye(goodbye{label: "twin", host: "C.local."}, due) }, 1, nil},
		{"restarted instance's goodbye", func() int { return tab.goodbye(byeRestarted, due.Add(time.Hour)) }, 1, nil},
		{"first due", func() int {
			if next := tab.depart(due); !next.Equal(due.Add(time.Hour)) {
				t.Errorf("next departure %v, want %v", next, due.Add(time.Hour))
			}
			return -1
		}, -1, []ev{{PeerGone, GoneGoodbye, c}}},
		{"second due", func() int { tab.depart(due.Add(time.Hour)); return -1 }, -1, []ev{{PeerGone, GoneGoodbye, b}}},
	}
	for _, s := range steps {
		if n := s.do(); n != s.named {
			t.Fatalf("%s: goodbye marked %d peers, want %d", s.name, n, s.named)
		}
		got := drain(events)
		if len(got) != len(s.want) {
			t.Fatalf("%s: events %v, want %v", s.name, got, s.want)
		}
		for i, e := range got {
			if w := s.want[i]; e.Kind != w.kind || e.Reason != w.why || e.Peer.Device != w.dev {
				t.Fatalf("%s: event %v, want %v", s.name, e, w)
			}
		}
	}
	if _, ok := tab.lookup(pd.Device); !ok || len(tab.list()) != 1 {
		t.Errorf("table %v, want only the second Twin", tab.list())
	}
}
