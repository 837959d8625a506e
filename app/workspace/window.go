package workspace

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/assets"
)

// SizeKey is the preference key prefix under which a window's size is
// remembered.
const SizeKey = "window.size."

// RememberSize restores a window's size from the app's preferences (or
// def) and saves it when the window closes.
func RememberSize(a fyne.App, w fyne.Window, name string, def fyne.Size) {
	p := a.Preferences()
	wd := p.FloatWithFallback(SizeKey+name+".w", float64(def.Width))
	ht := p.FloatWithFallback(SizeKey+name+".h", float64(def.Height))
	w.Resize(fyne.NewSize(float32(wd), float32(ht)))
}

// SaveSize stores a window's current size.
func SaveSize(a fyne.App, w fyne.Window, name string) {
	s := w.Canvas().Size()
	if s.Width < 100 || s.Height < 100 {
		return
	}
	p := a.Preferences()
	p.SetFloat(SizeKey+name+".w", float64(s.Width))
	p.SetFloat(SizeKey+name+".h", float64(s.Height))
}

// Window is a workspace window: the screen, its menu and shortcuts.
type Window struct {
	Screen *Screen
	Win    fyne.Window
}

// Open opens a workspace in a new window and starts its controller; the
// controller stops when the window closes. onClosed runs after that.
func Open(ctx context.Context, a fyne.App, ws model.Workspace, opts Options, onClosed func()) *Window {
	quit := opts.Quit
	if quit == nil {
		quit = a.Quit
	}
	w := a.NewWindow("Grove")
	s := New(ws, w, opts)
	RememberSize(a, w, "workspace", fyne.NewSize(1200, 760))
	w.SetContent(s.Content())
	for sc, f := range s.Shortcuts() {
		w.Canvas().AddShortcut(sc, func(fyne.Shortcut) { f() })
	}
	w.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("Record",
			&fyne.MenuItem{Label: "New record", Shortcut: Shortcut(fyne.KeyN), Action: s.NewRecord},
			&fyne.MenuItem{Label: "Save", Shortcut: Shortcut(fyne.KeyS), Action: s.Save},
			&fyne.MenuItem{Label: "Find", Shortcut: Shortcut(fyne.KeyF), Action: s.FocusSearch},
			fyne.NewMenuItemSeparator(),
			&fyne.MenuItem{Label: "Quit", Shortcut: Shortcut(fyne.KeyQ), IsQuit: true, Action: quit},
		),
		fyne.NewMenu("Workspace",
			fyne.NewMenuItem("Connect to a server…", s.ShowConnect),
			fyne.NewMenuItem("Refused changes", s.ShowRefused),
		),
		fyne.NewMenu("Help",
			fyne.NewMenuItem("About Grove", func() { ShowAbout(w) }),
		),
	))
	w.SetCloseIntercept(func() {
		SaveSize(a, w, "workspace")
		w.Close()
	})
	w.SetOnClosed(func() {
		s.Close()
		if onClosed != nil {
			onClosed()
		}
	})
	s.Start(ctx)
	w.Show()
	return &Window{Screen: s, Win: w}
}

// ShowAbout shows Grove's name, version and what it is.
func ShowAbout(w fyne.Window) {
	dialog.ShowInformation("About Grove", fmt.Sprintf("Grove %s\n\nShared workspaces of records that sync\nbetween your team's devices, online or not.", assets.Version), w)
}
