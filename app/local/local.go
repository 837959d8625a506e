// Package local implements the app's model interfaces over the replica
// store on this device. It is the seam between the screens and storage.
package local

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
)

// Backend serves the app from a store.
type Backend struct {
	store *replica.Store
}

var _ model.Home = (*Backend)(nil)

// New returns a backend over an open store.
func New(s *replica.Store) *Backend { return &Backend{store: s} }

// Device implements model.Home.
func (b *Backend) Device() (model.Device, error) {
	d, err := b.store.Device()
	if err != nil {
		return model.Device{}, err
	}
	return model.Device{ID: d.ID.String(), Name: d.Name, Data: b.store.Path()}, nil
}

// Workspaces implements model.Home.
func (b *Backend) Workspaces() ([]model.Workspace, error) {
	all, err := b.store.Workspaces()
	if err != nil {
		return nil, err
	}
	out := make([]model.Workspace, 0, len(all))
	for _, w := range all {
		mw := model.Workspace{ID: w.ID.String(), Name: w.Name}
		tools, err := b.store.Tools(w.ID)
		if err != nil {
			return nil, fmt.Errorf("workspace %q: %w", w.Name, err)
		}
		for _, t := range tools {
			mw.Tools = append(mw.Tools, t.Name)
		}
		err = b.store.Records(w.ID, uuid.Nil, func(*replica.Record) error { mw.Records++; return nil })
		if err != nil {
			return nil, err
		}
		out = append(out, mw)
	}
	return out, nil
}
