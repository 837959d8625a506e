package loop

import (
	"context"
	"testing"
)

// A result computed on the loop for what the view showed when it was
// asked for is dropped once the view has moved on, whatever the timing:
// the UI function only runs when the test drains the queue.
func TestGenerationDropsStaleResults(t *testing.T) {
	q := &Queue{}
	l := New(q.Do)
	l.Start(context.Background(), nil, nil)
	defer l.Stop()

	var g Generation
	shown := ""
	load := func(what string) {
		gen := g.Next() // on the Fyne thread, when the person asks
		l.Post(func(context.Context) {
			result := what // the slow read
			l.UI(func() {
				if g.Current(gen) {
					shown = result
				}
			})
		})
	}

	load("Kenji")
	l.Flush() // Kenji is read; showing it waits in the queue
	g.Next()  // the person opens a blank form
	shown = "new record"
	if n := q.Run(); n != 1 {
		t.Fatalf("%d UI changes ran, want 1", n)
	}
	if shown != "new record" {
		t.Fatalf("view shows %q: a stale result replaced the new record", shown)
	}

	load("Ana")
	load("Priya")
	q.Settle(l)
	if shown != "Priya" {
		t.Fatalf("view shows %q, want the last asked for, Priya", shown)
	}
	if !g.Current(g.Now()) || g.Current(g.Now()-1) {
		t.Error("Now is not the only current generation")
	}
}
