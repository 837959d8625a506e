package discovery

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/grove-team/grove/discovery/netlab"
	"github.com/grove-team/grove/replica/identity"
)

// requireIsolated skips the test unless it runs in a private network
// namespace (see TESTING.md and testdata/run-in-netns.sh), and brings lo up.
func requireIsolated(t testing.TB) {
	t.Helper()
	if p := isolationProblem(); p != "" {
		t.Skipf("needs a private network namespace (%s); run discovery/testdata/run-in-netns.sh", p)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatalf("no lo: %v", err)
	}
	if lo.Flags&net.FlagUp == 0 {
		if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			t.Skipf("cannot bring lo up: %v %s", err, out)
		}
	}
}

// isolationProblem returns why this process must not send mDNS, or "" when
// it runs in a private network namespace holding only lo and interfaces
// tests created.
func isolationProblem() string { return netlab.IsolationProblem(netlab.IfacePrefix) }

// newLab returns the namespaces of one test; it skips the test unless it
// runs isolated and as root.
func newLab(t *testing.T) *netlab.Lab {
	t.Helper()
	requireIsolated(t)
	netlab.RequireRoot(t)
	return netlab.New(t, "grove-t")
}

// newDevice returns a fresh random device ID.
func newDevice(t testing.TB) identity.DeviceID {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return identity.FromPublicKey(pub)
}

// running is a Service started by startService.
type running struct {
	*Service
	events <-chan Event
	stop   func() time.Duration // cancels Run, waits, returns how long Run took to return
}

// startService creates and runs a Service; it is stopped in cleanup.
func startService(t testing.TB, cfg Config) *running {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = func(f string, a ...any) { t.Logf("%s: "+f, append([]any{cfg.Name}, a...)...) }
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	events, unsubscribe := s.Subscribe(256)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop := func() time.Duration {
		once.Do(func() { took = stopRun(t, cfg.Name, cancel, done, unsubscribe) })
		return took
	}
	t.Cleanup(func() { stop() })
	return &running{Service: s, events: events, stop: stop}
}

// stopRun cancels a Run, waits for it and returns how long that took.
func stopRun(t testing.TB, name string, cancel func(), done <-chan error, unsubscribe func()) time.Duration {
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("Run of %s did not return", name)
	}
	unsubscribe()
	return time.Since(start)
}

// waitFor reads events until one satisfies match, failing after timeout.
func waitFor(t testing.TB, events <-chan Event, timeout time.Duration, what string, match func(Event) bool) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("waiting for %s: subscription closed", what)
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("waiting for %s: nothing after %v", what, timeout)
		}
	}
}

// is returns a matcher for an event of kind about device.
func is(kind EventKind, device identity.DeviceID) func(Event) bool {
	return func(ev Event) bool { return ev.Kind == kind && ev.Peer.Device == device }
}

// settleGoroutines waits until the goroutine count drops to at most want,
// and returns the final count.
func settleGoroutines(want int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }

// within returns the first event matching match that arrives within d.
func within(events <-chan Event, d time.Duration, match func(Event) bool) (Event, bool) {
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return Event{}, false
			}
			if match(ev) {
				return ev, true
			}
		case <-deadline:
			return Event{}, false
		}
	}
}
