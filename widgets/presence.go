package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// PresenceBadge is a dot, green when someone is online and grey when not,
// followed by a name.
type PresenceBadge struct {
	widget.BaseWidget

	name   string
	online bool
}

// NewPresenceBadge returns a badge.
func NewPresenceBadge(name string, online bool) *PresenceBadge {
	b := &PresenceBadge{name: name, online: online}
	b.ExtendBaseWidget(b)
	return b
}

// Set changes the name and presence.
func (b *PresenceBadge) Set(name string, online bool) {
	b.name, b.online = name, online
	b.Refresh()
}

// Online reports the presence shown.
func (b *PresenceBadge) Online() bool { return b.online }

// CreateRenderer implements fyne.Widget.
func (b *PresenceBadge) CreateRenderer() fyne.WidgetRenderer {
	dot := canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	label := widget.NewLabel(b.name)
	box := container.NewHBox(container.NewCenter(container.New(layout.NewGridWrapLayout(fyne.NewSquareSize(10)), dot)), label)
	r := &presenceRenderer{b: b, dot: dot, label: label, box: box}
	r.Refresh()
	return r
}

type presenceRenderer struct {
	b     *PresenceBadge
	dot   *canvas.Circle
	label *widget.Label
	box   *fyne.Container
}

func (r *presenceRenderer) Layout(s fyne.Size)           { r.box.Resize(s) }
func (r *presenceRenderer) MinSize() fyne.Size           { return r.box.MinSize() }
func (r *presenceRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.box} }
func (r *presenceRenderer) Destroy()                     {}

func (r *presenceRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	if r.b.online {
		r.dot.FillColor = th.Color(theme.ColorNameSuccess, v)
	} else {
		r.dot.FillColor = th.Color(theme.ColorNameDisabled, v)
	}
	r.dot.Refresh()
	r.label.SetText(r.b.name)
}
