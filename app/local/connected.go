package local

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/sync/connect"
)

// Connected mode over the store's binding (replica.Store.Binding) and the
// connected-mode client (sync/connect).
//
// The syncs this backend runs itself (the first one, at Connect) are
// remembered in memory; the automatic syncing machinery, when main passes
// it with WithServerSync, reports the later ones. Discarded refused
// changes are remembered per workspace in ui-state.json: the store keeps
// every refused version, and the list hides the ones a person dismissed.

// defaultConnectRetry bounds how long Connect retries a server that does
// not answer before it tells the person.
const defaultConnectRetry = 8 * time.Second

// WithServerSync sets the automatic connected-mode syncing whose status
// the "connected to" badge shows (default: none; only the sync run at
// Connect is known).
func WithServerSync(s model.ServerSync) Option { return func(b *Backend) { b.conn.servers = s } }

// WithConnectRetry sets how long Connect retries a server that does not
// answer (default 8 s).
func WithConnectRetry(d time.Duration) Option { return func(b *Backend) { b.conn.retry = d } }

// connState is the backend's connected-mode state.
type connState struct {
	servers model.ServerSync
	retry   time.Duration

	mu   sync.Mutex
	runs map[uuid.UUID]model.ServerStatus // syncs run by Connect
}

func (c *connState) set(ws uuid.UUID, fn func(*model.ServerStatus)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[uuid.UUID]model.ServerStatus{}
	}
	st := c.runs[ws]
	fn(&st)
	c.runs[ws] = st
}

// status merges what this backend ran with what the machinery reports:
// the newer sync wins.
func (c *connState) status(ws uuid.UUID) model.ServerStatus {
	c.mu.Lock()
	own, ok := c.runs[ws]
	c.mu.Unlock()
	if c.servers == nil {
		return own
	}
	st, sok := c.servers.ServerStatus(ws)
	switch {
	case !sok:
		return own
	case !ok:
		return st
	}
	st.Running = st.Running || own.Running
	if own.LastSync.After(st.LastSync) || (st.LastSync.IsZero() && own.LastError != "" && st.LastError == "") {
		st.LastSync, st.LastError = own.LastSync, own.LastError
	}
	return st
}

// connected reports whether the workspace is bound to a server.
func (w *workspace) connected() bool {
	_, ok, err := w.b.store.Binding(w.id)
	return err == nil && ok
}

// Connection implements model.ConnectedMode.
func (w *workspace) Connection() (model.Connection, bool, error) {
	b, ok, err := w.b.store.Binding(w.id)
	if err != nil || !ok {
		return model.Connection{}, false, mapErr(err)
	}
	st := w.b.conn.status(w.id)
	c := model.Connection{Server: b.Server, Host: hostOf(b.Server), Fingerprint: b.Fingerprint,
		LastSync: st.LastSync, LastError: st.LastError, Syncing: st.Running}
	for _, l := range b.Lists {
		c.Lists = append(c.Lists, l.Name)
	}
	return c, true, nil
}

func hostOf(server string) string {
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		return u.Host
	}
	return server
}

// Connect implements model.ConnectedMode.
func (w *workspace) Connect(ctx context.Context, req model.ConnectRequest) (model.ConnectResult, error) {
	var res model.ConnectResult
	if err := w.requireRole(model.RoleManager, "connecting the workspace to a server"); err != nil {
		return res, err
	}
	cfg, err := w.connectConfig(req)
	if err != nil {
		return res, err
	}
	cl, err := connect.New(cfg)
	if err != nil {
		return res, &kindError{err, model.ErrInvalid}
	}
	defer cl.Close()
	w.b.conn.set(w.id, func(st *model.ServerStatus) { st.Running = true })
	defer w.b.conn.set(w.id, func(st *model.ServerStatus) { st.Running = false })
	if _, err := cl.Connect(ctx); err != nil {
		return res, connectErr(err)
	}
	// The tools of the server's lists are in place: show them at once.
	w.b.hub.publish(model.Event{Kind: model.Resync, Workspace: w.id})
	rep, serr := cl.Sync(ctx)
	now := time.Now()
	w.b.conn.set(w.id, func(st *model.ServerStatus) {
		if serr != nil {
			st.LastError = connectErr(serr).Error()
			return
		}
		st.LastSync, st.LastError = now, ""
	})
	res.Pulled, res.Pushed, res.Accepted, res.Refused = rep.Pulled, rep.Pushed, rep.Accepted, rep.Refused
	if serr != nil {
		res.SyncError = connectErr(serr).Error()
	}
	w.b.hub.publish(model.Event{Kind: model.Resync, Workspace: w.id})
	w.b.hub.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: w.id})
	if n, ok := w.b.conn.servers.(interface{ Nudge(uuid.UUID) }); ok {
		n.Nudge(w.id) // the automatic syncing takes it from here
	}
	c, _, err := w.Connection()
	res.Connection = c
	return res, err
}

// connectConfig checks the request before any network or store work.
func (w *workspace) connectConfig(req model.ConnectRequest) (connect.Config, error) {
	server := strings.TrimRight(strings.TrimSpace(req.Server), "/")
	token := strings.TrimSpace(req.Token)
	fp := strings.TrimSpace(req.Fingerprint)
	if server == "" {
		return connect.Config{}, fmt.Errorf("give the server's address, like https://grove.example.com:8443: %w", model.ErrInvalid)
	}
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	if token == "" {
		return connect.Config{}, fmt.Errorf("give the access token the server's administrator made for you: %w", model.ErrInvalid)
	}
	if hex := strings.ReplaceAll(fp, ":", ""); fp != "" && (len(hex) != 64 || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "") {
		return connect.Config{}, fmt.Errorf("the fingerprint %q is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed): %w", fp, model.ErrInvalid)
	}
	retry := w.b.conn.retry
	if retry <= 0 {
		retry = defaultConnectRetry
	}
	return connect.Config{Store: w.b.store, WS: w.id, Server: server, Token: token, Fingerprint: fp, RetryFor: retry}, nil
}

// connectErr tags the client's errors with the model's sentinels.
func connectErr(err error) error {
	var ue *url.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, connect.ErrFingerprint):
		return &kindError{err, model.ErrServerFingerprint}
	case errors.Is(err, connect.ErrServer) && (strings.Contains(err.Error(), "(401 ") || strings.Contains(err.Error(), "(403 ")):
		// The client reports HTTP answers by status text only.
		return &kindError{err, model.ErrServerToken}
	case errors.As(err, &ue), errors.Is(err, context.DeadlineExceeded):
		return &kindError{err, model.ErrServerUnreachable}
	}
	return mapErr(err)
}

// refusedKey names a refused version: record, field, replica, tick.
func refusedKey(r replica.RefusedChange) string {
	return fmt.Sprintf("%s/%s/%s/%d", r.Record, r.Field, r.Version.Replica, r.Version.Tick)
}

// Refused implements model.ConnectedMode.
func (w *workspace) Refused() ([]model.Refused, error) {
	rs, err := w.b.store.RefusedChanges(w.id)
	if err != nil {
		return nil, mapErr(err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	tools, err := w.b.store.Tools(w.id)
	if err != nil {
		return nil, mapErr(err)
	}
	byID := make(map[uuid.UUID]*schema.Tool, len(tools))
	for _, t := range tools {
		byID[t.ID] = t
	}
	discarded := w.b.state.discardedRefused(w.id)
	n := w.b.names(w.id)
	records := map[uuid.UUID]*replica.Record{}
	var out []model.Refused
	for _, r := range rs {
		key := refusedKey(r)
		if discarded[key] {
			continue
		}
		rec := records[r.Record]
		if rec == nil {
			if rec, err = w.b.store.Record(w.id, r.Record); err != nil {
				return nil, mapErr(err)
			}
			records[r.Record] = rec
		}
		out = append(out, w.refused(r, key, rec, byID[rec.Tool], n))
	}
	slices.SortStableFunc(out, func(a, b model.Refused) int { return a.Version.Time.Compare(b.Version.Time) })
	return out, nil
}

func (w *workspace) refused(r replica.RefusedChange, key string, rec *replica.Record, t *schema.Tool, n names) model.Refused {
	won := false
	for _, f := range rec.Fields {
		if f.Field == r.Field {
			won = f.Winner.Replica == r.Version.Replica && f.Winner.Tick == r.Version.Tick
		}
	}
	m := model.Refused{Key: key, Record: r.Record, Tool: rec.Tool, Label: label(t, rec), Field: r.Field,
		Existence: r.Field == uuid.Nil, Version: n.version(r.Version, r.Value, won), Current: rec.Value(r.Field), Reason: r.Reason}
	if t != nil {
		m.ToolName = t.Name
	}
	switch {
	case m.Existence && rec.Deleted:
		m.FieldName = "(the new record)"
	case m.Existence:
		m.FieldName = "(deleting the record)"
	default:
		m.FieldName = "field " + r.Field.String()[:8]
		if t != nil {
			if f, ok := t.FieldByID(r.Field); ok {
				m.FieldName = f.Name
			}
		}
	}
	return m
}

// DiscardRefused implements model.ConnectedMode. The store is not
// touched: the key joins this device's discarded list, which keeps only
// the keys of refused versions the store still holds.
func (w *workspace) DiscardRefused(r model.Refused) error {
	if r.Key == "" {
		return fmt.Errorf("no refused change given: %w", model.ErrInvalid)
	}
	rs, err := w.b.store.RefusedChanges(w.id)
	if err != nil {
		return mapErr(err)
	}
	held := make(map[string]bool, len(rs))
	for _, x := range rs {
		held[refusedKey(x)] = true
	}
	if !held[r.Key] {
		return fmt.Errorf("refused change of %s: %w", r.Label, model.ErrNotFound)
	}
	if err := w.b.state.discardRefused(w.id, r.Key, held); err != nil {
		return err
	}
	w.b.hub.publish(model.Event{Kind: model.ConflictsChanged, Workspace: w.id, Tool: r.Tool, Record: r.Record})
	return nil
}

// refusedOnly reports whether every losing version of a field is one a
// server refused: that field is listed with the refused changes, not as
// a conflict.
func refusedOnly(fs replica.FieldState) bool {
	for _, l := range fs.Losers {
		if !l.Refused {
			return false
		}
	}
	return len(fs.Losers) > 0
}

// refusedExistence returns the records whose existence holds a refused
// version (a refused create, delete or restore).
func (w *workspace) refusedExistence() map[uuid.UUID]bool {
	out := map[uuid.UUID]bool{}
	rs, err := w.b.store.RefusedChanges(w.id)
	if err != nil {
		return out
	}
	for _, r := range rs {
		if r.Field == uuid.Nil {
			out[r.Record] = true
		}
	}
	return out
}

// discardedRefused returns the keys of a workspace's discarded refused
// changes.
func (s *uiState) discardedRefused(ws uuid.UUID) map[string]bool {
	out := map[string]bool{}
	_ = s.get(func(d *uiStateData) {
		for _, k := range d.DiscardedRefused[ws] {
			out[k] = true
		}
	})
	return out
}

// discardRefused adds key to a workspace's discarded keys and drops the
// keys not in held (versions the store no longer holds).
func (s *uiState) discardRefused(ws uuid.UUID, key string, held map[string]bool) error {
	return s.update(func(d *uiStateData) {
		if d.DiscardedRefused == nil {
			d.DiscardedRefused = map[uuid.UUID][]string{}
		}
		keep := []string{key}
		for _, k := range d.DiscardedRefused[ws] {
			if k != key && held[k] {
				keep = append(keep, k)
			}
		}
		d.DiscardedRefused[ws] = keep
	})
}

// WithServerRunner reports the automatic connected-mode syncing of r (see
// WithServerSync) and nudges it when a workspace is connected here.
func WithServerRunner(r *connect.Runner) Option { return WithServerSync(runnerStatus{r}) }

// runnerStatus adapts connect.Runner to model.ServerSync.
type runnerStatus struct{ r *connect.Runner }

// ServerStatus implements model.ServerSync.
func (rs runnerStatus) ServerStatus(ws uuid.UUID) (model.ServerStatus, bool) {
	st, ok := rs.r.Status(ws)
	return model.ServerStatus{LastSync: st.LastSync, LastError: st.LastError}, ok
}

// Nudge asks the runner to sync ws soon.
func (rs runnerStatus) Nudge(ws uuid.UUID) { rs.r.Nudge(ws) }

// ServerSynced tells the screens that a connected workspace synced with
// its server (or failed to): the badge, the records and the refused
// changes reload. The automatic syncing calls it after each attempt.
func (b *Backend) ServerSynced(ws uuid.UUID, changed bool) {
	if changed {
		b.hub.publish(model.Event{Kind: model.Resync, Workspace: ws})
	}
	b.hub.publish(model.Event{Kind: model.MembersChanged, Workspace: ws})
}
