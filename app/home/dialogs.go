package home

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/app/workspace"
)

// Template choices of the create dialog.
const (
	TemplateBlank = "Blank"
	TemplateBoth  = "Contacts and Tasks"
)

// show opens a dialog whose buttons are part of content.
func (s *Screen) show(title string, content fyne.CanvasObject, ok *widget.Button, okLabel string, action func()) {
	if s.dlg != nil {
		s.dlg.Hide()
	}
	cancel := widget.NewButton("Cancel", func() { s.CloseDialog() })
	if ok == nil {
		ok = widget.NewButton(okLabel, nil)
	}
	ok.SetText(okLabel)
	ok.Importance = widget.HighImportance
	ok.OnTapped = action
	s.Dialog.OK = ok
	body := container.NewBorder(nil, container.NewHBox(cancel, ok), nil, nil, content)
	s.dlg = dialog.NewCustomWithoutButtons(title, body, s.win)
	s.dlg.Resize(fyne.NewSize(460, 0))
	s.dlg.Show()
}

// CloseDialog hides the open dialog.
func (s *Screen) CloseDialog() {
	if s.dlg != nil {
		s.dlg.Hide()
		s.dlg = nil
	}
	s.Dialog = DialogWidgets{}
}

// ShowCreate asks for a name and a template.
func (s *Screen) ShowCreate() {
	name := widget.NewEntry()
	name.SetPlaceHolder("e.g. Sales team")
	opts := []string{TemplateBlank}
	for _, t := range s.be.Templates() {
		opts = append(opts, strings.ToUpper(t[:1])+t[1:])
	}
	if len(opts) > 2 {
		opts = append(opts, TemplateBoth)
	}
	tmpl := widget.NewRadioGroup(opts, nil)
	tmpl.SetSelected(TemplateBlank)
	tmpl.Required = true
	s.Dialog = DialogWidgets{Name: name, Template: tmpl}
	content := widget.NewForm(widget.NewFormItem("Name", name), widget.NewFormItem("Start from", tmpl))
	s.show("New workspace", content, nil, "Create", func() { s.create(name.Text, tmpl.Selected) })
	s.win.Canvas().Focus(name)
}

func (s *Screen) create(name, tmpl string) {
	name = strings.TrimSpace(name)
	if name == "" {
		s.say("Give the workspace a name.")
		return
	}
	var templates []string
	switch tmpl {
	case TemplateBlank, "":
	case TemplateBoth:
		templates = s.be.Templates()
	default:
		templates = []string{strings.ToLower(tmpl)}
	}
	s.CloseDialog()
	var id uuid.UUID
	s.run("Could not create the workspace", func() (err error) {
		id, err = s.be.CreateWorkspace(name, templates...)
		return err
	}, func() {
		s.say(fmt.Sprintf("Created %q.", name))
		if s.opts.Open != nil {
			s.opts.Open(id)
		}
	})
}

// ShowRename asks for a new name for the selected workspace.
func (s *Screen) ShowRename() {
	w, ok := s.Selected()
	if !ok {
		return
	}
	name := widget.NewEntry()
	name.SetText(w.Name)
	s.Dialog = DialogWidgets{Name: name}
	s.show("Rename workspace", widget.NewForm(widget.NewFormItem("Name", name)), nil, "Rename", func() {
		n := name.Text
		s.CloseDialog()
		s.run("Could not rename the workspace", func() error { return s.be.RenameWorkspace(w.ID, n) },
			func() { s.say(fmt.Sprintf("Renamed to %q.", strings.TrimSpace(n))) })
	})
}

// ShowDelete asks to confirm deleting the local copy.
func (s *Screen) ShowDelete() {
	w, ok := s.Selected()
	if !ok {
		return
	}
	msg := widget.NewLabel(fmt.Sprintf("Delete %q from this device? Its %d records are removed here; other members keep their copies, and you can be invited again.", w.Name, w.Records))
	msg.Wrapping = fyne.TextWrapWord
	s.show("Delete from this device", msg, nil, "Delete", func() {
		s.CloseDialog()
		s.run("Could not delete the workspace", func() error { return s.be.DeleteWorkspace(w.ID) },
			func() { s.say(fmt.Sprintf("Deleted %q from this device.", w.Name)) })
	})
}

// ShowLeave asks to confirm leaving the workspace.
func (s *Screen) ShowLeave() {
	w, ok := s.Selected()
	if !ok {
		return
	}
	msg := widget.NewLabel(fmt.Sprintf("Leave %q? The other members are told, and your copy is removed from this device.", w.Name))
	msg.Wrapping = fyne.TextWrapWord
	s.show("Leave workspace", msg, nil, "Leave", func() {
		s.CloseDialog()
		s.run("Could not leave the workspace", func() error {
			if err := s.be.Sharing().Leave(w.ID); err != nil {
				return err
			}
			return s.be.DeleteWorkspace(w.ID)
		}, func() { s.say(fmt.Sprintf("You left %q.", w.Name)) })
	})
}

// ShowInvite makes an invitation code for the selected workspace.
func (s *Screen) ShowInvite() {
	w, ok := s.Selected()
	if !ok {
		return
	}
	roles := []string{model.RoleParticipant.Title(), model.RoleGuest.Title(), model.RoleManager.Title()}
	role := widget.NewSelect(roles, nil)
	role.SetSelected(roles[0])
	code := widget.NewEntry()
	code.SetPlaceHolder("the code appears here")
	note := widget.NewLabel("Participants edit records, guests read, managers also design and invite.")
	note.Wrapping = fyne.TextWrapWord
	var cp *widget.Button
	cp = widget.NewButton("Copy", func() {
		fyne.CurrentApp().Clipboard().SetContent(code.Text)
		note.SetText("Copied. Send it to the person you invite; it works once.")
	})
	cp.Disable()
	s.Dialog = DialogWidgets{Role: role, Code: code, Copy: cp, Note: note}
	content := container.NewVBox(widget.NewForm(widget.NewFormItem("Role", role)),
		container.NewBorder(nil, nil, nil, cp, code), note)
	s.show("Invite to "+w.Name, content, nil, "Make code", func() {
		r, _ := model.ParseRole(role.Selected)
		s.loop.Post(func(context.Context) {
			c, err := s.be.Sharing().Invite(w.ID, r)
			s.loop.UI(func() {
				if err != nil {
					note.SetText(workspace.Explain("No code made", err))
					return
				}
				code.SetText(c)
				cp.Enable()
				note.SetText(fmt.Sprintf("Give this code to the person you invite as %s.", r))
			})
		})
	})
}

// ShowJoin asks for an invitation code.
func (s *Screen) ShowJoin() {
	code := widget.NewEntry()
	code.SetPlaceHolder("paste the invitation code")
	note := widget.NewLabel("")
	note.Wrapping = fyne.TextWrapWord
	s.Dialog = DialogWidgets{Code: code, Note: note}
	s.show("Join a workspace", container.NewVBox(code, note), nil, "Join", func() {
		c := strings.TrimSpace(code.Text)
		if c == "" {
			note.SetText("Paste the code you were sent.")
			return
		}
		s.loop.Post(func(context.Context) {
			id, err := s.be.Sharing().Join(c)
			s.loop.UI(func() {
				if err != nil {
					note.SetText(workspace.Explain("Could not join", err))
					return
				}
				s.CloseDialog()
				s.say("Joined. The workspace fills in as it syncs.")
				if s.opts.Open != nil {
					s.opts.Open(id)
				}
			})
			s.load()
		})
	})
}

// ShowSettings shows the device name and ID, the data folder and the
// discovery interfaces.
func (s *Screen) ShowSettings() {
	name := widget.NewEntry()
	name.SetText(s.device.Name)
	id := widget.NewEntry()
	id.SetText(s.device.ID)
	id.Disable()
	cp := widget.NewButton("Copy", func() { fyne.CurrentApp().Clipboard().SetContent(s.device.ID) })
	folder := widget.NewLabel(s.device.DataFolder)
	folder.Wrapping = fyne.TextWrapBreak
	ifaces := widget.NewLabel("…")
	ifaces.Wrapping = fyne.TextWrapWord
	s.Dialog = DialogWidgets{Name: name, Copy: cp}
	form := widget.NewForm(
		widget.NewFormItem("Device name", name),
		widget.NewFormItem("Device ID", container.NewBorder(nil, nil, nil, cp, id)),
		widget.NewFormItem("Data folder", folder),
		widget.NewFormItem("Discovery", ifaces))
	s.loop.Post(func(context.Context) {
		list, err := s.be.Discovery().Interfaces()
		s.loop.UI(func() {
			if err != nil {
				ifaces.SetText(workspace.Calm(err) + ".")
				return
			}
			ifaces.SetText("Looks for devices on: " + strings.Join(list, ", "))
		})
	})
	s.show("Settings", form, nil, "Save", func() {
		n := name.Text
		s.CloseDialog()
		s.run("Could not rename this device", func() error { return s.be.RenameDevice(n) },
			func() { s.say("Saved the settings.") })
	})
}

// buildWelcome is the first-run screen: one question, then the demo.
func (s *Screen) buildWelcome() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Welcome to Grove", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	text := widget.NewLabel("Grove keeps your team's records — contacts, tasks, anything you design — on this computer, and syncs them with your team's devices when they meet. It works without the internet.\n\nFirst, name this device so your team knows whose it is.")
	text.Wrapping = fyne.TextWrapWord
	name := widget.NewEntry()
	name.SetPlaceHolder("e.g. Ana's laptop")
	if dev, err := s.be.Device(); err == nil && dev.Name != "" {
		name.SetText(dev.Name)
	} else {
		name.SetText(hostname())
	}
	note := widget.NewLabel("")
	note.Wrapping = fyne.TextWrapWord
	start := widget.NewButton("Start", nil)
	start.Importance = widget.HighImportance
	start.OnTapped = func() {
		n := strings.TrimSpace(name.Text)
		if n == "" {
			note.SetText("Give this device a name first.")
			return
		}
		start.Disable()
		note.SetText("Preparing a sample workspace with contacts and tasks…")
		s.progress.Show()
		s.progress.Start()
		s.loop.Post(func(context.Context) {
			id, err := s.be.Welcome(n)
			s.loop.UI(func() {
				s.progress.Stop()
				s.progress.Hide()
				if err != nil {
					start.Enable()
					note.SetText(workspace.Explain("Could not get started", err))
					return
				}
				s.FinishWelcome()
				if s.opts.Open != nil {
					s.opts.Open(id)
				}
			})
			s.load()
		})
	}
	name.OnSubmitted = func(string) { start.OnTapped() }
	s.Dialog = DialogWidgets{Name: name, OK: start, Note: note}
	box := container.NewVBox(title, text, widget.NewForm(widget.NewFormItem("Device name", name)), start, note)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 360), box))
}

// Welcoming reports whether the welcome is shown.
func (s *Screen) Welcoming() bool { return s.welcome }

// FinishWelcome replaces the welcome with the workspaces.
func (s *Screen) FinishWelcome() {
	if !s.welcome {
		return
	}
	s.welcome = false
	s.Dialog = DialogWidgets{}
	s.body.Objects = s.body.Objects[:0]
	s.build()
	s.win.SetContent(s.content)
}

// FocusWelcome focuses the welcome's name entry.
func (s *Screen) FocusWelcome() {
	if s.welcome && s.Dialog.Name != nil {
		s.win.Canvas().Focus(s.Dialog.Name)
	}
}
