package connect

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// waitStatus reads statuses until ok accepts one; the deadline only guards
// against a hang.
func waitStatus(t *testing.T, ch <-chan Status, what string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case st := <-ch:
			if ok(st) {
				return st
			}
		case <-deadline:
			t.Fatalf("no status: %s", what)
		}
	}
}

func TestRunnerSyncsAfterChangesAndBacksOff(t *testing.T) {
	tm := newTeam(t)
	statuses := make(chan Status, 64)
	r := NewRunner(RunnerConfig{Store: tm.a, Interval: time.Hour, Debounce: time.Millisecond, Poll: 5 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, RetryFor: time.Millisecond, Logf: t.Logf,
		OnStatus: func(ws uuid.UUID, st Status) {
			if ws == tm.ws {
				statuses <- st
			}
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitStatus(t, statuses, "first sync", func(st Status) bool { return st.LastError == "" && !st.LastSync.IsZero() })

	// A local change reaches the server with no one asking.
	id, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Ann"))
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, statuses, "push after a change", func(st Status) bool { return st.Last.Accepted == 1 })
	if items := serverItems(t, tm); len(items) != 1 || items[0].Key != id.String() {
		t.Fatalf("server items %+v", items)
	}

	// The server goes away: failures are reported and retried with backoff.
	tm.srv.stop(t)
	if _, err := tm.a.PutRecord(tm.ws, tm.tool.ID, uuid.Nil, tm.values("Name", "Bo")); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, statuses, "failure", func(st Status) bool { return st.Failures >= 2 })
	if st.LastError == "" {
		t.Fatalf("failure without an error: %+v", st)
	}
	// It comes back: the pending change goes through.
	tm.srv.serve(t, tm.srv.addr)
	waitStatus(t, statuses, "recovery", func(st Status) bool { return st.LastError == "" && st.Last.Accepted == 1 })
	if got, ok := r.Status(tm.ws); !ok || got.Failures != 0 || got.Server != tm.srv.url {
		t.Fatalf("status %+v %v", got, ok)
	}
	if items := serverItems(t, tm); len(items) != 2 {
		t.Fatalf("server has %d items, want 2", len(items))
	}
}
