package home

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/fake"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
)

type harness struct {
	s      *Screen
	q      *loop.Queue
	w      fyne.Window
	opened []uuid.UUID
}

func start(t *testing.T, be model.Backend, welcome bool) *harness {
	t.Helper()
	h := &harness{q: &loop.Queue{}}
	h.w = test.NewTempWindow(t, nil)
	h.s = New(be, h.w, welcome, Options{UI: h.q.Do, Open: func(id uuid.UUID) { h.opened = append(h.opened, id) }})
	h.w.SetContent(h.s.Content())
	h.w.Resize(fyne.NewSize(900, 600))
	ctx, cancel := context.WithCancel(context.Background())
	h.s.Start(ctx)
	t.Cleanup(func() { h.s.Close(); h.s.Wait(); cancel() })
	h.q.Settle(h.s.Loop())
	return h
}

func (h *harness) settle() { h.q.Settle(h.s.Loop()) }

func TestWelcomeNamesDeviceAndOpensDemo(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	store, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	be := local.New(store) // a data folder never used: no device yet
	need, err := be.NeedsWelcome()
	if err != nil || !need {
		t.Fatalf("NeedsWelcome = %v, %v", need, err)
	}
	h := start(t, be, true)
	if !h.s.Welcoming() {
		t.Fatal("no welcome on first run")
	}
	h.s.Dialog.Name.SetText("")
	test.Type(h.s.Dialog.Name, "Ana's laptop")
	test.AssertRendersToMarkup(t, "welcome.xml", h.w.Canvas())
	test.Tap(h.s.Dialog.OK)
	h.settle()
	dev, err := be.Device()
	if err != nil || dev.Name != "Ana's laptop" {
		t.Fatalf("device = %+v, %v", dev, err)
	}
	if h.s.Welcoming() || len(h.opened) != 1 {
		t.Fatalf("after welcome: welcoming %v, opened %v", h.s.Welcoming(), h.opened)
	}
	all := h.s.Workspaces()
	if len(all) != 1 || all[0].Name != "Sample team" || strings.Join(all[0].Tools, ",") != "Contacts,Tasks" || all[0].ID != h.opened[0] {
		t.Fatalf("workspaces = %+v", all)
	}
	if again, _ := be.NeedsWelcome(); again {
		t.Error("welcome would show again")
	}
}

func TestCreateRenameAndDeleteWorkspace(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	env.Demo(t)
	h := start(t, env.Backend, false)

	h.s.ShowCreate()
	test.Type(h.s.Dialog.Name, "Projects")
	h.s.Dialog.Template.SetSelected("Tasks")
	test.Tap(h.s.Dialog.OK)
	h.settle()
	var created model.WorkspaceSummary
	for _, w := range h.s.Workspaces() {
		if w.Name == "Projects" {
			created = w
		}
	}
	if created.ID == uuid.Nil || strings.Join(created.Tools, ",") != "Tasks" || created.Records != 0 || created.Role != model.RoleManager {
		t.Fatalf("created = %+v", created)
	}
	if len(h.opened) != 1 || h.opened[0] != created.ID {
		t.Errorf("opened = %v", h.opened)
	}

	if !h.s.Select("Projects") {
		t.Fatal("cannot select Projects")
	}
	h.s.ShowRename()
	h.s.Dialog.Name.SetText("")
	test.Type(h.s.Dialog.Name, "Projects 2026")
	test.Tap(h.s.Dialog.OK)
	h.settle()
	if w, ok := h.s.Selected(); !ok || w.Name != "Projects 2026" {
		t.Fatalf("after rename selected = %+v", w)
	}
	test.AssertRendersToMarkup(t, "home.xml", h.w.Canvas())

	h.s.ShowDelete()
	test.Tap(h.s.Dialog.OK)
	h.settle()
	for _, w := range h.s.Workspaces() {
		if w.ID == created.ID {
			t.Fatal("workspace still listed after delete")
		}
	}
	if len(h.s.Workspaces()) != 1 {
		t.Errorf("%d workspaces left", len(h.s.Workspaces()))
	}
}

func TestBlankWorkspaceNeedsAName(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	h := start(t, env.Backend, false)
	h.s.ShowCreate()
	test.Tap(h.s.Dialog.OK)
	h.settle()
	if len(h.s.Workspaces()) != 0 || !strings.Contains(h.s.Status(), "name") {
		t.Fatalf("nameless create: %d workspaces, status %q", len(h.s.Workspaces()), h.s.Status())
	}
	test.Type(h.s.Dialog.Name, "Inventory")
	test.Tap(h.s.Dialog.OK) // blank is the default
	h.settle()
	if all := h.s.Workspaces(); len(all) != 1 || strings.Join(all[0].Tools, ",") != "Items" {
		t.Fatalf("blank workspace = %+v", all)
	}
}

func TestInviteAndJoinWithFakeNetwork(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	env := apptest.NewDevice(t, "Tester")
	id := env.Demo(t)
	env.Net.SetPeers(model.Peer{Device: "PEER-DEVICE-ID", Name: "Ben's laptop", Address: "192.0.2.7:22000"})
	h := start(t, env.Backend, false)
	if !strings.Contains(h.s.peers.Text, "Ben's laptop") {
		t.Errorf("peers = %q", h.s.peers.Text)
	}
	h.s.Select("Sample team")
	h.s.ShowInvite()
	h.s.Dialog.Role.SetSelected("Guest")
	test.Tap(h.s.Dialog.OK)
	h.settle()
	code := h.s.Dialog.Code.Text
	if !strings.HasPrefix(code, "GROVE-GUE-") || h.s.Dialog.Copy.Disabled() {
		t.Fatalf("invite code %q, copy disabled %v", code, h.s.Dialog.Copy.Disabled())
	}
	test.Tap(h.s.Dialog.Copy)
	if got := fyne.CurrentApp().Clipboard().Content(); got != code {
		t.Errorf("clipboard = %q", got)
	}
	h.s.CloseDialog()

	h.s.ShowJoin()
	test.Type(h.s.Dialog.Code, "WRONG")
	test.Tap(h.s.Dialog.OK)
	h.settle()
	if !strings.Contains(h.s.Dialog.Note.Text, "not a valid invitation") {
		t.Errorf("bad code note = %q", h.s.Dialog.Note.Text)
	}
	h.s.Dialog.Code.SetText(code)
	test.Tap(h.s.Dialog.OK)
	h.settle()
	if len(h.opened) != 1 || h.opened[0] != id {
		t.Errorf("join opened %v", h.opened)
	}
}

func TestNetworkNotAvailableIsCalm(t *testing.T) {
	apptest.Setup(t)
	test.NewTempApp(t)
	store, _ := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	defer store.Close()
	store.Init("Solo")
	be := local.New(store) // the real placeholders
	if _, err := be.CreateWorkspace("Solo work", "contacts"); err != nil {
		t.Fatal(err)
	}
	h := start(t, be, false)
	if !strings.Contains(h.s.peers.Text, "later version") {
		t.Errorf("peers note = %q", h.s.peers.Text)
	}
	h.s.Select("Solo work")
	h.s.ShowInvite()
	test.Tap(h.s.Dialog.OK)
	h.settle()
	note := h.s.Dialog.Note.Text
	if !strings.Contains(note, "later version") || strings.Contains(note, "not available yet") {
		t.Errorf("invite note = %q, want a calm sentence", note)
	}
	var _ model.Sharing = fake.New()
}
