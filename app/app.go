// Package app is Grove's desktop application: windows, screens and their
// controllers, over the domain interfaces of app/model.
package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/app/model"
)

// App is the running desktop application.
type App struct {
	fyne fyne.App
	home model.Home
	win  fyne.Window
}

// New builds the main window over the given domain.
func New(a fyne.App, home model.Home) *App {
	g := &App{fyne: a, home: home, win: a.NewWindow("Grove")}
	g.win.Resize(fyne.NewSize(900, 600))
	g.win.SetContent(g.homeScreen())
	return g
}

// Window returns the main window.
func (g *App) Window() fyne.Window { return g.win }

// ShowAndRun shows the main window and runs the app until it closes.
func (g *App) ShowAndRun() { g.win.ShowAndRun() }

// homeScreen lists the workspaces on this device.
func (g *App) homeScreen() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Workspaces", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	dev, err := g.home.Device()
	device := widget.NewLabel("")
	if err == nil {
		device.SetText(fmt.Sprintf("%s · %s", dev.Name, dev.ID[:13]))
	}
	all, err := g.home.Workspaces()
	var body fyne.CanvasObject
	switch {
	case err != nil:
		body = widget.NewLabel("Could not read the workspaces: " + err.Error())
	case len(all) == 0:
		body = widget.NewLabel("No workspaces yet. Create one with: grove workspace create NAME --template contacts")
	default:
		list := widget.NewList(
			func() int { return len(all) },
			func() fyne.CanvasObject {
				return container.NewHBox(widget.NewIcon(theme.FolderIcon()), widget.NewLabel("workspace"), layout.NewSpacer(), widget.NewLabel("count"))
			},
			func(i widget.ListItemID, o fyne.CanvasObject) {
				row := o.(*fyne.Container)
				w := all[i]
				row.Objects[1].(*widget.Label).SetText(w.Name + "  —  " + strings.Join(w.Tools, ", "))
				row.Objects[3].(*widget.Label).SetText(fmt.Sprintf("%d records", w.Records))
			})
		body = list
	}
	header := container.NewHBox(title, layout.NewSpacer(), device)
	return container.NewBorder(header, nil, nil, nil, body)
}
