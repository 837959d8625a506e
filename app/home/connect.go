package home

import (
	"context"
	"fmt"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/app/workspace"
)

// ShowConnect opens the connect dialog for the selected workspace: bind
// it to a Grove server (managers only; anyone else is told why).
func (s *Screen) ShowConnect() {
	w, ok := s.Selected()
	if !ok {
		return
	}
	s.loop.Post(func(context.Context) {
		ws, err := s.be.Open(w.ID)
		var conn *model.Connection
		if err == nil {
			if c, ok, cerr := ws.Connection(); cerr == nil && ok {
				conn = &c
			}
		}
		s.loop.UI(func() {
			if err != nil {
				s.fail("Could not open "+w.Name, err)
				return
			}
			s.CloseDialog()
			f := workspace.NewConnectForm(ws, w.Role, conn, s.opts.UI)
			f.OnConnected = func(res model.ConnectResult) {
				s.say(fmt.Sprintf("%s is connected to %s.", w.Name, res.Connection.Host))
				s.loop.Post(func(context.Context) { s.load() })
			}
			s.Dialog = DialogWidgets{Connect: f, OK: f.ConnectBtn, Note: f.Note}
			s.dlg = workspace.ShowConnect(s.win, f)
		})
	})
}
