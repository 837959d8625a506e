// Package app is Grove's desktop application: the main window (welcome,
// then home) and the workspace, conflicts and designer windows it opens,
// over the domain interfaces of app/model. It never imports the store:
// main passes a model.Backend (app/local over the replica store).
//
// Every screen has a controller goroutine (app/loop) that does the
// storage and network work and hands results to Fyne with fyne.Do; all of
// them end when their window closes or the app quits.
package app

import (
	"context"

	"fyne.io/fyne/v2"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/designer"
	"github.com/grove-team/grove/app/home"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/app/workspace"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/schema"
)

// App is the running desktop application.
type App struct {
	fyne    fyne.App
	be      model.Backend
	win     fyne.Window
	home    *home.Screen
	ctx     context.Context
	cancel  context.CancelFunc
	windows map[uuid.UUID]*workspace.Window
	ui      func(func())
}

// New builds the main window over the given domain: the welcome on first
// run, then the workspaces.
func New(a fyne.App, be model.Backend) *App {
	return newApp(a, be, nil)
}

func newApp(a fyne.App, be model.Backend, ui func(func())) *App {
	ctx, cancel := context.WithCancel(context.Background())
	g := &App{fyne: a, be: be, win: a.NewWindow("Grove"), ctx: ctx, cancel: cancel,
		windows: map[uuid.UUID]*workspace.Window{}, ui: ui}
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	g.win.SetMaster()
	workspace.RememberSize(a, g.win, "home", fyne.NewSize(900, 600))
	welcome, err := be.NeedsWelcome()
	if err != nil {
		welcome = false
	}
	g.home = home.New(be, g.win, welcome, home.Options{UI: ui, Open: g.Open})
	g.win.SetContent(g.home.Content())
	g.win.Canvas().AddShortcut(workspace.Shortcut(fyne.KeyQ), func(fyne.Shortcut) { g.Quit() })
	g.win.SetCloseIntercept(func() {
		workspace.SaveSize(a, g.win, "home")
		g.win.Close()
	})
	g.win.SetOnClosed(g.shutdown)
	g.home.Start(ctx)
	return g
}

// Window returns the main window.
func (g *App) Window() fyne.Window { return g.win }

// Home returns the home screen.
func (g *App) Home() *home.Screen { return g.home }

// ShowAndRun shows the main window and runs the app until it quits; then
// every controller is stopped and waited for.
func (g *App) ShowAndRun() {
	g.win.Show()
	g.home.FocusWelcome()
	g.fyne.Run()
	g.shutdown()
}

// Quit closes every window and ends the app.
func (g *App) Quit() {
	workspace.SaveSize(g.fyne, g.win, "home")
	for _, w := range g.windows {
		workspace.SaveSize(g.fyne, w.Win, "workspace")
	}
	g.fyne.Quit()
}

// shutdown stops the controllers: workspace windows first, home last.
func (g *App) shutdown() {
	for id, w := range g.windows {
		w.Screen.Close()
		w.Screen.Wait()
		delete(g.windows, id)
	}
	g.home.Close()
	g.cancel()
	g.home.Wait()
}

// Workspace returns the open window of a workspace, or nil.
func (g *App) Workspace(id uuid.UUID) *workspace.Window { return g.windows[id] }

// Open opens a workspace's window, or brings it forward.
func (g *App) Open(id uuid.UUID) {
	if w := g.windows[id]; w != nil {
		w.Win.RequestFocus()
		return
	}
	ws, err := g.be.Open(id)
	if err != nil {
		return
	}
	var win *workspace.Window
	opts := workspace.Options{UI: g.ui, Sync: g.be.Sync(), Quit: g.Quit}
	opts.OpenDesigner = func(t *schema.Tool) {
		s := win.Screen
		designer.Open(g.ctx, g.fyne, ws, t, designer.Options{Role: s.Role(), Connected: s.Connected()})
	}
	opts.OpenConflicts = func() {
		// Refused changes listed there are fixed in this window's form.
		workspace.OpenConflicts(g.ctx, g.fyne, ws, win.Screen.Name(), func(r model.Refused) {
			win.Win.RequestFocus()
			win.Screen.EditRefused(r)
		})
	}
	opts.Closed = func() { win.Win.Close() }
	win = workspace.Open(g.ctx, g.fyne, ws, opts, func() { delete(g.windows, id) })
	g.windows[id] = win
}
