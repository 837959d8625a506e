package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
)

// RunnerConfig configures a Runner. Zero durations take the defaults.
type RunnerConfig struct {
	Store *replica.Store
	// Interval is how often a connected workspace syncs with no local
	// change (pulling the server's changes by change token); default 30 s.
	Interval time.Duration
	// Debounce is the pause between a local change and its sync; default 2 s.
	Debounce time.Duration
	// Poll is how often the store is looked at for local changes (a read
	// of two knowledge records); default 2 s.
	Poll time.Duration
	// MaxBackoff caps the wait after failures (doubling from 1 s); default 5 min.
	MaxBackoff time.Duration
	// RetryFor bounds the retries of one request (Config.RetryFor);
	// default 5 s: the loop's backoff does the rest.
	RetryFor time.Duration
	Logf     func(format string, args ...any)
	// OnStatus, when set, is told each workspace's status after every sync
	// attempt. It is called from the workspace's goroutine with no lock
	// held, and must not block for long (the app hands it to fyne.Do).
	OnStatus func(ws uuid.UUID, st Status)
}

// Status is a connected workspace's automatic sync, for the app to show.
type Status struct {
	Server string
	// LastSync is when the last sync completed; zero before the first.
	LastSync time.Time
	// LastError is the last attempt's failure, "" after a success;
	// Failures counts failures in a row, and NextTry is the next attempt.
	LastError string
	Failures  int
	NextTry   time.Time
	// Refused counts the changes the server refused, DesignsRejected the
	// server design versions the safe design change refused, since start.
	Refused         int
	DesignsRejected int
	// Last is the report of the last complete sync.
	Last Report
}

// Runner syncs every connected workspace of a store with its server
// automatically: a moment after local changes (debounced), every Interval,
// and on Nudge; with exponential backoff while the server is unreachable.
// A workspace is run when it has a binding and a stored access token
// (Connect stores both); it is picked up at start, on Nudge and every
// Interval. Its owner starts Run once and ends it by cancelling ctx.
type Runner struct {
	cfg RunnerConfig

	mu      gosync.Mutex
	status  map[uuid.UUID]Status
	nudges  map[uuid.UUID]chan struct{}
	rescan  chan struct{}
	running bool
}

// NewRunner makes a Runner; it does nothing until Run.
func NewRunner(cfg RunnerConfig) *Runner {
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 2 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 5 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Runner{cfg: cfg, status: map[uuid.UUID]Status{}, nudges: map[uuid.UUID]chan struct{}{}, rescan: make(chan struct{}, 1)}
}

// Nudge asks for a sync of ws soon (after Debounce); a workspace just
// connected is picked up. It never blocks; safe from any goroutine.
func (r *Runner) Nudge(ws uuid.UUID) {
	r.mu.Lock()
	ch := r.nudges[ws]
	r.mu.Unlock()
	if ch == nil {
		ch = r.rescan
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Status returns a workspace's sync status; ok is false when the runner
// does not sync it.
func (r *Runner) Status(ws uuid.UUID) (Status, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[ws]
	return st, ok
}

// Run syncs until ctx ends, then waits for every workspace's goroutine and
// returns nil. It may be called once.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return errors.New("connect runner: already running")
	}
	r.running = true
	r.mu.Unlock()
	var wg gosync.WaitGroup
	defer wg.Wait()
	scan := time.NewTicker(r.cfg.Interval)
	defer scan.Stop()
	for {
		for _, ws := range r.newWorkspaces() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.runWorkspace(ctx, ws)
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-scan.C:
		case <-r.rescan:
		}
	}
}

// newWorkspaces returns the connected workspaces not run yet, registering
// their nudge channels.
func (r *Runner) newWorkspaces() []uuid.UUID {
	wss, err := r.cfg.Store.Workspaces()
	if err != nil {
		r.cfg.Logf("connect: list workspaces: %v", err)
		return nil
	}
	var out []uuid.UUID
	for _, w := range wss {
		b, ok, err := r.cfg.Store.Binding(w.ID)
		if err != nil || !ok {
			continue
		}
		if tok, err := r.cfg.Store.ServerToken(w.ID); err != nil || tok == "" {
			continue
		}
		r.mu.Lock()
		if r.nudges[w.ID] == nil {
			r.nudges[w.ID] = make(chan struct{}, 1)
			r.status[w.ID] = Status{Server: b.Server}
			out = append(out, w.ID)
		}
		r.mu.Unlock()
	}
	return out
}

// runWorkspace is one workspace's loop: a timer for the next sync, moved
// earlier by local changes and nudges, later by failures.
func (r *Runner) runWorkspace(ctx context.Context, ws uuid.UUID) {
	r.mu.Lock()
	nudge := r.nudges[ws]
	r.mu.Unlock()
	poll := time.NewTicker(r.cfg.Poll)
	defer poll.Stop()
	next := time.NewTimer(0) // at once
	defer next.Stop()
	var synced []byte // the local state the last sync left
	failures := 0
	soon := func() {
		if failures == 0 { // while backing off, the next try stays as planned
			next.Reset(r.cfg.Debounce)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-nudge:
			soon()
		case <-poll.C:
			if s := r.stamp(ws); s != nil && !bytes.Equal(s, synced) {
				synced = s // one sync per change seen
				soon()
			}
		case <-next.C:
			rep, err := r.syncOnce(ctx, ws)
			if ctx.Err() != nil {
				return
			}
			synced = r.stamp(ws)
			wait := r.cfg.Interval
			if err != nil {
				failures++
				wait = min(r.cfg.MaxBackoff, time.Second<<min(failures-1, 20))
				r.cfg.Logf("connect: workspace %s: %v (next try in %s)", ws, err, wait)
			} else {
				failures = 0
			}
			next.Reset(wait)
			r.report(ws, rep, err, failures, time.Now().Add(wait))
		}
	}
}

// stamp identifies the workspace's local state: the knowledge of both
// scopes, which every local edit and every applied batch grows.
func (r *Runner) stamp(ws uuid.UUID) []byte {
	var out []byte
	for _, sc := range replica.Scopes {
		k, err := r.cfg.Store.Knowledge(ws, sc)
		if err != nil {
			return nil
		}
		b, err := k.Set.MarshalBinary()
		if err != nil {
			return nil
		}
		out = append(out, byte(len(k.Replicas)))
		out = append(out, b...)
	}
	return out
}

// syncOnce runs one Sync with a client made from the stored binding and
// token.
func (r *Runner) syncOnce(ctx context.Context, ws uuid.UUID) (Report, error) {
	b, ok, err := r.cfg.Store.Binding(ws)
	if err != nil || !ok {
		return Report{}, fmt.Errorf("binding: %v (connected %v)", err, ok)
	}
	c, err := New(Config{Store: r.cfg.Store, WS: ws, Server: b.Server, Fingerprint: b.Fingerprint,
		RetryFor: r.cfg.RetryFor, Logf: r.cfg.Logf})
	if err != nil {
		return Report{}, err
	}
	defer c.Close()
	return c.Sync(ctx)
}

func (r *Runner) report(ws uuid.UUID, rep Report, err error, failures int, next time.Time) {
	r.mu.Lock()
	st := r.status[ws]
	st.Failures, st.NextTry = failures, next
	if err != nil {
		st.LastError = err.Error()
	} else {
		st.LastError, st.LastSync, st.Last = "", time.Now(), rep
		st.Refused += rep.Refused
		st.DesignsRejected += rep.DesignsRejected
	}
	r.status[ws] = st
	r.mu.Unlock()
	if r.cfg.OnStatus != nil {
		r.cfg.OnStatus(ws, st)
	}
}
