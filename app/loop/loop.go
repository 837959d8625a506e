// Package loop is the engine of the screens' controllers: one goroutine
// per screen that runs storage and network work posted by the UI, drains
// domain events in batches, and hands results back to the Fyne thread.
//
// The UI never blocks: Post queues a job and returns. Jobs run one at a
// time, in order, on the loop's goroutine; they call UI (fyne.Do by
// default) to change widgets. Before each job the loop drains every event
// already delivered, so events are coalesced and a job sees their effect.
package loop

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"

	"github.com/grove-team/grove/app/model"
)

// Loop is one screen's controller goroutine. Create it with New, start
// it with Start, stop it with Stop. Post and UI may be called from any
// goroutine.
type Loop struct {
	ui     func(func())
	mu     sync.Mutex
	jobs   []func(context.Context)
	closed bool
	nudge  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a loop that applies UI changes with ui (nil: fyne.Do).
// Tests pass a queue they drain on their own goroutine.
func New(ui func(func())) *Loop {
	if ui == nil {
		ui = fyne.Do
	}
	return &Loop{ui: ui, nudge: make(chan struct{}, 1)}
}

// Start runs the loop until ctx ends or Stop is called. events may be nil;
// onEvents gets each batch of events drained at once, on the loop's
// goroutine. Start must be called once.
func (l *Loop) Start(ctx context.Context, events <-chan model.Event, onEvents func(context.Context, []model.Event)) {
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		l.run(ctx, events, onEvents)
	}()
}

// Close asks the loop to end without waiting: the context its jobs get
// ends (so a long load gives up), the jobs already posted still run, then
// the goroutine exits. Later posts are dropped. It never blocks.
func (l *Loop) Close() {
	if l.cancel != nil {
		l.cancel()
	}
}

// Wait blocks until the loop's goroutine has exited after Close.
func (l *Loop) Wait() {
	if l.done != nil {
		<-l.done
	}
}

// Stop is Close then Wait. It may be called more than once.
func (l *Loop) Stop() {
	l.Close()
	l.Wait()
}

// Post queues a job. It never blocks. The job gets the loop's context,
// which ends at Stop.
func (l *Loop) Post(job func(ctx context.Context)) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.jobs = append(l.jobs, job)
	l.mu.Unlock()
	select {
	case l.nudge <- struct{}{}:
	default:
	}
}

// UI runs f on the Fyne thread.
func (l *Loop) UI(f func()) { l.ui(f) }

// Flush waits until every job posted before it has run (and the events
// delivered before it have been handled). For tests; never call it on the
// Fyne thread of a real window.
func (l *Loop) Flush() {
	done := make(chan struct{})
	l.Post(func(context.Context) { close(done) })
	select {
	case <-done:
	case <-l.done:
	}
}

func (l *Loop) run(ctx context.Context, events <-chan model.Event, onEvents func(context.Context, []model.Event)) {
	for {
		if ctx.Err() != nil {
			l.finish(ctx)
			return
		}
		if batch := drain(events); len(batch) > 0 && onEvents != nil {
			onEvents(ctx, batch)
		}
		if l.runJobs(ctx, events, onEvents) {
			continue
		}
		select {
		case <-ctx.Done():
		case <-l.nudge:
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if onEvents != nil {
				onEvents(ctx, append([]model.Event{e}, drain(events)...))
			}
		}
	}
}

// runJobs runs the jobs queued now and reports whether there were any.
func (l *Loop) runJobs(ctx context.Context, events <-chan model.Event, onEvents func(context.Context, []model.Event)) bool {
	l.mu.Lock()
	jobs := l.jobs
	l.jobs = nil
	l.mu.Unlock()
	for i, job := range jobs {
		if i > 0 && ctx.Err() == nil {
			if batch := drain(events); len(batch) > 0 && onEvents != nil {
				onEvents(ctx, batch)
			}
		}
		job(ctx)
	}
	return len(jobs) > 0
}

// finish runs what was posted before Close, then marks the loop closed.
func (l *Loop) finish(ctx context.Context) {
	for l.runJobs(ctx, nil, nil) {
	}
	l.mu.Lock()
	l.closed = true
	l.jobs = nil
	l.mu.Unlock()
}

// drain takes the events already waiting, without blocking.
func drain(events <-chan model.Event) []model.Event {
	var out []model.Event
	for events != nil {
		select {
		case e, ok := <-events:
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
	return out
}

// Queue is a UI function for tests: it collects UI changes so the test
// goroutine applies them with Run, the way the Fyne thread would.
type Queue struct {
	mu sync.Mutex
	fs []func()
}

// Do queues f.
func (q *Queue) Do(f func()) {
	q.mu.Lock()
	q.fs = append(q.fs, f)
	q.mu.Unlock()
}

// Run applies the queued changes in order and returns how many ran.
func (q *Queue) Run() int {
	n := 0
	for {
		q.mu.Lock()
		fs := q.fs
		q.fs = nil
		q.mu.Unlock()
		if len(fs) == 0 {
			return n
		}
		for _, f := range fs {
			f()
		}
		n += len(fs)
	}
}

// Settle alternates Flush on the loops and Run on q until neither has
// anything left: every posted job has run and its UI change is applied.
func (q *Queue) Settle(loops ...*Loop) {
	for i := 0; i < 1000; i++ {
		for _, l := range loops {
			l.Flush()
		}
		if q.Run() == 0 {
			return
		}
	}
}

// Generation tells a stale result from a current one. The Fyne thread
// calls Next whenever the person changes what a view shows (another
// record, a new one, another tool) and hands the number to the job that
// will fill the view; the job's UI function checks Current and drops its
// result when the view has moved on since. Only the Fyne thread uses it,
// so it needs no lock: the job carries the number, never the Generation.
type Generation struct{ n uint64 }

// Next starts a new generation and returns its number.
func (g *Generation) Next() uint64 {
	g.n++
	return g.n
}

// Now returns the current generation's number, for a job that fills the
// view without changing what it shows (a save).
func (g *Generation) Now() uint64 { return g.n }

// Current reports whether n is still the current generation.
func (g *Generation) Current(n uint64) bool { return n == g.n }
