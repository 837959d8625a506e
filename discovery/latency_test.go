package discovery

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestDiscoveryLatency measures, over 20 runs on lo, the time from a new
// peer's start (New + Run) until it is in an existing peer's table, and
// until the existing peer is in the new one's. It prints the figures and
// asserts nothing about time.
func TestDiscoveryLatency(t *testing.T) {
	requireIsolated(t)
	if testing.Short() {
		t.Skip("measurement; skipped in -short")
	}
	const runs = 20
	devA := newDevice(t)
	a := startService(t, Config{Interfaces: []string{"lo"}, Device: devA, Name: "Existing", Port: 7400, Logf: t.Logf})
	var theySeeIt, itSeesThem []time.Duration
	var stopping sync.WaitGroup
	defer stopping.Wait()
	for i := 0; i < runs; i++ {
		devB := newDevice(t)
		start := time.Now()
		b, err := New(Config{Interfaces: []string{"lo"}, Device: devB, Name: fmt.Sprint("New ", i), Port: 7401, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		events, unsubscribe := b.Subscribe(64)
		ctx, cancel := context.WithCancel(context.Background())
		stopping.Add(1)
		go func() { defer stopping.Done(); _ = b.Run(ctx) }()
		waitFor(t, a.events, 10*time.Second, "existing sees new", is(PeerAppeared, devB))
		theySeeIt = append(theySeeIt, time.Since(start))
		waitFor(t, events, 10*time.Second, "new sees existing", is(PeerAppeared, devA))
		itSeesThem = append(itSeesThem, time.Since(start))
		unsubscribe()
		cancel() // Run finishes in the background (up to 4 s, see probeBound)
	}
	t.Logf("start → in the other's table, %d runs on lo:", runs)
	t.Logf("  existing peer sees the new one: %s", summary(theySeeIt))
	t.Logf("  new peer sees the existing one: %s", summary(itSeesThem))
}

// summary formats median, 90th percentile and maximum.
func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("median %v, p90 %v, min %v, max %v", r(q(0.5)), r(q(0.9)), r(s[0]), r(s[len(s)-1]))
}
