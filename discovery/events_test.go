package discovery

import (
	"sync"
	"testing"
)

func TestSubscriptionDropsOldest(t *testing.T) {
	tab := newPeerTable(newDevice(t))
	events, cancel := tab.subscribe(2)
	defer cancel()
	var devs []Peer
	for i := 0; i < 5; i++ {
		p := Peer{Device: newDevice(t), Name: "p", Instance: "i"}
		devs = append(devs, p)
		tab.observe(p) // never blocks although nobody reads
	}
	got := drain(events)
	if len(got) != 2 || got[0].Peer.Device != devs[3].Device || got[1].Peer.Device != devs[4].Device {
		t.Fatalf("kept %v, want the last two", got)
	}
}

func TestSubscriptionCancel(t *testing.T) {
	tab := newPeerTable(newDevice(t))
	events, cancel := tab.subscribe(0)
	cancel()
	cancel() // twice is fine
	if _, ok := <-events; ok {
		t.Fatal("channel open after cancel")
	}
	tab.observe(Peer{Device: newDevice(t), Instance: "i"}) // no send on a closed channel
}

// TestSubscriptionConcurrent races publishers, a slow reader and cancel
// (run with -race).
func TestSubscriptionConcurrent(t *testing.T) {
	tab := newPeerTable(newDevice(t))
	events, cancel := tab.subscribe(3)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				p := Peer{Device: newDevice(t), Instance: "i"}
				tab.observe(p)
				tab.remove(p.Device, GoneMarked)
			}
		}()
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for range events {
		}
	}()
	wg.Wait()
	cancel()
	<-readDone
}

func TestKindAndReasonStrings(t *testing.T) {
	for k, want := range map[EventKind]string{PeerAppeared: "appeared", PeerUpdated: "updated", PeerRestarted: "restarted", PeerGone: "gone", 0: "unknown"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
	for r, want := range map[GoneReason]string{NotGone: "-", GoneExpired: "expired", GoneMarked: "marked", GoneStopped: "stopped", 9: "unknown"} {
		if r.String() != want {
			t.Errorf("%d: %q", r, r.String())
		}
	}
}
