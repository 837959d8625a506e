package workspace

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

// The methods in this file run on the controller's goroutine. They call
// the domain, then hand results to the Fyne thread with s.loop.UI.

// loadWorkspace reads the workspace's header, tools, members and conflicts.
func (s *Screen) loadWorkspace(ctx context.Context) {
	info, err := s.ws.Info()
	if err != nil {
		s.loop.UI(func() { s.fail("Could not open the workspace", err) })
		return
	}
	s.c.id = info.ID
	tools, err := s.ws.Tools()
	names := s.memberNames()
	s.loop.UI(func() {
		s.names = names
		s.applyInfo(info)
		if err != nil {
			s.fail("Could not read the tools", err)
			return
		}
		s.applyTools(tools)
	})
	s.loadConflictCount()
	s.loadMembers()
	s.loadConnection()
	s.loadRefused()
}

func (s *Screen) memberNames() map[string]string {
	out := map[string]string{}
	ms, err := s.ws.Members()
	if err != nil {
		return out
	}
	for _, m := range ms {
		out[m.Device] = m.Name
	}
	return out
}

// loadRows reads a tool's rows: the first batch is shown at once, then
// the view is refreshed as more arrive, at most every 150 ms.
func (s *Screen) loadRows(ctx context.Context, t *schema.Tool, gen int) {
	rs := newRowSet(t)
	s.c.rs, s.c.gen, s.c.loading = rs, gen, true
	s.c.q = query{filterCol: -1, sortCol: -1}
	last := time.Time{}
	err := s.ws.Scan(ctx, t, firstBatch, func(batch []model.Row) error {
		rs.add(batch)
		if time.Since(last) > 150*time.Millisecond {
			s.publish()
			last = time.Now()
		}
		return nil
	})
	if s.c.rs != rs {
		return
	}
	s.c.loading = false
	if err != nil && !errors.Is(err, context.Canceled) {
		s.loop.UI(func() { s.fail("Could not read the records of "+t.Name, err) })
	}
	s.takeQuery()
	s.publish()
}

// takeQuery adopts the latest query asked for.
func (s *Screen) takeQuery() bool {
	s.queryMu.Lock()
	q := s.wanted
	s.queryMu.Unlock()
	changed := q != s.c.q
	s.c.q = q
	return changed
}

// applyQuery recomputes the view when the query changed.
func (s *Screen) applyQuery(gen int) {
	if s.c.rs == nil || gen != s.c.gen {
		return
	}
	if s.takeQuery() {
		s.publish()
	}
}

// publish hands the current view to the Fyne thread.
func (s *Screen) publish() {
	if s.c.rs == nil {
		return
	}
	s.takeQuery()
	l := s.lookupTitles(context.Background(), s.c.rs.tool, !s.c.loading)
	v := s.c.rs.view(s.c.q, s.c.loading, l)
	gen := s.c.gen
	s.loop.UI(func() { s.applyView(gen, v) })
}

// onEvents applies a batch of domain events.
func (s *Screen) onEvents(ctx context.Context, events []model.Event) {
	var reloadTools, reloadRows, conflicts, members, info bool
	changed := map[uuid.UUID]bool{}
	for _, e := range events {
		switch e.Kind {
		case model.Resync:
			reloadTools, reloadRows, conflicts, members, info = true, true, true, true, true
		case model.RecordChanged:
			if s.c.rs != nil && (e.Tool == s.c.rs.tool.ID || e.Tool == uuid.Nil) {
				changed[e.Record] = true
			}
		case model.ConflictsChanged:
			conflicts = true
			if e.Record != uuid.Nil {
				changed[e.Record] = true
			}
		case model.DesignChanged:
			reloadTools = true
		case model.MembersChanged:
			members = true
		case model.WorkspacesChanged, model.DeviceChanged:
			info = true
		}
	}
	if info && s.refreshInfo() {
		return
	}
	if reloadTools {
		tools, err := s.ws.Tools()
		if err == nil {
			s.loop.UI(func() { s.toolsChanged(tools) })
		}
	}
	titles := s.lookupEvents(events)
	if reloadRows && s.c.rs != nil {
		s.reloadRows(ctx)
	} else if len(changed) > 0 && s.c.rs != nil {
		s.refreshRows(changed)
	} else if titles {
		s.publish()
	}
	if conflicts || len(changed) > 0 {
		s.loadConflictCount()
	}
	if members {
		s.loadMembers()
	}
	conn, refused := connectedEvents(events, s.c.refused)
	if conn {
		s.loadConnection()
	}
	if refused {
		s.loadRefused()
	}
}

// refreshInfo re-reads the header; it reports true when the workspace is
// gone and the window closes.
func (s *Screen) refreshInfo() bool {
	info, err := s.ws.Info()
	if errors.Is(err, model.ErrNotFound) {
		s.loop.UI(func() {
			if s.opts.Closed != nil {
				s.opts.Closed()
			}
		})
		return true
	}
	if err == nil {
		s.loop.UI(func() { s.applyInfo(info) })
	}
	return false
}

// refreshRows re-reads changed records of the current tool.
func (s *Screen) refreshRows(ids map[uuid.UUID]bool) {
	rs := s.c.rs
	for id := range ids {
		r, err := s.ws.Row(rs.tool, id)
		switch {
		case errors.Is(err, model.ErrNotFound):
			rs.remove(id)
		case err == nil:
			rs.put(r)
		}
	}
	s.publish()
}

// reloadRows re-reads every record of the current tool, after a Resync
// (a sync brought changes without naming them, or events were dropped).
// The table keeps the rows it shows until the new ones are all read.
func (s *Screen) reloadRows(ctx context.Context) {
	rs := newRowSet(s.c.rs.tool)
	err := s.ws.Scan(ctx, rs.tool, firstBatch, func(batch []model.Row) error {
		rs.add(batch)
		return nil
	})
	if err != nil {
		return
	}
	s.c.rs = rs
	s.publish()
}

// toolsChanged follows a design change: new columns and form when the
// current tool changed.
func (s *Screen) toolsChanged(tools []*schema.Tool) {
	var cur *schema.Tool
	for _, t := range tools {
		if s.tool != nil && t.ID == s.tool.ID {
			cur = t
		}
	}
	s.tools = tools
	s.toolList.Refresh()
	if cur == nil || !sameDesign(cur, s.tool) {
		s.tool = nil
		s.applyTools(tools)
		if cur != nil {
			s.say("The design of %s changed; the view was reloaded.", cur.Name)
		}
	}
}

func sameDesign(a, b *schema.Tool) bool {
	if a.Name != b.Name || len(a.Fields) != len(b.Fields) || !sameForm(a, b) {
		return false
	}
	for i := range a.Fields {
		fa, fb := a.Fields[i], b.Fields[i]
		if fa.ID != fb.ID || fa.Name != fb.Name || fa.Type != fb.Type || fa.Required != fb.Required ||
			fa.MaxLength != fb.MaxLength || fa.Pattern != fb.Pattern || !equalStrings(fa.Choices, fb.Choices) ||
			!equalBound(fa.Min, fb.Min) || !equalBound(fa.Max, fb.Max) ||
			fa.Hidden != fb.Hidden || fa.LookupTool != fb.LookupTool || fa.LookupDisplay != fb.LookupDisplay {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalBound(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func (s *Screen) loadConflictCount() {
	cs, err := s.ws.Conflicts()
	if err != nil {
		return
	}
	n := len(cs)
	s.loop.UI(func() { s.applyConflicts(n) })
}

// loadRecord reads a record and its history for the form. gen is the
// form's generation when the record was asked for: the result is dropped
// when the form shows something else by the time it arrives.
func (s *Screen) loadRecord(gen uint64, id uuid.UUID) {
	r, err := s.ws.Record(id)
	if err != nil {
		s.loop.UI(func() {
			if s.form.Current(gen) {
				s.fail("Could not open the record", err)
			}
		})
		return
	}
	hist, _ := s.ws.History(id)
	s.loop.UI(func() {
		if s.form.Current(gen) {
			s.rec.show(r, hist)
		}
	})
}

// put saves the form's changes. gen is the form's generation at Save:
// the stored record comes back into the form only if it still shows what
// was saved.
func (s *Screen) put(gen uint64, tool *schema.Tool, id uuid.UUID, changes map[uuid.UUID]schema.Value) {
	newID, err := s.ws.PutRecord(tool.ID, id, changes)
	if err != nil {
		s.loop.UI(func() {
			if s.form.Current(gen) {
				s.rec.saveFailed(err)
			} else {
				s.fail("Could not save", err)
			}
		})
		return
	}
	r, err := s.ws.Record(newID)
	if err != nil {
		s.loop.UI(func() { s.fail("Saved, but could not read the record back", err) })
		return
	}
	hist, _ := s.ws.History(newID)
	s.loop.UI(func() {
		if s.form.Current(gen) {
			s.rec.saved(r, hist, id == uuid.Nil)
			return
		}
		s.seen[r.ID] = true
		s.say("Saved %s.", recordLabel(tool, r))
	})
}

// remove deletes a record and offers to undo; the form is cleared if it
// still shows the record (gen is its generation at Delete).
func (s *Screen) remove(gen uint64, id uuid.UUID, what string) {
	if err := s.ws.DeleteRecord(id); err != nil {
		s.loop.UI(func() { s.fail("Could not delete "+what, err) })
		return
	}
	s.loop.UI(func() {
		if s.form.Current(gen) && s.record != nil && s.record.ID == id {
			s.form.Next()
			s.record = nil
			s.rec.clear()
		}
		s.showUndo(id, what)
	})
}

// restore brings a deleted record back (Undo) and, when show, into the
// form of generation gen.
func (s *Screen) restore(id uuid.UUID, what string, gen uint64, show bool) {
	if err := s.ws.RestoreRecord(id); err != nil {
		s.loop.UI(func() { s.fail("Could not bring back "+what, err) })
		return
	}
	s.loop.UI(func() { s.say("Brought back %s.", what) })
	if show {
		s.loadRecord(gen, id)
	}
}

// syncNow asks the sync machinery to sync.
func (s *Screen) syncNow() {
	if s.opts.Sync == nil {
		return
	}
	err := s.opts.Sync.SyncNow(s.c.id)
	s.loop.UI(func() {
		if err != nil {
			s.members.syncFailed(err)
			return
		}
		s.say("Sync started.")
	})
	s.loadMembers()
}

// loadMembers reads the members and the sync status.
func (s *Screen) loadMembers() {
	ms, err := s.ws.Members()
	var st model.SyncStatus
	var stErr error
	if s.opts.Sync != nil {
		st, stErr = s.opts.Sync.Status(s.c.id)
	}
	s.loop.UI(func() { s.members.show(ms, err, st, stErr) })
}
