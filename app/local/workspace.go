package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// workspace is one open workspace over the store.
type workspace struct {
	b  *Backend
	id uuid.UUID
}

var _ model.Workspace = (*workspace)(nil)

// Info implements model.Workspace.
func (w *workspace) Info() (model.WorkspaceInfo, error) {
	ws, err := w.b.store.Workspace(w.id)
	if err != nil {
		return model.WorkspaceInfo{}, mapErr(err)
	}
	dev, err := w.b.store.Device()
	if err != nil {
		return model.WorkspaceInfo{}, mapErr(err)
	}
	info := model.WorkspaceInfo{ID: ws.ID, Name: ws.Name, Me: dev.ID.String(), LastLooked: w.b.state.lastLooked(w.id)}
	m, ok, err := w.b.store.MemberOf(w.id, dev.ID)
	if err != nil {
		return info, mapErr(err)
	}
	if ok {
		info.Role = model.Role(m.Role)
	}
	info.Connected = w.connected()
	return info, nil
}

// Tools implements model.Workspace.
func (w *workspace) Tools() ([]*schema.Tool, error) {
	ts, err := w.b.store.Tools(w.id)
	return ts, mapErr(err)
}

// Scan implements model.Workspace. The first batch holds at most first
// rows, so a screen can paint at once; later ones grow to 4096.
func (w *workspace) Scan(ctx context.Context, tool *schema.Tool, first int, fn func([]model.Row) error) error {
	if first <= 0 {
		first = 100
	}
	mk := newRowMaker(tool)
	size := first
	batch := make([]model.Row, 0, size)
	var cbErr error
	err := w.b.store.Records(w.id, tool.ID, func(r *replica.Record) error {
		batch = append(batch, mk.row(r))
		if len(batch) < size {
			return nil
		}
		if cbErr = ctx.Err(); cbErr == nil {
			cbErr = fn(batch)
		}
		if cbErr != nil {
			return errStop
		}
		size = min(size*4, 4096)
		batch = make([]model.Row, 0, size)
		return nil
	})
	if errors.Is(err, errStop) {
		return cbErr
	}
	if err != nil {
		return mapErr(err)
	}
	if len(batch) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(batch)
	}
	return nil
}

// Row implements model.Workspace.
func (w *workspace) Row(tool *schema.Tool, id uuid.UUID) (model.Row, error) {
	r, err := w.b.store.Record(w.id, id)
	if err != nil {
		return model.Row{}, mapErr(err)
	}
	if r.Deleted || r.Tool != tool.ID {
		return model.Row{}, notFound("record " + id.String())
	}
	return newRowMaker(tool).row(r), nil
}

// Record implements model.Workspace.
func (w *workspace) Record(id uuid.UUID) (*model.Record, error) {
	r, err := w.b.store.Record(w.id, id)
	if err != nil {
		return nil, mapErr(err)
	}
	return w.b.names(w.id).record(r), nil
}

// requireRole refuses a change the local member's role does not allow,
// before the store is asked (which refuses it too).
func (w *workspace) requireRole(min model.Role, what string) error {
	info, err := w.Info()
	if err != nil {
		return err
	}
	if info.Role < min {
		return fmt.Errorf("%s needs the %s role; you are a %s in %q: %w", what, min, info.Role, info.Name, model.ErrNotAllowed)
	}
	return nil
}

// PutRecord implements model.Workspace.
func (w *workspace) PutRecord(tool, id uuid.UUID, values map[uuid.UUID]schema.Value) (uuid.UUID, error) {
	if err := w.requireRole(model.RoleParticipant, "changing records"); err != nil {
		return uuid.Nil, err
	}
	id, err := w.b.store.PutRecord(w.id, tool, id, values)
	if err != nil {
		return uuid.Nil, mapErr(err)
	}
	w.b.hub.publish(model.Event{Kind: model.RecordChanged, Workspace: w.id, Tool: tool, Record: id})
	return id, nil
}

// DeleteRecord implements model.Workspace.
func (w *workspace) DeleteRecord(id uuid.UUID) error {
	return w.setAlive(id, false)
}

// RestoreRecord implements model.Workspace.
func (w *workspace) RestoreRecord(id uuid.UUID) error {
	return w.setAlive(id, true)
}

func (w *workspace) setAlive(id uuid.UUID, alive bool) error {
	if err := w.requireRole(model.RoleParticipant, "deleting records"); err != nil {
		return err
	}
	r, err := w.b.store.Record(w.id, id)
	if err != nil {
		return mapErr(err)
	}
	conflicted := r.DeleteConflict
	if alive {
		err = w.b.store.RestoreRecord(w.id, id)
	} else {
		err = w.b.store.DeleteRecord(w.id, id)
	}
	if err != nil {
		return mapErr(err)
	}
	w.b.hub.publish(model.Event{Kind: model.RecordChanged, Workspace: w.id, Tool: r.Tool, Record: id})
	if conflicted {
		w.b.hub.publish(model.Event{Kind: model.ConflictsChanged, Workspace: w.id, Tool: r.Tool, Record: id})
	}
	return nil
}

// History implements model.Workspace from the versions the store keeps:
// each field's winner and its losers. The store does not keep superseded
// versions yet, so older changes do not appear.
func (w *workspace) History(id uuid.UUID) ([]model.Change, error) {
	r, err := w.Record(id)
	if err != nil {
		return nil, err
	}
	var out []model.Change
	for _, f := range r.Fields {
		out = append(out, model.Change{Field: f.Field, Version: f.Winner})
		for _, l := range f.Losers {
			out = append(out, model.Change{Field: f.Field, Version: l})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version.Time.After(out[j].Version.Time) })
	return out, nil
}

// Conflicts implements model.Workspace: record field conflicts, and
// records deleted on one device while edited on another.
func (w *workspace) Conflicts() ([]model.Conflict, error) {
	cs, err := w.b.store.Conflicts(w.id)
	if err != nil {
		return nil, mapErr(err)
	}
	tools, err := w.b.store.Tools(w.id)
	if err != nil {
		return nil, mapErr(err)
	}
	byID := make(map[uuid.UUID]*schema.Tool, len(tools))
	for _, t := range tools {
		byID[t.ID] = t
	}
	n := w.b.names(w.id)
	var out []model.Conflict
	var refusedEx map[uuid.UUID]bool
	for _, c := range cs {
		if c.Scope != replica.ScopeData {
			continue // design conflicts are resolved in the designer (later)
		}
		r, err := w.b.store.Record(w.id, c.Item)
		if err != nil {
			if errors.Is(err, replica.ErrNoRecord) {
				continue
			}
			return nil, mapErr(err)
		}
		t := byID[r.Tool]
		mc := model.Conflict{Workspace: w.id, Tool: r.Tool, Record: r.ID, Label: label(t, r), Field: c.Unit, Existence: c.IsExistence()}
		if t != nil {
			mc.ToolName = t.Name
		}
		if mc.Existence {
			if refusedEx == nil {
				refusedEx = w.refusedExistence()
			}
			if !refusedEx[r.ID] { // a refused create is a refused change
				mc.FieldName = "(the record itself)"
				out = append(out, mc)
			}
			continue
		}
		mc.FieldName = c.Unit.String()[:8]
		if t != nil {
			if f, ok := t.FieldByID(c.Unit); ok {
				mc.FieldName = f.Name
			}
		}
		for _, fs := range r.Fields {
			if fs.Field != c.Unit || len(fs.Losers) == 0 || refusedOnly(fs) {
				continue
			}
			mc.Versions = append(mc.Versions, n.version(fs.Winner, fs.Value, true))
			for _, l := range fs.Losers {
				mc.Versions = append(mc.Versions, n.version(l.VersionInfo, l.Value, false))
			}
		}
		if len(mc.Versions) > 0 {
			out = append(out, mc)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Conflict) int {
		if a.ToolName != b.ToolName {
			if a.ToolName < b.ToolName {
				return -1
			}
			return 1
		}
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
	return out, nil
}

// Resolve implements model.Workspace.
func (w *workspace) Resolve(record, field uuid.UUID, value schema.Value) error {
	if err := w.requireRole(model.RoleParticipant, "resolving conflicts"); err != nil {
		return err
	}
	if err := w.b.store.ResolveField(w.id, record, field, value); err != nil {
		return mapErr(err)
	}
	r, _ := w.b.store.Record(w.id, record)
	e := model.Event{Kind: model.ConflictsChanged, Workspace: w.id, Record: record}
	if r != nil {
		e.Tool = r.Tool
	}
	w.b.hub.publish(e)
	e.Kind = model.RecordChanged
	w.b.hub.publish(e)
	return nil
}

// Members implements model.Workspace.
func (w *workspace) Members() ([]model.Member, error) {
	ms, err := w.b.store.Members(w.id)
	if err != nil {
		return nil, mapErr(err)
	}
	dev, err := w.b.store.Device()
	if err != nil {
		return nil, mapErr(err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Device.String()
	}
	online := w.b.discovery.Online(ids)
	last := map[string]time.Time{}
	if st, err := w.b.sync.Status(w.id); err == nil {
		for _, p := range st.Partners {
			last[p.Device] = p.LastSync
		}
	}
	out := make([]model.Member, len(ms))
	for i, m := range ms {
		id := ids[i]
		out[i] = model.Member{Device: id, Name: m.Name, Role: model.Role(m.Role), Me: m.Device == dev.ID,
			Online: online[id] || m.Device == dev.ID, LastSync: last[id]}
	}
	return out, nil
}

// MarkLooked implements model.Workspace.
func (w *workspace) MarkLooked(at time.Time) error {
	if err := w.b.state.setLastLooked(w.id, at); err != nil {
		return err
	}
	w.b.hub.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: w.id})
	return nil
}

// Subscribe implements model.Workspace.
func (w *workspace) Subscribe(ctx context.Context) <-chan model.Event {
	return w.b.hub.subscribe(ctx, func(e model.Event) bool {
		return e.Workspace == w.id || e.Workspace == uuid.Nil
	})
}
