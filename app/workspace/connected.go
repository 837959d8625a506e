package workspace

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

// Connected mode in the workspace window: the "Connected to HOST" badge in
// the header, the connect dialog, and the refused changes, counted in the
// header and listed in the side panel's "Refused" tab.

// connectedUI holds the window's connected-mode widgets and Fyne-thread
// state.
type connectedUI struct {
	badge      *widget.Label
	connectBtn *widget.Button
	refusedBtn *widget.Button
	refused    *RefusedList
	conn       *model.Connection // nil when not connected
	form       *ConnectForm      // the open connect dialog's, or nil
	// resubmit is the record and fields the form shows refused values of:
	// saving sends them again even where they equal the stored value.
	resubmitRecord uuid.UUID
	resubmitFields []uuid.UUID
}

func (s *Screen) buildConnected() {
	cu := &s.cu
	cu.badge = widget.NewLabel("")
	cu.badge.Importance = widget.SuccessImportance
	cu.badge.Hide()
	cu.connectBtn = widget.NewButtonWithIcon("Connect to server", theme.UploadIcon(), s.ShowConnect)
	cu.connectBtn.Importance = widget.LowImportance
	cu.refusedBtn = widget.NewButtonWithIcon("", theme.ErrorIcon(), s.ShowRefused)
	cu.refusedBtn.Importance = widget.WarningImportance
	cu.refusedBtn.Hide()
	cu.refused = NewRefusedList()
	cu.refused.OnEdit = s.EditRefused
	cu.refused.OnDiscard = s.discardRefused
}

// Badge returns the "Connected to" badge's text; "" when hidden.
func (s *Screen) Badge() string {
	if !s.cu.badge.Visible() {
		return ""
	}
	return s.cu.badge.Text
}

// Refused returns the refused-changes list.
func (s *Screen) Refused() *RefusedList { return s.cu.refused }

// RefusedCount returns the count shown in the header.
func (s *Screen) RefusedCount() int { return len(s.cu.refused.Items()) }

// ConnectForm returns the open connect dialog's form, or nil.
func (s *Screen) ConnectForm() *ConnectForm { return s.cu.form }

// ShowConnect opens the connect dialog.
func (s *Screen) ShowConnect() {
	if s.cu.form != nil {
		s.cu.form.Close()
	}
	f := NewConnectForm(s.ws, s.info.Role, s.cu.conn, s.opts.UI)
	f.OnConnected = func(model.ConnectResult) {
		s.say("Connected to a server; its lists are tools here now.")
		s.loop.Post(func(context.Context) { s.loadConnection(); s.loadRefused() })
	}
	s.cu.form = f
	if s.win != nil {
		ShowConnect(s.win, f)
	}
}

// ShowRefused shows the refused changes in the side panel.
func (s *Screen) ShowRefused() { s.side.SelectIndex(2) }

// applyConnection shows the badge: "Connected to HOST" with the last sync
// or its error; nothing when not connected.
func (s *Screen) applyConnection(c model.Connection, ok bool) {
	cu := &s.cu
	if !ok {
		cu.conn = nil
		cu.badge.Hide()
		cu.connectBtn.Show()
		return
	}
	cu.conn = &c
	text := "Connected to " + c.Host
	cu.badge.Importance = widget.SuccessImportance
	switch {
	case c.Syncing:
		text += " · syncing…"
	case c.LastError != "":
		text += " · last sync failed: " + c.LastError
		cu.badge.Importance = widget.WarningImportance
	case !c.LastSync.IsZero():
		text += " · synced " + when(c.LastSync)
	}
	cu.badge.SetText(text)
	cu.badge.Show()
	cu.connectBtn.Hide()
}

// applyRefused shows the refused changes and their count.
func (s *Screen) applyRefused(rs []model.Refused, err error) {
	cu := &s.cu
	cu.refused.Show(rs, err, s.info.Role.CanEdit())
	switch n := len(rs); {
	case err != nil || n == 0:
		cu.refusedBtn.Hide()
	case n == 1:
		cu.refusedBtn.SetText("1 refused change")
		cu.refusedBtn.Show()
	default:
		cu.refusedBtn.SetText(fmt.Sprintf("%d refused changes", n))
		cu.refusedBtn.Show()
	}
}

// loadConnection reads the binding and its sync status (controller).
func (s *Screen) loadConnection() {
	c, ok, err := s.ws.Connection()
	s.loop.UI(func() { s.applyConnection(c, ok && err == nil) })
}

// loadRefused reads the refused changes (controller). It scans the
// workspace's records, so it runs on sync results and own actions, not on
// every edit.
func (s *Screen) loadRefused() {
	rs, err := s.ws.Refused()
	ids := make(map[uuid.UUID]bool, len(rs))
	for _, r := range rs {
		ids[r.Record] = true
	}
	s.c.refused = ids
	s.loop.UI(func() { s.applyRefused(rs, err) })
}

// discardRefused keeps the server's value and drops the change from the
// list.
func (s *Screen) discardRefused(r model.Refused) {
	s.loop.Post(func(context.Context) {
		err := s.ws.DiscardRefused(r)
		s.loop.UI(func() {
			if err != nil {
				s.cu.refused.SetNote(Explain("Could not discard the refused change", err))
				return
			}
			s.say("Discarded the refused change of %s; the server's value stays.", r.Label)
		})
		s.loadRefused()
	})
}

// EditRefused opens a refused change's record in the form with the
// refused values of that record, for the person to fix and save; the
// next sync with the server sends the new version. A refused new record
// is brought back first.
func (s *Screen) EditRefused(r model.Refused) {
	if !s.info.Role.CanEdit() {
		s.say("Your role (%s) does not allow changing records.", s.info.Role)
		return
	}
	if s.rec.dirty() {
		s.say("You have unsaved changes in the form; save (Ctrl+S) or revert them first.")
		return
	}
	var t *schema.Tool
	for i, x := range s.tools {
		if x.ID == r.Tool {
			t = x
			if s.tool != x {
				s.toolList.Select(i)
			}
		}
	}
	if t == nil {
		s.say("The tool of %s is no longer in the design; the refused change cannot be edited.", r.Label)
		return
	}
	if s.tool != t {
		s.selectTool(t)
	}
	s.side.SelectIndex(0)
	gen := s.form.Next()
	s.loop.Post(func(context.Context) { s.loadRefusedRecord(gen, r) })
}

// loadRefusedRecord reads the record of a refused change, restoring it
// when its creation was refused, with every refused value it holds
// (controller).
func (s *Screen) loadRefusedRecord(gen uint64, r model.Refused) {
	all, err := s.ws.Refused()
	if err != nil {
		s.loop.UI(func() { s.fail("Could not read the refused changes", err) })
		return
	}
	values := map[uuid.UUID]schema.Value{}
	existence := false
	for _, x := range all {
		if x.Record != r.Record {
			continue
		}
		if x.Existence {
			existence = true
		} else {
			values[x.Field] = x.Version.Value
		}
	}
	rec, err := s.ws.Record(r.Record)
	if err == nil && rec.Deleted && existence {
		if err = s.ws.RestoreRecord(r.Record); err == nil {
			rec, err = s.ws.Record(r.Record)
		}
	}
	if err == nil && rec.Deleted {
		err = fmt.Errorf("%s was deleted: %w", r.Label, model.ErrNotFound)
	}
	if err != nil {
		s.loop.UI(func() { s.fail("Could not open the refused change", err) })
		return
	}
	hist, _ := s.ws.History(r.Record)
	s.loop.UI(func() {
		if s.form.Current(gen) {
			s.showRefusedValues(rec, hist, values, r)
		}
	})
}

// showRefusedValues fills the form with the record, then the refused
// values on top, as unsaved edits.
func (s *Screen) showRefusedValues(rec *model.Record, hist []model.Change, values map[uuid.UUID]schema.Value, r model.Refused) {
	s.rec.show(rec, hist)
	if s.record == nil || s.record.ID != rec.ID {
		return // another tool is on show
	}
	s.cu.resubmitRecord, s.cu.resubmitFields = rec.ID, nil
	for f, v := range values {
		if ed := s.rec.form.Editor(f); ed != nil {
			ed.SetValue(v)
			s.cu.resubmitFields = append(s.cu.resubmitFields, f)
		}
	}
	s.rec.updateButtons()
	s.rec.note.Importance = widget.WarningImportance
	s.rec.note.SetText(fmt.Sprintf("The server refused a change to %s (%s). The refused values are in the form: fix them and save; the next sync with the server sends them again.", r.FieldName, orNoReason(r.Reason)))
	s.rec.note.Show()
	if s.win != nil && len(s.cu.resubmitFields) > 0 {
		if ed := s.rec.form.Editor(r.Field); ed != nil {
			s.win.Canvas().Focus(ed.Focusable())
		}
	}
}

func orNoReason(reason string) string {
	if reason == "" {
		return "the reason was given to the device that sent it"
	}
	return reason
}

// addResubmits adds to a save of the record shown after "Edit and
// resubmit" the refused fields left as they were: saving them writes new
// versions, which are sent to the server again.
func (s *Screen) addResubmits(changes map[uuid.UUID]schema.Value) {
	cu := &s.cu
	if s.record == nil || s.record.ID != cu.resubmitRecord {
		return
	}
	for _, f := range cu.resubmitFields {
		if _, ok := changes[f]; ok {
			continue
		}
		if ed := s.rec.form.Editor(f); ed != nil {
			if v, err := ed.Value(); err == nil {
				changes[f] = v
			}
		}
	}
	cu.resubmitRecord, cu.resubmitFields = uuid.Nil, nil
}

// connectedEvents says what a batch of events asks to reload.
func connectedEvents(events []model.Event, refusedRecords map[uuid.UUID]bool) (conn, refused bool) {
	for _, e := range events {
		switch e.Kind {
		case model.Resync, model.DesignChanged, model.WorkspacesChanged:
			conn, refused = true, true
		case model.ConflictsChanged:
			refused = true
		case model.MembersChanged:
			conn = true
		case model.RecordChanged:
			if refusedRecords[e.Record] {
				refused = true
			}
		}
	}
	return conn, refused
}
