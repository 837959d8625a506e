package workspace

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/assets"
)

// hasText reports whether a label or rich text below o contains s.
func hasText(o fyne.CanvasObject, s string) bool {
	switch v := o.(type) {
	case *widget.Label:
		if strings.Contains(v.Text, s) {
			return true
		}
	case *fyne.Container:
		for _, c := range v.Objects {
			if hasText(c, s) {
				return true
			}
		}
		return false
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			if hasText(c, s) {
				return true
			}
		}
	}
	return false
}

func TestAboutShowsVersion(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Grove")
	w.Resize(fyne.NewSize(600, 400))
	ShowAbout(w)
	for _, o := range w.Canvas().Overlays().List() {
		if hasText(o, "Grove "+assets.Version) {
			return
		}
	}
	t.Fatalf("About dialog does not show version %s", assets.Version)
}
