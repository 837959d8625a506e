package local

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// Device implements model.Home.
func (b *Backend) Device() (model.Device, error) {
	d, err := b.store.Device()
	if errors.Is(err, replica.ErrNotInitialized) {
		return model.Device{}, &kindError{err, model.ErrNotFound}
	}
	if err != nil {
		return model.Device{}, err
	}
	return model.Device{ID: d.ID.String(), Name: d.Name, DataFolder: dataFolder(b.store.Path())}, nil
}

func dataFolder(storePath string) string {
	if i := strings.LastIndexAny(storePath, `/\`); i > 0 {
		return storePath[:i]
	}
	return storePath
}

// NeedsWelcome implements model.Home.
func (b *Backend) NeedsWelcome() (bool, error) {
	w, err := b.state.welcomed()
	return !w, err
}

// Welcome implements model.Home: the device gets its name (and identity,
// when main did not create it), the demo workspace is made when there is
// no workspace, and the first workspace is returned to open.
func (b *Backend) Welcome(deviceName string) (uuid.UUID, error) {
	deviceName = strings.TrimSpace(deviceName)
	if deviceName == "" {
		return uuid.Nil, fmt.Errorf("give this device a name, so the others know whose it is: %w", model.ErrInvalid)
	}
	if _, err := b.store.Init(deviceName); err != nil {
		return uuid.Nil, mapErr(err)
	}
	all, err := b.store.Workspaces()
	if err != nil {
		return uuid.Nil, err
	}
	var open uuid.UUID
	for _, w := range all {
		if w.Name == firstrun.DemoName {
			open = w.ID
		}
	}
	if len(all) == 0 {
		ws, err := firstrun.CreateDemo(b.store)
		if err != nil {
			return uuid.Nil, err
		}
		open = ws.ID
	} else if open == uuid.Nil {
		open = all[0].ID
	}
	if err := b.state.update(func(d *uiStateData) { d.Welcomed = true }); err != nil {
		return uuid.Nil, err
	}
	b.hub.publish(model.Event{Kind: model.WorkspacesChanged})
	b.hub.publish(model.Event{Kind: model.DeviceChanged})
	return open, nil
}

// RenameDevice implements model.Home.
func (b *Backend) RenameDevice(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("the device name is empty: %w", model.ErrInvalid)
	}
	if _, err := b.store.Init(name); err != nil {
		return mapErr(err)
	}
	b.hub.publish(model.Event{Kind: model.DeviceChanged})
	return nil
}

// Templates implements model.Home.
func (b *Backend) Templates() []string { return assets.TemplateNames() }

// Workspaces implements model.Home.
func (b *Backend) Workspaces(ctx context.Context) ([]model.WorkspaceSummary, error) {
	all, err := b.store.Workspaces()
	if err != nil {
		return nil, err
	}
	dev, err := b.store.Device()
	if err != nil {
		return nil, mapErr(err)
	}
	me := dev.ID.String()
	out := make([]model.WorkspaceSummary, 0, len(all))
	for _, w := range all {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, err := b.summary(ctx, w, me)
		if err != nil {
			return nil, fmt.Errorf("workspace %q: %w", w.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// errStop ends a walk early.
var errStop = errors.New("stop")

func (b *Backend) summary(ctx context.Context, w replica.Workspace, me string) (model.WorkspaceSummary, error) {
	s := model.WorkspaceSummary{ID: w.ID, Name: w.Name, Role: model.RoleGuest}
	tools, err := b.store.Tools(w.ID)
	if err != nil {
		return s, err
	}
	for _, t := range tools {
		s.Tools = append(s.Tools, t.Name)
	}
	members, err := b.store.Members(w.ID)
	if err != nil {
		return s, err
	}
	var devices []string
	for _, m := range members {
		id := m.Device.String()
		if id == me {
			s.Role = model.Role(m.Role)
			continue
		}
		devices = append(devices, id)
	}
	s.Members = len(members)
	for _, on := range b.discovery.Online(devices) {
		if on {
			s.Online++
		}
	}
	looked := b.state.lastLooked(w.ID)
	n := 0
	err = b.store.Records(w.ID, uuid.Nil, func(r *replica.Record) error {
		s.Records++
		if r.Modified.Time().After(looked) && r.ModifiedBy.String() != me {
			s.Unread++
		}
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return s, ctx.Err()
	}
	if err != nil {
		return s, err
	}
	cs, err := b.store.Conflicts(w.ID)
	if err != nil {
		return s, err
	}
	for _, c := range cs {
		if c.Scope == replica.ScopeData {
			s.Conflicts++
		}
	}
	return s, nil
}

// CreateWorkspace implements model.Home.
func (b *Backend) CreateWorkspace(name string, templates ...string) (uuid.UUID, error) {
	var tools []*schema.Tool
	for _, tn := range templates {
		t, err := firstrun.Template(tn)
		if err != nil {
			return uuid.Nil, &kindError{err, model.ErrInvalid}
		}
		tools = append(tools, t)
	}
	if len(tools) == 0 {
		tools = append(tools, BlankTool("Items"))
	}
	ws, err := b.store.CreateWorkspace(name, tools...)
	if err != nil {
		return uuid.Nil, mapErr(err)
	}
	b.hub.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: ws.ID})
	return ws.ID, nil
}

// BlankTool returns a new tool with one required text field, Name.
func BlankTool(name string) *schema.Tool {
	return &schema.Tool{ID: uuid.New(), Name: name, Fields: []schema.Field{
		{ID: uuid.New(), Name: "Name", Type: schema.Text, Required: true},
	}}
}

// RenameWorkspace implements model.Home.
func (b *Backend) RenameWorkspace(id uuid.UUID, name string) error {
	if err := b.store.RenameWorkspace(id, name); err != nil {
		return mapErr(err)
	}
	b.hub.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: id})
	return nil
}

// DeleteWorkspace implements model.Home.
func (b *Backend) DeleteWorkspace(id uuid.UUID) error {
	if err := b.store.DeleteWorkspace(id); err != nil {
		return mapErr(err)
	}
	b.hub.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: id})
	return nil
}

// Open implements model.Home.
func (b *Backend) Open(id uuid.UUID) (model.Workspace, error) {
	if _, err := b.store.Workspace(id); err != nil {
		return nil, mapErr(err)
	}
	return &workspace{b: b, id: id}, nil
}

// Subscribe implements model.Home.
func (b *Backend) Subscribe(ctx context.Context) <-chan model.Event {
	return b.hub.subscribe(ctx, nil)
}
