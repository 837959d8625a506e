package workspace

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// Conflicts is the conflicts inbox: every conflicted field of the
// workspace in a list; the selected one side by side with "Keep this" per
// version and a merged value to type. A second tab lists the changes a
// server refused.
type Conflicts struct {
	ws   model.Workspace
	loop *loop.Loop

	// Fyne-thread state.
	items    []model.Conflict
	tools    map[[16]byte]*schema.Tool
	role     model.Role
	selected int
	quiet    bool // load is selecting: the list must not rebuild the chooser
	list     *widget.List
	detail   *fyne.Container
	chooser  *widgets.ConflictChooser
	shownAs  model.Role // the role the chooser was built for
	status   *widget.Label
	refused  *RefusedList
	content  fyne.CanvasObject

	// OnEditRefused, when set before Start, offers "Edit and resubmit" on
	// the refused changes (the workspace window's form edits them).
	OnEditRefused func(model.Refused)
}

// NewConflicts builds the inbox; ui is the loop's UI function (nil:
// fyne.Do).
func NewConflicts(ws model.Workspace, ui func(func())) *Conflicts {
	c := &Conflicts{ws: ws, loop: loop.New(ui), selected: -1, tools: map[[16]byte]*schema.Tool{}}
	c.list = widget.NewList(func() int { return len(c.items) },
		func() fyne.CanvasObject { return widget.NewLabel("Tool · record · field") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := c.items[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s · %s · %s", it.ToolName, it.Label, it.FieldName))
		})
	c.list.OnSelected = func(i widget.ListItemID) {
		if !c.quiet {
			c.choose(i)
		}
	}
	c.detail = container.NewStack(widget.NewLabel("Choose a conflict on the left."))
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.refused = NewRefusedList()
	c.refused.OnDiscard = c.discardRefused
	split := container.NewHSplit(c.list, container.NewBorder(nil, c.status, nil, nil, container.NewVScroll(c.detail)))
	split.Offset = 0.35
	tabs := container.NewAppTabs(
		container.NewTabItem("Conflicts", split),
		container.NewTabItem("Refused changes", c.refused.Content()))
	c.content = tabs
	return c
}

// Content returns the inbox's root object.
func (c *Conflicts) Content() fyne.CanvasObject { return c.content }

// Loop returns the controller loop (tests flush it).
func (c *Conflicts) Loop() *loop.Loop { return c.loop }

// Start starts the controller and loads the conflicts.
func (c *Conflicts) Start(ctx context.Context) {
	c.loop.Start(ctx, c.ws.Subscribe(ctx), func(_ context.Context, evs []model.Event) {
		for _, e := range evs {
			if e.Kind == model.ConflictsChanged || e.Kind == model.Resync || e.Kind == model.RecordChanged || e.Kind == model.DesignChanged {
				c.load()
				return
			}
		}
	})
	c.loop.Post(func(context.Context) { c.load() })
}

// Close ends the controller.
func (c *Conflicts) Close() { c.loop.Close() }

// Items returns the conflicts listed (tests).
func (c *Conflicts) Items() []model.Conflict { return c.items }

// Chooser returns the chooser of the selected conflict (tests).
func (c *Conflicts) Chooser() *widgets.ConflictChooser { return c.chooser }

// Status returns the status line (tests).
func (c *Conflicts) Status() string { return c.status.Text }

// load runs on the controller.
func (c *Conflicts) load() {
	items, err := c.ws.Conflicts()
	tools, _ := c.ws.Tools()
	info, _ := c.ws.Info()
	refused, rerr := c.ws.Refused()
	c.loop.UI(func() {
		c.role = info.Role
		for _, t := range tools {
			c.tools[t.ID] = t
		}
		if err != nil {
			c.status.SetText(Explain("Could not read the conflicts", err))
			return
		}
		var prev *model.Conflict
		if c.selected >= 0 && c.selected < len(c.items) {
			prev = &c.items[c.selected]
		}
		c.items = items
		c.list.Refresh()
		c.showRefused(refused, rerr)
		if len(items) == 0 {
			c.selected = -1
			c.chooser = nil
			c.detail.Objects = []fyne.CanvasObject{widget.NewLabel("No conflicts. When two people change the same field at the same time, both versions appear here side by side.")}
			c.detail.Refresh()
			return
		}
		// Keep the conflict on show, found by what it is rather than by
		// position; while it is unchanged its chooser stays, with a merged
		// value being typed, instead of being rebuilt by every reload.
		i := min(max(c.selected, 0), len(items)-1)
		same := false
		if prev != nil {
			for j := range items {
				if sameConflict(*prev, items[j]) {
					i, same = j, sameVersions(*prev, items[j])
				}
			}
		}
		c.quiet = true
		c.list.Select(i)
		c.quiet = false
		if same && c.chooser != nil && c.shownAs == c.role {
			c.selected = i
			return
		}
		c.choose(i)
	})
}

// sameConflict reports whether a and b are the same conflicted field.
func sameConflict(a, b model.Conflict) bool {
	return a.Record == b.Record && a.Field == b.Field && a.Existence == b.Existence
}

// sameVersions reports whether a and b offer the same versions.
func sameVersions(a, b model.Conflict) bool {
	if len(a.Versions) != len(b.Versions) {
		return false
	}
	for i, va := range a.Versions {
		vb := b.Versions[i]
		if va.Value != vb.Value || va.Author != vb.Author || va.AuthorName != vb.AuthorName ||
			va.Replica != vb.Replica || !va.Time.Equal(vb.Time) || va.Won != vb.Won || va.Refused != vb.Refused {
			return false
		}
	}
	return true
}

func (c *Conflicts) showRefused(rs []model.Refused, err error) {
	c.refused.OnEdit = c.OnEditRefused
	c.refused.Show(rs, err, c.role.CanEdit())
	if c.OnEditRefused == nil && len(rs) > 0 {
		c.refused.SetNote("To fix a refused change and send it again, open the Refused tab of the workspace window.")
	}
}

// Refused returns the refused-changes list (tests).
func (c *Conflicts) Refused() *RefusedList { return c.refused }

func (c *Conflicts) discardRefused(r model.Refused) {
	c.loop.Post(func(context.Context) {
		err := c.ws.DiscardRefused(r)
		c.loop.UI(func() {
			if err != nil {
				c.refused.SetNote(Explain("Could not discard the refused change", err))
			}
		})
		c.load()
	})
}

// choose shows conflict i side by side.
func (c *Conflicts) choose(i int) {
	if i < 0 || i >= len(c.items) {
		return
	}
	c.selected = i
	it := c.items[i]
	if it.Existence {
		c.chooser = nil
		restore := widget.NewButton("Keep the record", func() { c.resolveExistence(it, true) })
		del := widget.NewButton("Delete it", func() { c.resolveExistence(it, false) })
		c.detail.Objects = []fyne.CanvasObject{container.NewVBox(
			widget.NewLabel(fmt.Sprintf("%s was deleted on one device and changed on another.", it.Label)),
			container.NewHBox(restore, del))}
		c.detail.Refresh()
		return
	}
	versions := make([]widgets.ConflictVersion, len(it.Versions))
	for j, v := range it.Versions {
		who := v.AuthorName
		if who == "" {
			who = "device " + model.ShortID(v.Author)
		}
		text := valueText(v.Value)
		if f := c.field(it); f != nil {
			text = displayText(f, v.Value, nil)
		}
		versions[j] = widgets.ConflictVersion{Value: text, Author: who, Device: model.ShortID(v.Author), When: when(v.Time), Won: v.Won}
	}
	ch := widgets.NewConflictChooser(fmt.Sprintf("%s — %s (%s)", it.Label, it.FieldName, it.ToolName), versions)
	ch.SetReadOnly(!c.role.CanEdit())
	c.shownAs = c.role
	ch.OnKeep = func(j int) { c.resolve(it, it.Versions[j].Value) }
	ch.OnMerge = func(text string) {
		f := c.field(it)
		if f == nil {
			c.status.SetText("This field is no longer in the design; keep one of the versions instead.")
			return
		}
		v, err := schema.ParseValue(f, text)
		if err == nil {
			err = f.Validate(v)
		}
		if err != nil {
			c.status.SetText("The merged value is not valid: " + widgets.RuleMessage(err) + ". Correct it and try again.")
			return
		}
		c.resolve(it, v)
	}
	c.chooser = ch
	c.detail.Objects = []fyne.CanvasObject{ch}
	c.detail.Refresh()
	if !c.role.CanEdit() {
		c.status.SetText("You can see conflicts; your role (" + c.role.String() + ") does not allow resolving them.")
	} else {
		c.status.SetText("")
	}
}

func (c *Conflicts) field(it model.Conflict) *schema.Field {
	if t := c.tools[it.Tool]; t != nil {
		if f, ok := t.FieldByID(it.Field); ok {
			return f
		}
	}
	return nil
}

func (c *Conflicts) resolve(it model.Conflict, v schema.Value) {
	c.status.SetText("Resolving…")
	c.loop.Post(func(context.Context) {
		err := c.ws.Resolve(it.Record, it.Field, v)
		c.loop.UI(func() {
			if err != nil {
				c.status.SetText(Explain("Could not resolve the conflict", err))
				return
			}
			c.status.SetText(fmt.Sprintf("Resolved %s of %s: everyone will see %q.", it.FieldName, it.Label, valueText(v)))
		})
		c.load()
	})
}

func (c *Conflicts) resolveExistence(it model.Conflict, keep bool) {
	c.loop.Post(func(context.Context) {
		var err error
		if keep {
			err = c.ws.RestoreRecord(it.Record)
		} else {
			err = c.ws.DeleteRecord(it.Record)
		}
		c.loop.UI(func() {
			if err != nil {
				c.status.SetText(Explain("Could not resolve the conflict", err))
			}
		})
		c.load()
	})
}

// OpenConflicts opens the inbox in its own window. onEditRefused, when
// not nil, offers "Edit and resubmit" on the refused changes (typically
// the workspace screen's EditRefused); without it they can only be
// discarded there.
func OpenConflicts(ctx context.Context, a fyne.App, ws model.Workspace, title string, onEditRefused func(model.Refused)) fyne.Window {
	w := a.NewWindow("Conflicts — " + title)
	c := NewConflicts(ws, nil)
	c.OnEditRefused = onEditRefused
	RememberSize(a, w, "conflicts", fyne.NewSize(900, 560))
	w.SetContent(c.Content())
	w.SetCloseIntercept(func() { SaveSize(a, w, "conflicts"); w.Close() })
	w.SetOnClosed(c.Close)
	c.Start(ctx)
	w.Show()
	return w
}
