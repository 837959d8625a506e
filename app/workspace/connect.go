package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/app/model"
)

// ConnectForm is the connect dialog's content: the server's address, the
// access token and, optionally, the server certificate's fingerprint.
// Connect runs model.ConnectedMode.Connect on the form's own goroutine with
// progress, then shows the server's fingerprint and the lists mirrored as
// tools, or what went wrong and what to do. Only managers connect; anyone
// else sees why.
//
// The Fyne thread builds and drives it. It owns at most one goroutine, a
// connect under way; Close cancels it and Wait waits for it.
type ConnectForm struct {
	// OnConnected is called on the Fyne thread after a connect succeeded.
	OnConnected func(model.ConnectResult)

	ws model.ConnectedMode
	ui func(func())

	// Inputs and outputs, for keyboard focus and tests.
	Server, Token, Fingerprint *widget.Entry
	ConnectBtn                 *widget.Button
	Note                       *widget.Label
	progress                   *widget.ProgressBarInfinite
	content                    fyne.CanvasObject

	cancel  context.CancelFunc // of the connect under way; Fyne thread
	running sync.WaitGroup
}

// NewConnectForm builds the form for a workspace. role is this device's
// role; conn is the current binding, nil when not connected. ui applies
// changes on the Fyne thread (nil: fyne.Do).
func NewConnectForm(ws model.ConnectedMode, role model.Role, conn *model.Connection, ui func(func())) *ConnectForm {
	if ui == nil {
		ui = fyne.Do
	}
	f := &ConnectForm{ws: ws, ui: ui}
	f.Server = widget.NewEntry()
	f.Server.SetPlaceHolder("https://grove.example.com:8443")
	f.Token = widget.NewPasswordEntry()
	f.Token.SetPlaceHolder("the access token you were given")
	f.Fingerprint = widget.NewEntry()
	f.Fingerprint.SetPlaceHolder("optional: the certificate fingerprint you were given")
	f.Note = widget.NewLabel("The server then owns this workspace's design: its lists become tools here, and members change their data only. The server may refuse a change; refused changes are kept and listed with its reason.")
	f.Note.Wrapping = fyne.TextWrapWord
	f.progress = widget.NewProgressBarInfinite()
	f.progress.Hide()
	f.progress.Stop()
	f.ConnectBtn = widget.NewButton("Connect", f.Connect)
	f.ConnectBtn.Importance = widget.HighImportance
	if conn != nil {
		f.Server.SetText(conn.Server)
		f.Fingerprint.SetText(conn.Fingerprint)
		f.Note.SetText(fmt.Sprintf("This workspace is connected to %s. Connect again to pick up new lists or use another access token.", conn.Host))
	}
	if !role.CanDesign() {
		f.Note.SetText(fmt.Sprintf("Only managers connect a workspace to a server, because the server then owns its design. You are a %s here: ask a manager of the workspace to connect it.", role))
		for _, e := range []*widget.Entry{f.Server, f.Token, f.Fingerprint} {
			e.Disable()
		}
		f.ConnectBtn.Disable()
	}
	f.Token.OnSubmitted = func(string) { f.Connect() }
	form := widget.NewForm(
		widget.NewFormItem("Server", f.Server),
		widget.NewFormItem("Access token", f.Token),
		widget.NewFormItem("Fingerprint", f.Fingerprint))
	f.content = container.NewVBox(form, f.progress, f.Note)
	return f
}

// Content returns the form's root object (without the buttons).
func (f *ConnectForm) Content() fyne.CanvasObject { return f.content }

// Connect starts connecting with what was typed. It returns at once.
func (f *ConnectForm) Connect() {
	if f.cancel != nil || f.ConnectBtn.Disabled() {
		return
	}
	req := model.ConnectRequest{Server: f.Server.Text, Token: f.Token.Text, Fingerprint: f.Fingerprint.Text}
	switch {
	case strings.TrimSpace(req.Server) == "":
		f.Note.SetText("Type the server's address, like https://grove.example.com:8443.")
		return
	case strings.TrimSpace(req.Token) == "":
		f.Note.SetText("Type the access token the server's administrator gave you.")
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.ConnectBtn.Disable()
	f.progress.Show()
	f.progress.Start()
	f.Note.SetText("Connecting to " + strings.TrimSpace(req.Server) + "…")
	f.running.Add(1)
	go func() {
		defer f.running.Done()
		res, err := f.ws.Connect(ctx, req)
		f.ui(func() { f.done(res, err) })
	}()
}

// done shows the result of a connect.
func (f *ConnectForm) done(res model.ConnectResult, err error) {
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
	f.progress.Stop()
	f.progress.Hide()
	f.ConnectBtn.Enable()
	if err != nil {
		f.Note.Importance = widget.DangerImportance
		f.Note.SetText(ExplainConnect(f.Server.Text, err))
		return
	}
	f.Note.Importance = widget.MediumImportance
	f.Note.SetText(connectedText(res))
	f.ConnectBtn.SetText("Connect again")
	if f.OnConnected != nil {
		f.OnConnected(res)
	}
}

func connectedText(res model.ConnectResult) string {
	c := res.Connection
	var b strings.Builder
	fmt.Fprintf(&b, "Connected to %s.\nServer certificate: %s\nCompare it with the fingerprint the server's administrator gave you; Grove checks it at every sync from now on.\n", c.Host, groupHex(c.Fingerprint))
	if len(c.Lists) == 0 {
		b.WriteString("The server shares no list with you yet; ask its administrator for access.\n")
	} else {
		fmt.Fprintf(&b, "Lists now here as tools: %s.\n", strings.Join(c.Lists, ", "))
	}
	if res.SyncError != "" {
		fmt.Fprintf(&b, "The first sync did not finish (%s); it is tried again later.", res.SyncError)
	} else {
		fmt.Fprintf(&b, "First sync: %d items received, %d changes sent", res.Pulled, res.Pushed)
		if res.Refused > 0 {
			fmt.Fprintf(&b, ", %d refused (see Refused changes)", res.Refused)
		}
		b.WriteString(".")
	}
	return b.String()
}

// groupHex writes a hex fingerprint in groups of four, for reading aloud.
func groupHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// ExplainConnect says why a connect failed and what to do.
func ExplainConnect(server string, err error) string {
	server = strings.TrimSpace(server)
	switch {
	case errors.Is(err, context.Canceled):
		return "Connecting was cancelled; nothing changed."
	case errors.Is(err, model.ErrServerToken):
		return "The server did not accept the access token. Check that you pasted all of it; if it still fails, ask the server's administrator for a new token. Nothing changed here."
	case errors.Is(err, model.ErrServerFingerprint):
		return "The server's certificate does not match the fingerprint. Another server may be answering at this address, or the server's certificate changed. Compare with the fingerprint the administrator gave you; only if the server really changed, type its new fingerprint. Nothing changed here."
	case errors.Is(err, model.ErrServerUnreachable):
		return fmt.Sprintf("The server at %s did not answer. Check the address and port, that the server is running, and that this computer can reach it; then try again. Nothing changed here.", server)
	}
	return Explain("Could not connect", err)
}

// Close cancels a connect under way; it does not wait.
func (f *ConnectForm) Close() {
	if f.cancel != nil {
		f.cancel()
	}
}

// Wait waits for a connect under way to end (its result is handed to ui).
func (f *ConnectForm) Wait() { f.running.Wait() }

// ShowConnect shows the connect dialog over w. Cancel or Close cancels a
// connect under way.
func ShowConnect(w fyne.Window, f *ConnectForm) dialog.Dialog {
	var d dialog.Dialog
	closeBtn := widget.NewButton("Close", func() {
		f.Close()
		d.Hide()
	})
	body := container.NewBorder(nil, container.NewHBox(closeBtn, f.ConnectBtn), nil, nil, f.Content())
	d = dialog.NewCustomWithoutButtons("Connect to a server", body, w)
	d.SetOnClosed(f.Close)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
	if !f.Server.Disabled() {
		if f.Server.Text == "" {
			w.Canvas().Focus(f.Server)
		} else {
			w.Canvas().Focus(f.Token)
		}
	}
	return d
}
