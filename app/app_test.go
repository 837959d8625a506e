package app

import (
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/workspace"
)

func TestOpenWorkspaceWindowAndShortcuts(t *testing.T) {
	apptest.Setup(t)
	a := test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	id := env.Demo(t)
	q := &loop.Queue{}
	g := newApp(a, env.Backend, q.Do)
	t.Cleanup(g.shutdown)
	q.Settle(g.Home().Loop())
	if g.Home().Welcoming() {
		t.Fatal("welcome shown although it was completed")
	}
	g.Open(id)
	w := g.Workspace(id)
	if w == nil {
		t.Fatal("no workspace window")
	}
	s := w.Screen
	q.Settle(g.Home().Loop(), s.Loop())
	if got := w.Win.Title(); got != "Sample team — Grove" {
		t.Errorf("title = %q", got)
	}
	sc, ok := w.Win.Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	if !ok {
		t.Skip("the test canvas does not take shortcuts")
	}
	sc.TypedShortcut(workspace.Shortcut(fyne.KeyN))
	if !strings.HasPrefix(s.Status(), "Ready") && s.Status() == "" {
		t.Errorf("status = %q", s.Status())
	}
	focused := w.Win.Canvas().Focused()
	if focused == nil {
		t.Fatal("Ctrl+N did not focus the first field of a new record")
	}
	sc.TypedShortcut(workspace.Shortcut(fyne.KeyF))
	if w.Win.Canvas().Focused() == focused {
		t.Error("Ctrl+F did not move the focus to the search box")
	}
	// The window size is remembered.
	w.Win.Resize(fyne.NewSize(1000, 700))
	workspace.SaveSize(a, w.Win, "workspace")
	if got := a.Preferences().Float(workspace.SizeKey + "workspace.w"); got != 1000 {
		t.Errorf("remembered width = %v", got)
	}
}

// TestNoStoreInScreens keeps bbolt (and the store) out of the screens and
// widgets, and Fyne out of app/model.
func TestNoStoreInScreens(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./", "./model", "./home", "./workspace", "./designer", "./loop", "./fake", "../widgets/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "go.etcd.io/bbolt") || strings.HasSuffix(p, "grove/replica") {
			t.Errorf("the screens depend on %s", p)
		}
	}
	out, err = exec.Command("go", "list", "-deps", "./model", "./fake").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "fyne.io/") {
			t.Errorf("app/model depends on %s", p)
		}
	}
}
