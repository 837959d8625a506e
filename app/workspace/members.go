package workspace

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/widgets"
)

// membersPane lists the members with role, presence and last sync, the
// sync partners with the changes each side still has to exchange, and
// offers "Sync now" with its progress.
type membersPane struct {
	s        *Screen
	list     *fyne.Container
	partners *fyne.Container
	note     *widget.Label
	syncBtn  *widget.Button
	progress *widget.ProgressBar
	members  []model.Member
	status   model.SyncStatus
	content  fyne.CanvasObject
}

func newMembersPane(s *Screen) *membersPane {
	p := &membersPane{s: s, list: container.NewVBox(), partners: container.NewVBox()}
	p.note = widget.NewLabel("")
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Hide()
	p.syncBtn = widget.NewButtonWithIcon("Sync now", theme.ViewRefreshIcon(), func() {
		p.syncBtn.Disable()
		s.loop.Post(func(context.Context) { s.syncNow() })
	})
	p.progress = widget.NewProgressBar()
	p.progress.Hide()
	body := container.NewVBox(
		widget.NewLabelWithStyle("Members", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.list,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Sync partners", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.partners,
		p.progress, p.note)
	p.content = container.NewBorder(nil, container.NewHBox(p.syncBtn), nil, nil, container.NewVScroll(body))
	return p
}

// show displays members and sync status read by the controller.
func (p *membersPane) show(ms []model.Member, err error, st model.SyncStatus, stErr error) {
	p.members, p.status = ms, st
	if err == nil {
		p.s.rec.setPeople(peopleOptions(ms))
	}
	p.list.RemoveAll()
	if err != nil {
		p.list.Add(widget.NewLabel(Explain("Could not read the members", err)))
	}
	for _, m := range ms {
		name := m.Name
		if m.Me {
			name += " (you)"
		}
		last := "never synced"
		if m.Me {
			last = "this device"
		} else if !m.LastSync.IsZero() {
			last = "last sync " + when(m.LastSync)
		}
		role := widget.NewLabel(m.Role.Title())
		role.SizeName = theme.SizeNameCaptionText
		info := widget.NewLabel(last)
		info.SizeName = theme.SizeNameCaptionText
		p.list.Add(container.NewBorder(nil, nil, widgets.NewPresenceBadge(name, m.Online), role, info))
	}
	p.partners.RemoveAll()
	if len(st.Partners) == 0 {
		p.partners.Add(widget.NewLabel("No sync partners seen yet."))
	}
	for _, pt := range st.Partners {
		line := fmt.Sprintf("%d to send · %d to receive", pt.ToSend, pt.ToReceive)
		if !pt.LastSync.IsZero() {
			line += " · last sync " + when(pt.LastSync)
		}
		p.partners.Add(container.NewBorder(nil, nil, widgets.NewPresenceBadge(pt.Name, pt.Online), nil, widget.NewLabel(line)))
	}
	switch {
	case st.Running && st.Total > 0:
		p.progress.Max = float64(st.Total)
		p.progress.SetValue(float64(st.Done))
		p.progress.Show()
	case st.Running:
		p.progress.Max = 1
		p.progress.SetValue(0)
		p.progress.Show()
	default:
		p.progress.Hide()
	}
	p.note.Hide()
	if stErr != nil {
		p.setNote(stErr)
	} else if st.LastError != "" {
		p.note.SetText("The last sync did not finish: " + st.LastError + ". Grove tries again when the partner is seen; or press Sync now.")
		p.note.Show()
	}
	if st.Running {
		p.syncBtn.Disable()
		p.syncBtn.SetText("Syncing…")
	} else {
		p.syncBtn.Enable()
		p.syncBtn.SetText("Sync now")
	}
}

// syncFailed explains why a sync did not start.
func (p *membersPane) syncFailed(err error) {
	p.syncBtn.Enable()
	p.setNote(err)
}

func (p *membersPane) setNote(err error) {
	if errors.Is(err, model.ErrNotAvailable) {
		p.note.Importance = widget.MediumImportance
		p.note.SetText(capitalize(Calm(err)) + ". Your changes are kept safely on this device.")
	} else {
		p.note.Importance = widget.DangerImportance
		p.note.SetText(Explain("Sync did not start", err))
	}
	p.note.Show()
}
