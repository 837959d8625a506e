// Package home is Grove's main window: the welcome on first run, then the
// workspaces on this device (unread marks, members online, conflicts),
// creating, renaming, deleting and leaving them, invitations, connecting
// one to a Grove server, devices seen on the local network, and settings.
package home

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/app/workspace"
)

// Options configure the home screen.
type Options struct {
	// UI applies changes on the Fyne thread (default fyne.Do).
	UI func(func())
	// Open opens a workspace's window.
	Open func(id uuid.UUID)
}

// Screen is the home screen and its controller.
type Screen struct {
	be   model.Backend
	opts Options
	loop *loop.Loop
	win  fyne.Window

	// Fyne-thread state.
	device   model.Device
	all      []model.WorkspaceSummary
	selected int
	welcome  bool

	title      *widget.Label
	deviceLbl  *widget.Label
	list       *widget.List
	detail     *fyne.Container
	peers      *widget.Label
	status     *widget.Label
	progress   *widget.ProgressBarInfinite
	body       *fyne.Container
	dlg        dialog.Dialog
	Dialog     DialogWidgets
	welcomeBox fyne.CanvasObject
	content    fyne.CanvasObject
}

// DialogWidgets are the inputs of the open dialog, for keyboard focus and
// tests.
type DialogWidgets struct {
	Name     *widget.Entry
	Template *widget.RadioGroup
	Role     *widget.Select
	Code     *widget.Entry
	OK       *widget.Button
	Copy     *widget.Button
	Note     *widget.Label
	// Connect is the connect dialog's form.
	Connect *workspace.ConnectForm
}

// New builds the home screen in window w. welcome shows the first-run
// welcome first.
func New(be model.Backend, w fyne.Window, welcome bool, opts Options) *Screen {
	s := &Screen{be: be, opts: opts, win: w, loop: loop.New(opts.UI), selected: -1, welcome: welcome}
	s.build()
	return s
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Loop returns the controller (tests flush it).
func (s *Screen) Loop() *loop.Loop { return s.loop }

// Start starts the controller.
func (s *Screen) Start(ctx context.Context) {
	s.loop.Start(ctx, s.be.Subscribe(ctx), func(context.Context, []model.Event) { s.load() })
	s.loop.Post(func(context.Context) { s.load() })
}

// Close ends the controller; Wait waits for it.
func (s *Screen) Close() { s.loop.Close() }

// Wait waits for the controller to end.
func (s *Screen) Wait() { s.loop.Wait() }

// Workspaces returns the workspaces listed.
func (s *Screen) Workspaces() []model.WorkspaceSummary { return s.all }

// Status returns the status line.
func (s *Screen) Status() string { return s.status.Text }

func (s *Screen) build() {
	s.title = widget.NewLabelWithStyle("Workspaces", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.deviceLbl = widget.NewLabel("")
	newBtn := widget.NewButtonWithIcon("New workspace", theme.ContentAddIcon(), s.ShowCreate)
	newBtn.Importance = widget.HighImportance
	joinBtn := widget.NewButtonWithIcon("Join", theme.LoginIcon(), s.ShowJoin)
	settingsBtn := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), s.ShowSettings)
	header := container.NewHBox(s.title, layout.NewSpacer(), s.deviceLbl, newBtn, joinBtn, settingsBtn)

	s.list = widget.NewList(func() int { return len(s.all) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("Workspace name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			info := widget.NewLabel("tools")
			info.Truncation = fyne.TextTruncateEllipsis
			badge := widget.NewLabel("")
			badge.Importance = widget.HighImportance
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FolderIcon()), badge, container.NewVBox(name, info))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { s.fillRow(i, o.(*fyne.Container)) })
	s.list.OnSelected = func(i widget.ListItemID) { s.selectWorkspace(i) }
	s.detail = container.NewVBox(widget.NewLabel("Choose a workspace."))
	s.peers = widget.NewLabel("")
	s.peers.Wrapping = fyne.TextWrapWord
	right := container.NewVBox(s.detail, widget.NewSeparator(),
		widget.NewLabelWithStyle("Devices on this network", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.peers)
	split := container.NewHSplit(s.list, container.NewVScroll(right))
	split.Offset = 0.55
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Hide()
	main := container.NewBorder(container.NewVBox(header, widget.NewSeparator()), container.NewVBox(s.progress, s.status), nil, nil, split)
	s.body = container.NewStack(main)
	if s.welcome {
		s.welcomeBox = s.buildWelcome()
		s.body.Objects = []fyne.CanvasObject{s.welcomeBox}
	}
	s.content = s.body
}

// fillRow shows one workspace in the list.
func (s *Screen) fillRow(i int, row *fyne.Container) {
	w := s.all[i]
	box := row.Objects[0].(*fyne.Container)
	box.Objects[0].(*widget.Label).SetText(w.Name)
	parts := []string{strings.Join(w.Tools, ", "), fmt.Sprintf("%d records", w.Records)}
	parts = append(parts, fmt.Sprintf("%d of %d members online", w.Online, max(0, w.Members-1)))
	if w.Conflicts > 0 {
		parts = append(parts, fmt.Sprintf("%d conflicts", w.Conflicts))
	}
	box.Objects[1].(*widget.Label).SetText(strings.Join(parts, " · "))
	badge := row.Objects[2].(*widget.Label)
	if w.Unread > 0 {
		badge.SetText(fmt.Sprintf("● %d unread", w.Unread))
	} else {
		badge.SetText("")
	}
}

// load runs on the controller: device, workspaces and peers.
func (s *Screen) load() {
	dev, derr := s.be.Device()
	all, err := s.be.Workspaces(context.Background())
	peers, perr := s.be.Discovery().Peers()
	s.loop.UI(func() {
		if derr == nil {
			s.device = dev
			s.deviceLbl.SetText("This device: " + dev.Name)
		}
		if err != nil {
			s.status.SetText(workspace.Explain("Could not list the workspaces", err))
			return
		}
		var keep uuid.UUID
		if s.selected >= 0 && s.selected < len(s.all) {
			keep = s.all[s.selected].ID
		}
		s.all = all
		s.list.Refresh()
		s.selected = -1
		for i, w := range all {
			if w.ID == keep {
				s.list.Select(i)
				s.selected = i
				s.showDetail()
			}
		}
		if s.selected < 0 {
			s.list.UnselectAll()
			s.showDetail()
		}
		s.showPeers(peers, perr)
	})
}

func (s *Screen) showPeers(peers []model.Peer, err error) {
	switch {
	case errors.Is(err, model.ErrNotAvailable):
		s.peers.SetText(workspace.Calm(err) + ".")
	case err != nil:
		s.peers.SetText(workspace.Explain("Could not look for devices", err))
	case len(peers) == 0:
		s.peers.SetText("No other Grove device seen on this network.")
	default:
		var b strings.Builder
		for _, p := range peers {
			fmt.Fprintf(&b, "%s · %s · %s\n", p.Name, model.ShortID(p.Device), p.Address)
		}
		s.peers.SetText(strings.TrimSpace(b.String()))
	}
}

func (s *Screen) selectWorkspace(i int) {
	s.selected = i
	s.showDetail()
}

// Selected returns the selected workspace, or ok false.
func (s *Screen) Selected() (model.WorkspaceSummary, bool) {
	if s.selected < 0 || s.selected >= len(s.all) {
		return model.WorkspaceSummary{}, false
	}
	return s.all[s.selected], true
}

// Select selects the workspace named name (tests and keyboard).
func (s *Screen) Select(name string) bool {
	for i, w := range s.all {
		if w.Name == name {
			s.list.Select(i)
			return true
		}
	}
	return false
}

// showDetail shows the selected workspace's actions.
func (s *Screen) showDetail() {
	s.detail.RemoveAll()
	w, ok := s.Selected()
	if !ok {
		s.detail.Add(widget.NewLabel("Choose a workspace, or create one."))
		return
	}
	name := widget.NewLabelWithStyle(w.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	info := widget.NewLabel(fmt.Sprintf("You are a %s. %d records in %s.", w.Role, w.Records, strings.Join(w.Tools, ", ")))
	info.Wrapping = fyne.TextWrapWord
	open := widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), func() { s.OpenSelected() })
	open.Importance = widget.HighImportance
	rename := widget.NewButtonWithIcon("Rename", theme.DocumentCreateIcon(), s.ShowRename)
	invite := widget.NewButtonWithIcon("Invite", theme.MailSendIcon(), s.ShowInvite)
	if !w.Role.CanDesign() {
		invite.Disable()
	}
	del := widget.NewButtonWithIcon("Delete from this device", theme.DeleteIcon(), s.ShowDelete)
	leave := widget.NewButtonWithIcon("Leave", theme.LogoutIcon(), s.ShowLeave)
	connect := widget.NewButtonWithIcon("Connect to server", theme.UploadIcon(), s.ShowConnect)
	s.detail.Add(name)
	s.detail.Add(info)
	s.detail.Add(container.NewGridWithColumns(2, open, rename, invite, leave, connect))
	s.detail.Add(del)
}

// OpenSelected opens the selected workspace's window.
func (s *Screen) OpenSelected() {
	if w, ok := s.Selected(); ok && s.opts.Open != nil {
		s.opts.Open(w.ID)
	}
}

// say shows a calm status line; fail an error.
func (s *Screen) say(msg string) {
	s.status.Importance = widget.MediumImportance
	s.status.SetText(msg)
}

func (s *Screen) fail(what string, err error) {
	if errors.Is(err, model.ErrNotAvailable) {
		s.say(workspace.Explain(what, err))
		return
	}
	s.status.Importance = widget.DangerImportance
	s.status.SetText(workspace.Explain(what, err))
}

// run runs a domain call on the controller with progress, then done on
// the Fyne thread.
func (s *Screen) run(what string, call func() error, done func()) {
	s.progress.Show()
	s.progress.Start()
	s.loop.Post(func(context.Context) {
		err := call()
		s.loop.UI(func() {
			s.progress.Stop()
			s.progress.Hide()
			if err != nil {
				s.fail(what, err)
				return
			}
			if done != nil {
				done()
			}
		})
		s.load()
	})
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	return h
}
