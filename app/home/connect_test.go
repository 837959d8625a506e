package home

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/replica"
)

func TestConnectFromHome(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	a := apptest.NewDevice(t, "Ana")
	id := a.Demo(t)
	b := apptest.NewDevice(t, "Ben")
	a.Join(t, b, id, replica.RoleParticipant)

	for _, tc := range []struct {
		name    string
		env     *apptest.Env
		allowed bool
	}{
		{"manager", a, true},
		{"participant", b, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.env.Backend, false)
			if !h.s.Select(firstrun.DemoName) {
				t.Fatalf("no %q listed", firstrun.DemoName)
			}
			h.s.ShowConnect()
			h.settle()
			f := h.s.Dialog.Connect
			if f == nil {
				t.Fatal("no connect dialog")
			}
			if f.ConnectBtn.Disabled() == tc.allowed {
				t.Errorf("connect button disabled = %v", f.ConnectBtn.Disabled())
			}
			if why := strings.Contains(f.Note.Text, "Only managers"); why == tc.allowed {
				t.Errorf("note %q", f.Note.Text)
			}
			if tc.allowed {
				// Nothing typed: the form says what is missing, no goroutine starts.
				test.Tap(f.ConnectBtn)
				if !strings.Contains(f.Note.Text, "server's address") {
					t.Errorf("empty form: note %q", f.Note.Text)
				}
			}
			h.s.CloseDialog()
		})
	}
}
