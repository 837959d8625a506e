// Package workspace is the workspace window: the tools in a side list; for
// the selected tool a virtualized table (sort, filter, search), a month
// calendar and a board where the design has a date or a choice field; the
// form generated from the design for the selected record; the members and
// sync pane; the conflicts inbox; and connected mode: the connect dialog,
// the "Connected to HOST" badge and the changes a server refused, with
// edit-and-resubmit and discard.
//
// The Screen's controller is one loop.Loop goroutine: every storage and
// network call runs there, and results reach the widgets through the
// loop's UI function (fyne.Do in the app).
package workspace

import (
	"context"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// Options configure a Screen. The zero value is ready to use.
type Options struct {
	// UI applies changes on the Fyne thread (default fyne.Do).
	UI func(func())
	// Sync is the sync machinery; nil shows sync as not available.
	Sync model.Sync
	// Now is the clock (default time.Now).
	Now func() time.Time
	// UndoFor is how long "Undo" stays after a delete (default 8 s).
	UndoFor time.Duration
	// OpenDesigner opens the designer for a tool (nil: a new tool).
	OpenDesigner func(tool *schema.Tool)
	// OpenConflicts opens the conflicts inbox.
	OpenConflicts func()
	// Closed is called when the workspace disappears (deleted elsewhere).
	Closed func()
	// Quit ends the app (Ctrl+Q); default fyne.App.Quit.
	Quit func()
}

// firstBatch is the number of rows read before the table first paints.
const firstBatch = 200

// Screen is one workspace's window content and its controller.
type Screen struct {
	ws   model.Workspace
	opts Options
	loop *loop.Loop
	win  fyne.Window

	// Fyne-thread state.
	info      model.WorkspaceInfo
	tools     []*schema.Tool
	tool      *schema.Tool
	gen       int // bumped at each tool change; stale views are dropped
	view      *view
	data      *tableData
	seen      map[uuid.UUID]bool
	names     map[string]string
	record    *model.Record // in the form; nil for a new record
	creating  bool
	conflicts int
	lastQuery query

	// form counts the changes of what the form shows: a record opened, a
	// new record, another tool, a delete. A job that fills the form
	// carries the number current when it was asked for, and its result is
	// dropped when the person has moved on since (a slow load must not
	// replace the new record being typed).
	form loop.Generation

	// Widgets.
	title        *widget.Label
	roleLabel    *widget.Label
	conflictsBtn *widget.Button
	designBtn    *widget.Button
	toolList     *widget.List
	search       *widget.Entry
	filterField  *widget.Select
	filterText   *widget.Entry
	count        *widget.Label
	newBtn       *widget.Button
	table        *widgets.RecordTable
	calendar     *widgets.MonthCalendar
	board        *widgets.Board
	boardData    *boardData
	views        *container.AppTabs
	tabTable     *container.TabItem
	tabCalendar  *container.TabItem
	tabBoard     *container.TabItem
	side         *container.AppTabs
	rec          *recordPanel
	members      *membersPane
	status       *widget.Label
	progress     *widget.ProgressBarInfinite
	undoBtn      *widget.Button
	undoTimer    *time.Timer
	content      fyne.CanvasObject
	cu           connectedUI

	// Controller state: only the loop's goroutine touches it.
	c struct {
		rs      *rowSet
		q       query
		loading bool
		gen     int
		id      uuid.UUID
		// refused holds the records with refused changes listed.
		refused map[uuid.UUID]bool
		// titles caches the titles of the records lookup fields name,
		// by tool (lookup.go).
		titles lookups
	}

	// queryMu guards wanted, the latest query the person asked for; the
	// controller computes only the latest, so fast typing coalesces.
	queryMu sync.Mutex
	wanted  query
	// loadMu guards loadCancel, which aborts the running load.
	loadMu     sync.Mutex
	loadCancel context.CancelFunc
}

// New builds the screen for a workspace in window w. Call Start to load.
func New(ws model.Workspace, w fyne.Window, opts Options) *Screen {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UndoFor <= 0 {
		opts.UndoFor = 8 * time.Second
	}
	s := &Screen{ws: ws, opts: opts, win: w, loop: loop.New(opts.UI), seen: map[uuid.UUID]bool{}, names: map[string]string{}}
	s.wanted.filterCol = -1
	s.lastQuery.filterCol = -1
	s.c.q.filterCol = -1
	s.build()
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Loop returns the screen's controller loop (tests flush it).
func (s *Screen) Loop() *loop.Loop { return s.loop }

// Start starts the controller and loads the workspace.
func (s *Screen) Start(ctx context.Context) {
	s.loop.Start(ctx, s.ws.Subscribe(ctx), s.onEvents)
	s.loop.Post(s.loadWorkspace)
}

// Close marks the workspace as looked at now and ends the controller
// without waiting; Wait waits for it.
func (s *Screen) Close() {
	s.cancelLoad()
	if s.undoTimer != nil {
		s.undoTimer.Stop()
	}
	if s.cu.form != nil {
		s.cu.form.Close()
	}
	now := s.opts.Now()
	s.loop.Post(func(context.Context) { _ = s.ws.MarkLooked(now) })
	s.loop.Close()
}

// Wait waits for the controller to end after Close. (A connect under
// way is cancelled by Close and ends on its own: its result goes to the
// Fyne thread, which may have stopped.)
func (s *Screen) Wait() { s.loop.Wait() }

func (s *Screen) build() {
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.roleLabel = widget.NewLabel("")
	s.conflictsBtn = widget.NewButtonWithIcon("No conflicts", theme.WarningIcon(), func() {
		if s.opts.OpenConflicts != nil {
			s.opts.OpenConflicts()
		}
	})
	s.conflictsBtn.Disable()
	s.designBtn = widget.NewButtonWithIcon("Design", theme.SettingsIcon(), func() {
		if s.opts.OpenDesigner != nil {
			s.opts.OpenDesigner(s.tool)
		}
	})
	s.buildConnected()
	header := container.NewHBox(s.title, s.roleLabel, s.cu.badge, layout.NewSpacer(), s.cu.connectBtn, s.cu.refusedBtn, s.conflictsBtn, s.designBtn)

	s.toolList = widget.NewList(func() int { return len(s.tools) },
		func() fyne.CanvasObject { return widget.NewLabel("Tool name here") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.tools[i].Name) })
	s.toolList.OnSelected = func(i widget.ListItemID) {
		if i < len(s.tools) && s.tools[i] != s.tool {
			s.selectTool(s.tools[i])
		}
	}
	newTool := widget.NewButtonWithIcon("New tool", theme.ContentAddIcon(), func() {
		if s.opts.OpenDesigner != nil {
			s.opts.OpenDesigner(nil)
		}
	})
	left := container.NewBorder(widget.NewLabelWithStyle("Tools", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), newTool, nil, nil, s.toolList)

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search (Ctrl+F)")
	s.search.OnChanged = func(string) { s.queryChanged() }
	s.filterField = widget.NewSelect(nil, func(string) { s.queryChanged() })
	s.filterField.PlaceHolder = "Filter by…"
	s.filterText = widget.NewEntry()
	s.filterText.SetPlaceHolder("value")
	s.filterText.OnChanged = func(string) { s.queryChanged() }
	s.count = widget.NewLabel("")
	s.newBtn = widget.NewButtonWithIcon("New record", theme.ContentAddIcon(), s.NewRecord)
	s.newBtn.Importance = widget.HighImportance
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.count, s.newBtn),
		container.NewGridWithColumns(2, s.search, container.NewGridWithColumns(2, s.filterField, s.filterText)))

	s.data = &tableData{v: &view{tool: &schema.Tool{}}, seen: s.seen}
	s.table = widgets.NewRecordTable(s.data)
	s.table.OnSortRequested = s.sortBy
	s.table.OnRowSelected = s.rowSelected
	s.calendar = widgets.NewMonthCalendar(s.opts.Now())
	s.calendar.OnMonthChanged = func(int, time.Month) { s.fillCalendar() }
	s.calendar.OnItemTapped = s.rowSelected
	s.boardData = &boardData{}
	s.board = widgets.NewBoard(s.boardData)
	s.board.OnCardTapped = func(col, i int) { s.rowSelected(s.boardData.row(col, i)) }
	s.tabTable = container.NewTabItemWithIcon("Table", theme.ListIcon(), s.table)
	s.tabCalendar = container.NewTabItemWithIcon("Calendar", theme.CalendarIcon(), s.calendar)
	s.tabBoard = container.NewTabItemWithIcon("Board", theme.GridIcon(), s.board)
	s.views = container.NewAppTabs(s.tabTable)
	s.views.OnSelected = func(*container.TabItem) { s.refreshViews() }
	center := container.NewBorder(bar, nil, nil, nil, s.views)

	s.rec = newRecordPanel(s)
	s.members = newMembersPane(s)
	s.side = container.NewAppTabs(
		container.NewTabItemWithIcon("Record", theme.DocumentIcon(), s.rec.content),
		container.NewTabItemWithIcon("Members & sync", theme.AccountIcon(), s.members.content),
		container.NewTabItemWithIcon("Refused", theme.ErrorIcon(), s.cu.refused.Content()))
	split := container.NewHSplit(center, s.side)
	split.Offset = 0.6

	s.status = widget.NewLabel("Opening…")
	s.status.Truncation = fyne.TextTruncateEllipsis
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Hide()
	s.undoBtn = widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), nil)
	s.undoBtn.Hide()
	statusBar := container.NewBorder(nil, nil, nil, container.NewHBox(s.undoBtn, container.NewGridWrap(fyne.NewSize(140, 20), s.progress)), s.status)

	body := container.NewBorder(nil, nil, left, nil, split)
	s.content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), container.NewVBox(widget.NewSeparator(), statusBar), nil, nil, body)
}

// say shows a calm status line.
func (s *Screen) say(format string, args ...any) {
	s.status.Importance = widget.MediumImportance
	s.status.SetText(fmt.Sprintf(format, args...))
}

// fail shows an error in the status line in words a person can act on.
func (s *Screen) fail(what string, err error) {
	s.status.Importance = widget.DangerImportance
	s.status.SetText(Explain(what, err))
}

// Status returns the status line's text (tests).
func (s *Screen) Status() string { return s.status.Text }

// applyInfo shows the workspace's name and role.
func (s *Screen) applyInfo(info model.WorkspaceInfo) {
	s.info = info
	s.title.SetText(info.Name)
	s.roleLabel.SetText("· " + info.Role.Title())
	s.data.me, s.data.looked = info.Me, info.LastLooked
	if s.win != nil {
		s.win.SetTitle(info.Name + " — Grove")
	}
	if info.Role.CanEdit() {
		s.newBtn.Enable()
	} else {
		s.newBtn.Disable()
	}
	s.rec.applyRole(info.Role)
}

// applyTools shows the tools and keeps (or makes) a selection.
func (s *Screen) applyTools(tools []*schema.Tool) {
	s.tools = tools
	s.toolList.Refresh()
	if len(tools) == 0 {
		s.say("This workspace has no tools yet. Managers can add one with \"New tool\".")
		return
	}
	pick := tools[0]
	if s.tool != nil {
		for _, t := range tools {
			if t.ID == s.tool.ID {
				pick = t
			}
		}
	}
	for i, t := range tools {
		if t == pick {
			s.toolList.Select(i) // calls selectTool when it differs
		}
	}
	if s.tool != pick {
		s.selectTool(pick)
	}
}

// selectTool shows a tool: columns, form and views, then loads its rows.
func (s *Screen) selectTool(t *schema.Tool) {
	s.tool = t
	s.gen++
	cols := make([]widgets.Column, len(t.Fields))
	names := make([]string, 0, len(t.Fields)+1)
	names = append(names, "(no filter)")
	for i, f := range t.Fields {
		cols[i] = widgets.Column{Title: f.Name, Width: columnWidth(f)}
		names = append(names, f.Name)
	}
	s.view = &view{tool: t}
	s.data.v = s.view
	s.table.SetColumns(cols)
	s.table.SetSort(-1, 0)
	s.table.UnselectAll()
	s.filterField.Options = names
	s.filterField.ClearSelected()
	s.filterText.SetText("")
	s.search.SetText("")
	s.setTabs(t)
	s.rec.setTool(t)
	s.count.SetText("")
	s.progress.Show()
	s.progress.Start()
	s.say("Loading %s…", t.Name)
	s.wantQuery(query{filterCol: -1})
	gen := s.gen
	ctx := s.startLoad()
	s.loop.Post(func(context.Context) { s.loadRows(ctx, t, gen) })
}

func columnWidth(f schema.Field) float32 {
	switch f.Type {
	case schema.Checkbox:
		return 90
	case schema.Number, schema.Date:
		return 120
	case schema.Choice:
		return 130
	case schema.LongText:
		return 260
	}
	return 180
}

// setTabs offers the calendar when the tool has a date field and the board
// when it has a choice field.
func (s *Screen) setTabs(t *schema.Tool) {
	items := []*container.TabItem{s.tabTable}
	if dateField(t) >= 0 {
		items = append(items, s.tabCalendar)
	}
	if choiceField(t) >= 0 {
		items = append(items, s.tabBoard)
	}
	s.views.SetItems(items)
	s.views.Select(s.tabTable)
}

func dateField(t *schema.Tool) int {
	for i, f := range t.Fields {
		if f.Type == schema.Date {
			return i
		}
	}
	return -1
}

func choiceField(t *schema.Tool) int {
	for i, f := range t.Fields {
		if f.Type == schema.Choice {
			return i
		}
	}
	return -1
}

// startLoad cancels the running load and returns the context of the next.
func (s *Screen) startLoad() context.Context {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if s.loadCancel != nil {
		s.loadCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.loadCancel = cancel
	return ctx
}

func (s *Screen) cancelLoad() {
	s.loadMu.Lock()
	if s.loadCancel != nil {
		s.loadCancel()
	}
	s.loadMu.Unlock()
}

// applyView shows a new snapshot of the rows.
func (s *Screen) applyView(gen int, v *view) {
	if gen != s.gen {
		return
	}
	s.view = v
	s.data.v = v
	s.table.Refresh()
	if v.loading {
		s.count.SetText(fmt.Sprintf("%s records so far…", thousands(v.total)))
	} else {
		s.progress.Stop()
		s.progress.Hide()
		if v.Len() == v.total {
			s.count.SetText(fmt.Sprintf("%s records", thousands(v.total)))
		} else {
			s.count.SetText(fmt.Sprintf("%s of %s records", thousands(v.Len()), thousands(v.total)))
		}
		if s.status.Text == "Loading "+v.tool.Name+"…" {
			s.say("Ready.")
		}
	}
	if s.record != nil {
		if i := v.Find(s.record.ID); i >= 0 {
			s.table.SelectRow(i)
		}
	}
	s.refreshViews()
}

// thousands formats n with thin separators: 100,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// refreshViews refills the calendar or board when shown.
func (s *Screen) refreshViews() {
	switch s.views.Selected() {
	case s.tabCalendar:
		s.fillCalendar()
	case s.tabBoard:
		s.fillBoard()
	}
}

func (s *Screen) fillCalendar() {
	if s.tool == nil || s.view == nil {
		return
	}
	col := dateField(s.tool)
	if col < 0 {
		return
	}
	y, m := s.calendar.Month()
	from := schema.DateValue(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)).Days()
	to := schema.DateValue(time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)).Days()
	items := map[int][]widgets.CalendarItem{}
	for i, n := 0, s.view.Len(); i < n; i++ {
		v := s.view.Value(i, col)
		if v.IsEmpty() || v.Days() < from || v.Days() >= to {
			continue
		}
		d := v.Date().Day()
		items[d] = append(items[d], widgets.CalendarItem{Key: i, Title: s.view.Label(i)})
	}
	s.calendar.SetItems(items)
}

func (s *Screen) fillBoard() {
	if s.tool == nil || s.view == nil {
		return
	}
	col := choiceField(s.tool)
	if col < 0 {
		return
	}
	s.boardData.fill(s.tool, col, s.view)
	s.board.SetData(s.boardData)
}

// queryChanged reads the search and filter boxes and asks for a new view.
func (s *Screen) queryChanged() {
	q := s.lastQuery
	q.search = s.search.Text
	q.filterCol = s.filterField.SelectedIndex() - 1 // index 0 is "(no filter)"
	q.filterText = s.filterText.Text
	s.wantQuery(q)
}

// sortBy cycles a column through ascending, descending and unsorted.
func (s *Screen) sortBy(col int) {
	q := s.lastQuery
	switch {
	case q.sortCol != col || q.sortDir == 0:
		q.sortCol, q.sortDir = col, widgets.SortAscending
	case q.sortDir == widgets.SortAscending:
		q.sortDir = widgets.SortDescending
	default:
		q.sortCol, q.sortDir = -1, 0
	}
	s.table.SetSort(q.sortCol, q.sortDir)
	s.wantQuery(q)
}

func (s *Screen) wantQuery(q query) {
	s.lastQuery = q
	s.queryMu.Lock()
	s.wanted = q
	s.queryMu.Unlock()
	gen := s.gen
	s.loop.Post(func(context.Context) { s.applyQuery(gen) })
}

// rowSelected opens the i-th row shown in the form.
func (s *Screen) rowSelected(i int) {
	if s.view == nil || i < 0 || i >= s.view.Len() {
		return
	}
	id := s.view.ID(i)
	if !s.seen[id] {
		s.seen[id] = true
		s.table.Refresh()
	}
	s.openRecord(id)
}

// openRecord loads a record into the form.
func (s *Screen) openRecord(id uuid.UUID) {
	if s.rec.dirty() {
		if s.record == nil || s.record.ID != id {
			s.say("You have unsaved changes in the form; they were kept. Save (Ctrl+S) or Revert first.")
			return
		}
		// The form shows this record with unsaved changes: reading it
		// again would throw them away.
		s.side.SelectIndex(0)
		return
	}
	s.side.SelectIndex(0)
	gen := s.form.Next()
	s.loop.Post(func(context.Context) { s.loadRecord(gen, id) })
}

// NewRecord clears the form for a new record (Ctrl+N).
func (s *Screen) NewRecord() {
	if s.tool == nil || !s.info.Role.CanEdit() {
		return
	}
	if s.rec.dirty() {
		s.say("You have unsaved changes in the form; save (Ctrl+S) or revert them first.")
		return
	}
	s.form.Next() // a record still loading must not replace the blank form
	s.record = nil
	s.creating = true
	s.table.UnselectAll()
	s.side.SelectIndex(0)
	s.rec.showNew()
	if s.win != nil {
		s.rec.form.FocusFirst(s.win.Canvas())
	}
}

// FocusSearch focuses the search box (Ctrl+F).
func (s *Screen) FocusSearch() {
	if s.win != nil {
		s.win.Canvas().Focus(s.search)
	}
}

// Save saves the form (Ctrl+S).
func (s *Screen) Save() { s.rec.save() }

// Shortcuts returns the window's keyboard shortcuts and their actions.
func (s *Screen) Shortcuts() map[fyne.Shortcut]func() {
	return map[fyne.Shortcut]func(){
		Shortcut(fyne.KeyN): s.NewRecord,
		Shortcut(fyne.KeyF): s.FocusSearch,
		Shortcut(fyne.KeyS): s.Save,
	}
}

// showUndo offers to undo a delete for a few seconds.
func (s *Screen) showUndo(id uuid.UUID, what string) {
	s.say("Deleted %s.", what)
	s.undoBtn.OnTapped = func() {
		s.undoBtn.Hide()
		// The record comes back into the form, unless the form holds
		// unsaved typing.
		show := !s.rec.dirty()
		var gen uint64
		if show {
			gen = s.form.Next()
		}
		s.loop.Post(func(context.Context) { s.restore(id, what, gen, show) })
	}
	s.undoBtn.Show()
	if s.undoTimer != nil {
		s.undoTimer.Stop()
	}
	s.undoTimer = time.AfterFunc(s.opts.UndoFor, func() {
		s.loop.UI(func() { s.undoBtn.Hide() })
	})
}

// applyConflicts shows the conflict count in the header.
func (s *Screen) applyConflicts(n int) {
	s.conflicts = n
	switch n {
	case 0:
		s.conflictsBtn.SetText("No conflicts")
		s.conflictsBtn.Importance = widget.LowImportance
		s.conflictsBtn.Disable()
	case 1:
		s.conflictsBtn.SetText("1 conflict")
	default:
		s.conflictsBtn.SetText(fmt.Sprintf("%d conflicts", n))
	}
	if n > 0 {
		s.conflictsBtn.Importance = widget.DangerImportance
		s.conflictsBtn.Enable()
	}
	s.conflictsBtn.Refresh()
}

// ConflictCount returns the count shown in the header.
func (s *Screen) ConflictCount() int { return s.conflicts }

// Role returns this device's role in the workspace.
func (s *Screen) Role() model.Role { return s.info.Role }

// Connected reports whether a server owns the design.
func (s *Screen) Connected() bool { return s.info.Connected }

// Name returns the workspace's name.
func (s *Screen) Name() string { return s.info.Name }
